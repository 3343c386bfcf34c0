import joblib
import pandas as pd
import yaml
from sklearn.linear_model import LogisticRegression

from churn.config import ARTIFACTS_DIR, MODEL_FILE, PARAMS, REPORTS_DIR


def train():
    params = yaml.safe_load(open(PARAMS))
    df = pd.read_csv("data/churn.csv")
    model = LogisticRegression(C=params["C"]).fit(df.drop(columns="churn"), df["churn"])
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, MODEL_FILE)
    REPORTS_DIR.mkdir(exist_ok=True)
    pd.DataFrame({"score": [model.score(df.drop(columns="churn"), df["churn"])]}).to_csv(REPORTS_DIR / "metrics.csv")


if __name__ == "__main__":
    train()
