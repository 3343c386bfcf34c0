import json
import os
from typing import List

from fastapi import FastAPI
from pydantic import BaseModel
from features import vectorize

MODEL_PATH = os.environ.get("MODEL_PATH", "models/model.json")
with open(MODEL_PATH) as f:
    MODEL = json.load(f)

app = FastAPI(title="churn")


class Rows(BaseModel):
    instances: List[List[float]]


@app.get("/")
def index():
    return {"model": MODEL_PATH}


@app.post("/predict")
def predict(rows: Rows):
    return {"predictions": [float(vectorize(r) @ MODEL["weights"]) for r in rows.instances]}
