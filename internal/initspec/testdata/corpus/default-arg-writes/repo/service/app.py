import joblib
from fastapi import FastAPI

app = FastAPI()
model = joblib.load("checkpoints/ridge.joblib")


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/predict")
def predict(x: float):
    return {"y": float(model.predict([[x]])[0])}
