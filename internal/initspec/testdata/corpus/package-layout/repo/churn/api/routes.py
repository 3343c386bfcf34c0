import joblib
from fastapi import APIRouter

from churn.config import MODEL_FILE

router = APIRouter()
model = joblib.load(MODEL_FILE)


@router.get("/healthcheck")
def healthcheck():
    return {"status": "ok"}


@router.post("/predict")
def predict(features: dict):
    return {"churn": int(model.predict([list(features.values())])[0])}
