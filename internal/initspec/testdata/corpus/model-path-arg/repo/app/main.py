import os

import joblib
from fastapi import FastAPI

app = FastAPI()
model = joblib.load(os.environ["MODEL_PATH"])


@app.get("/health")
def health():
    return {"ok": True}
