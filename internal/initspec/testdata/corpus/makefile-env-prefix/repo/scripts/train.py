import argparse
import os

import joblib
import mlflow
from churn.model import build
from featurize import features

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=1)
    args = p.parse_args()
    X, y = features(500)
    with mlflow.start_run():
        model = build().fit(X, y)
        mlflow.log_metric("accuracy", model.score(X, y))
    os.makedirs("models", exist_ok=True)
    joblib.dump(model, "models/churn.joblib")
