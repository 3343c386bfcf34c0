from fastapi import FastAPI
from pydantic import BaseModel

from app.predictor import predict

app = FastAPI()


class Rows(BaseModel):
    rows: list[list[float]]


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/predict")
def run(body: Rows):
    return {"predictions": predict(body.rows)}
