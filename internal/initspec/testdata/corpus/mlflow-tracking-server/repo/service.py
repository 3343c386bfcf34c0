import mlflow
import pandas as pd
from fastapi import FastAPI
from mlflow.tracking import MlflowClient

mlflow.set_tracking_uri("http://mlflow:5000")
registry = MlflowClient()
latest = registry.get_latest_versions("iris-clf", stages=["None"])[0]
model = mlflow.pyfunc.load_model(f"models:/iris-clf/{latest.version}")

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok", "version": latest.version}


@app.post("/predict")
def predict(rows: list[dict]):
    return {"classes": model.predict(pd.DataFrame(rows)).tolist()}
