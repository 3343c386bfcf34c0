from pathlib import Path

import joblib
from fastapi import FastAPI

ROOT = Path(__file__).parent.parent
model = joblib.load(ROOT / "artifacts/forest.joblib")
app = FastAPI()


@app.get("/healthz")
def healthz():
    return {"ok": True}


@app.post("/score")
def score(row: dict):
    return {"quality": float(model.predict([list(row.values())])[0])}
