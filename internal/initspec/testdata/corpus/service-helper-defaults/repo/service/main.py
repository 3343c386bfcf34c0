import uuid

import joblib
import pandas as pd
from fastapi import FastAPI

from monitoring import tracker
from monitoring.store import FeedbackStore

app = FastAPI()
model = joblib.load("models/classifier.joblib")
feedback = FeedbackStore()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/predict")
def predict(delay: float, distance: float):
    df = pd.DataFrame([{"delay": delay, "distance": distance}])
    pred = int(model.predict(df)[0])
    tracker.log_prediction(df, pred)
    return {"id": str(uuid.uuid4()), "satisfied": pred}


@app.post("/feedback/{request_id}")
def give_feedback(request_id: str, label: int):
    feedback.add(request_id, label)
    return {"ok": True}
