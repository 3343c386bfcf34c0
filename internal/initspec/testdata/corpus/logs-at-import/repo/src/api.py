import json
import logging
import os
from pathlib import Path
from typing import List

from fastapi import FastAPI
from pydantic import BaseModel

LOG_DIR = Path(os.getenv("LOG_DIR", "logs"))
LOG_DIR.mkdir(exist_ok=True)
logging.basicConfig(handlers=[logging.FileHandler(LOG_DIR / "api.log")], level=logging.INFO)
log = logging.getLogger("api")

CACHE_DIR = Path("data/cache")
CACHE_DIR.mkdir(parents=True, exist_ok=True)

with open("models/model.json") as f:
    MODEL = json.load(f)

app = FastAPI(title="sensors")


class Request(BaseModel):
    instances: List[List[float]]


@app.get("/health")
def health():
    log.info("health")
    return {"status": "ok"}


@app.post("/predict")
def predict(req: Request):
    preds = [sum(w * x for w, x in zip(MODEL["weights"], row)) for row in req.instances]
    with open(LOG_DIR / "predictions.jsonl", "a") as f:
        f.write(json.dumps(preds) + "\n")
    return {"predictions": preds}
