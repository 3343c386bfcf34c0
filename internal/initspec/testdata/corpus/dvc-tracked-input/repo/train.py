from pathlib import Path

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestRegressor


def load(csv="red-wine.csv"):
    frame = pd.read_csv(csv, sep=";")
    return frame.drop(columns="quality"), frame["quality"]


def main():
    x, y = load()
    Path("artifacts").mkdir(exist_ok=True)
    joblib.dump(RandomForestRegressor(max_depth=8).fit(x, y), "artifacts/forest.joblib")


if __name__ == "__main__":
    main()
