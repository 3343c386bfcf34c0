import os

import joblib
from fastapi import FastAPI

ARTIFACTS = os.getenv("MLFLOW_S3_ENDPOINT_URL", "http://minio:9000")
model = joblib.load("models/intents.joblib")
app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True, "artifacts": ARTIFACTS}


@app.post("/intent")
def intent(text: str):
    return {"intent": model.predict([text])[0]}
