import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

ARTIFACTS = "artifacts"


def main():
    encoder = joblib.load(f"{ARTIFACTS}/encoder.joblib")
    df = pd.DataFrame({"plan": ["basic", "pro", "basic", "pro"], "churn": [1, 0, 1, 0]})
    X = encoder.transform(df[["plan"]])
    model = LogisticRegression().fit(X, df["churn"])
    joblib.dump(model, f"{ARTIFACTS}/model.joblib")


if __name__ == "__main__":
    main()
