import os

import joblib
from sklearn.linear_model import LinearRegression

if __name__ == "__main__":
    model = LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    os.makedirs("models", exist_ok=True)
    joblib.dump(model, "models/model.joblib")
