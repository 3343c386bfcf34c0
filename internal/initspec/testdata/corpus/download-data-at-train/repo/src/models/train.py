import joblib
import pandas as pd
from sklearn.ensemble import RandomForestRegressor

from src.data.fetch import download_all


def main():
    download_all()
    df = pd.read_csv("data/raw/bikes.csv")
    model = RandomForestRegressor(n_estimators=50).fit(df[["temp", "hour"]], df["count"])
    joblib.dump(model, "models/bikes.joblib")


if __name__ == "__main__":
    main()
