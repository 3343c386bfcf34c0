import joblib
from fastapi import FastAPI

app = FastAPI()
model = joblib.load("models/bikes.joblib")


@app.get("/health")
def health():
    return {"ok": True}
