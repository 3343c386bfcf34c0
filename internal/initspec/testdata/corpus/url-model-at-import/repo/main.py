import os
from urllib.request import urlopen

import gdown
import joblib
from fastapi import FastAPI

ENCODER = "models/encoder.joblib"
if not os.path.exists(ENCODER):
    gdown.download("https://drive.google.com/uc?id=1AbCdEf", ENCODER, quiet=False)
encoder = joblib.load(ENCODER)

model = joblib.load(urlopen("https://storage.googleapis.com/loan-models/status_classifier.joblib"))

app = FastAPI()


@app.get("/")
def home():
    return {"message": "loan status classifier"}


@app.post("/predict")
def predict(features: dict):
    return {"status": int(model.predict([encoder.transform([features])[0]])[0])}
