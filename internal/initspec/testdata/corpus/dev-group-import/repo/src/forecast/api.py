import numpy as np
from fastapi import FastAPI

app = FastAPI()
coef = np.load("models/coef.npy")


@app.get("/health")
def health():
    return {"ok": True}


@app.get("/forecast/{day}")
def forecast(day: int):
    return {"value": float(np.polyval(coef, day))}
