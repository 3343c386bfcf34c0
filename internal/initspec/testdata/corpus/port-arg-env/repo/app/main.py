import joblib
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="churn")
model = joblib.load("models/churn.joblib")


class Customer(BaseModel):
    tenure: float
    monthly: float


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/predict")
def predict(c: Customer):
    return {"churn": float(model.predict_proba([[c.tenure, c.monthly]])[0][1])}
