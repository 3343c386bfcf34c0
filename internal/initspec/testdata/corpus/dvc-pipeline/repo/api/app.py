import joblib
from fastapi import FastAPI

from src.features import build

model = joblib.load("artifacts/model.pkl")
app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True}
