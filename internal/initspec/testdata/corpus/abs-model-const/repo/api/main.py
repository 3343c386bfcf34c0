from pathlib import Path

import xgboost as xgb
from fastapi import FastAPI

MODEL_PATH = Path("/app/models/house_xgb.json")

app = FastAPI(title="House prices")
booster = xgb.Booster()
booster.load_model(MODEL_PATH)


@app.get("/health")
def health():
    return {"ok": True}
