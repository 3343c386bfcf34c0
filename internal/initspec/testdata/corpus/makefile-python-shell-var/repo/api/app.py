import os
from pathlib import Path

import joblib
from fastapi import FastAPI

MODEL_PATH = Path(os.getenv("MODEL_PATH", "models/latest"))
app = FastAPI()


@app.get("/health")
def health():
    return {"model": (MODEL_PATH / "model.joblib").exists()}


@app.get("/predict")
def predict(x: float):
    model = joblib.load(MODEL_PATH / "model.joblib")
    return {"y": int(model.predict([[x]])[0])}
