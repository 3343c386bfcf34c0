import joblib
from fastapi import FastAPI

from helpers import clip

model = joblib.load("models/forest.joblib")
app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True}


@app.post("/predict")
def predict(features: list[float]):
    return {"class": int(model.predict([clip(features)])[0])}
