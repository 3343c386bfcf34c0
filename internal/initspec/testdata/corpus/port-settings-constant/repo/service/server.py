import pickle
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from service.settings import settings

app = FastAPI()
with open(Path(settings.MODEL_DIR) / "model.pkl", "rb") as f:
    model = pickle.load(f)


@app.get("/healthz")
def healthz():
    return {"ok": True}


@app.post("/score")
def score(rows: list[list[float]]):
    return {"scores": model.predict(rows).tolist()}


if __name__ == "__main__":
    uvicorn.run(app, host=settings.HOST, port=settings.PORT)
