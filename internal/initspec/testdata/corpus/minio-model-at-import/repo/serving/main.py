import joblib
from fastapi import FastAPI

from serving.storage import cached

model = joblib.load("/tmp/model.joblib")
app = FastAPI(title="churn")


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/predict")
def predict(features: list[float]):
    hit = cached(str(features))
    if hit is not None:
        return {"churn": float(hit)}
    return {"churn": float(model.predict([features])[0])}
