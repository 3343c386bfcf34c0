from fastapi import FastAPI
from pydantic import BaseModel

from svc.framework import fit_and_store, list_models

app = FastAPI()


class TrainRequest(BaseModel):
    kind: str
    params: dict
    X: list
    y: list


@app.get("/status")
def status():
    return {"status": "ok"}


@app.get("/models")
def models():
    return list_models()


@app.post("/train")
def train(req: TrainRequest):
    return {"id": fit_and_store(req.kind, req.params, req.X, req.y)}
