import boto3
import joblib
from fastapi import FastAPI

from api.db import log_prediction

boto3.client("s3").download_file("ml-artifacts", "price/model.joblib", "/tmp/model.joblib")
model = joblib.load("/tmp/model.joblib")

app = FastAPI()


@app.get("/healthz")
def healthz():
    return {"ok": True}


@app.post("/predict")
def predict(x: list[float]):
    y = float(model.predict([x])[0])
    log_prediction(y)
    return {"price": y}
