from pathlib import Path

import numpy as np
import uvicorn
from fastapi import FastAPI

from service.settings import settings

app = FastAPI()
weights = np.load(Path(settings.MODEL_DIR) / "weights.npy")


@app.get("/healthz")
def healthz():
    return {"ok": True}


@app.post("/score")
def score(rows: list[list[float]]):
    return {"scores": (np.asarray(rows) @ weights).tolist()}


if __name__ == "__main__":
    uvicorn.run(app, host=settings.HOST, port=settings.PORT)
