import joblib
import pandas as pd
from sklearn.linear_model import Ridge

frame = pd.read_csv("houses.csv")
features = frame.drop(columns=["price"])
reg = Ridge(alpha=0.5)
reg.fit(features, frame["price"])
print("r2", reg.score(features, frame["price"]))
joblib.dump(reg, "model/regressor.pkl")
