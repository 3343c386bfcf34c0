from fastapi import FastAPI

from predictor import Predictor

app = FastAPI(title="price model")
predictor = Predictor()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/predict")
def predict(rows: list[list[float]]):
    return {"prices": predictor.predict(rows)}
