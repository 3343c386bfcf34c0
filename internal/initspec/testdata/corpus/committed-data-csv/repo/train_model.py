import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

df = pd.read_csv("data/churn.csv")
model = RandomForestClassifier(n_estimators=10, random_state=0)
model.fit(df[["tenure", "monthly"]], df["churn"])
joblib.dump(model, "model.pkl")
