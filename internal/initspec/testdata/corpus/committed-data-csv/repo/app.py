import os

import joblib
from fastapi import FastAPI

app = FastAPI(title="Churn API")
model = joblib.load(os.path.join(os.path.dirname(__file__), "model.pkl"))


@app.get("/")
def home():
    return {"message": "running"}


@app.post("/predict")
def predict(tenure: int, monthly: float):
    return {"churn": bool(model.predict([[tenure, monthly]])[0])}
