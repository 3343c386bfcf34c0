import os

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

df = pd.read_csv("data/churn.csv")
clf = LogisticRegression().fit(df[["tenure", "monthly"]], df["churned"])
os.makedirs("models", exist_ok=True)
joblib.dump(clf, "models/churn.joblib")
