import os

import joblib
from fastapi import FastAPI

MODEL_PATH = os.path.join(os.getenv("MODEL_DIR", "artifacts/models"), "tree.joblib")

app = FastAPI()
model = joblib.load(MODEL_PATH)


@app.get("/health")
def health():
    return {"ok": True}
