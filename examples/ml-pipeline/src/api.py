"""HTTP inference service: serve with `uvicorn src.api:app` from the project root.

Environment:
  MODEL_PATH  model written by src.train (default models/model.json)

Written for FastAPI with pydantic v1 or v2: plain BaseModel fields only.
"""

import logging
import os
from typing import List

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from .model import load_model, predict

log = logging.getLogger(__name__)

MODEL_PATH = os.environ.get("MODEL_PATH", "models/model.json")


class PredictRequest(BaseModel):
    instances: List[List[float]]


class PredictResponse(BaseModel):
    predictions: List[float]


def _load():
    """Load the model once, at import; the service still starts (unhealthy) without one."""
    try:
        return load_model(MODEL_PATH)
    except (OSError, ValueError) as e:
        log.error("cannot load model from %s: %s", MODEL_PATH, e)
        return None


_model = _load()
app = FastAPI(title="ml-pipeline", version="1")


@app.get("/health")
def health():
    if _model is None:
        return JSONResponse({"status": "unavailable", "model_loaded": False}, status_code=503)
    return {"status": "ok", "model_loaded": True}


@app.post("/predict", response_model=PredictResponse)
def predict_endpoint(req: PredictRequest):
    if _model is None:
        raise HTTPException(status_code=503, detail=f"no model loaded from {MODEL_PATH}")
    if not req.instances:
        raise HTTPException(status_code=422, detail="instances must not be empty")
    try:
        return PredictResponse(predictions=predict(_model, req.instances))
    except ValueError as e:
        raise HTTPException(status_code=422, detail=str(e))
