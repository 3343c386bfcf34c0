from fastapi import FastAPI

from src.logger import logging
from src.pipeline.predict_pipeline import PredictPipeline

app = FastAPI()


@app.get("/")
def home():
    return {"message": "student performance"}


@app.post("/predictdata")
def predict_datapoint(features: list):
    return {"prediction": PredictPipeline().predict([features]).tolist()}
