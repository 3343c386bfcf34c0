import json
from pathlib import Path
from typing import List

from fastapi import FastAPI
from pydantic import BaseModel

from src.model import predict

MODEL = json.loads(Path("artifacts/model.json").read_text())

app = FastAPI(title="forecast")


class Request(BaseModel):
    instances: List[List[float]]


@app.get("/health")
def health():
    return {"status": "ok", "features": len(MODEL["weights"])}


@app.post("/predict")
def predict_endpoint(req: Request):
    return {"predictions": predict(MODEL, req.instances)}
