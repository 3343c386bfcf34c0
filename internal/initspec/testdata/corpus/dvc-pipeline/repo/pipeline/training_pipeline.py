import argparse
import json

import joblib
import pandas as pd
import yaml
from sklearn.ensemble import RandomForestClassifier

from src.features import build


def run(params_path):
    params = yaml.safe_load(open(params_path))["train"]
    df = build(pd.read_parquet("data/prepared/x.parquet"))
    clf = RandomForestClassifier(**params).fit(df.drop(columns="y"), df["y"])
    joblib.dump(clf, "artifacts/model.pkl")
    with open("metrics/scores.json", "w") as f:
        json.dump({"accuracy": clf.score(df.drop(columns="y"), df["y"])}, f)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--params", default="params.yaml")
    run(p.parse_args().params)
