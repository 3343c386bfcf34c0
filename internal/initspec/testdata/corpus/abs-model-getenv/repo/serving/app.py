import os

import joblib
from fastapi import FastAPI

MODEL_PATH = os.getenv("MODEL_PATH", "/opt/ml/model/fraud.joblib")

app = FastAPI()
model = joblib.load(MODEL_PATH)


@app.get("/ping")
def ping():
    return {"status": "ok"}


@app.post("/invocations")
def invocations(rows: list[list[float]]):
    return {"scores": model.predict_proba(rows)[:, 1].tolist()}
