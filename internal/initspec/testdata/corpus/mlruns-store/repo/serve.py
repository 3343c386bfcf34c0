import os
from typing import List

import mlflow
from fastapi import FastAPI
from pydantic import BaseModel

RUN_ID = os.getenv("RUN_ID", "5b1f0c2ad3e94e0f8a7c6d1e2f3a4b5c")
model = mlflow.pyfunc.load_model(f"runs:/{RUN_ID}/model")

app = FastAPI(title="pricing")


class Request(BaseModel):
    instances: List[List[float]]


@app.get("/health")
def health():
    return {"status": "ok", "run": RUN_ID}


@app.post("/predict")
def predict(req: Request):
    return {"predictions": model.predict(req.instances)}
