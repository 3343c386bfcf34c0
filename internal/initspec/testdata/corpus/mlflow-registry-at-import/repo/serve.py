import os

import mlflow
import pandas as pd
from fastapi import FastAPI

mlflow.set_tracking_uri("http://mlflow:5000")
MODEL_URI = os.getenv("MODEL_URI", "models:/fraud-detector/Production")
model = mlflow.pyfunc.load_model(MODEL_URI)

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/predict")
def predict(rows: list[dict]):
    return {"fraud": model.predict(pd.DataFrame(rows)).tolist()}
