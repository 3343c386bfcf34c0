import numpy as np
from fastapi import FastAPI

FACTORS = np.load("artifacts/als.npz")
app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True}
