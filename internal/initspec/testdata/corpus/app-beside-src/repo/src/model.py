import numpy as np


def fit(x, y):
    xb = np.hstack([x, np.ones((len(x), 1))])
    coef, *_ = np.linalg.lstsq(xb, y, rcond=None)
    return {"weights": coef[:-1].tolist(), "bias": float(coef[-1])}


def predict(model, rows):
    return (np.asarray(rows, dtype=float) @ np.asarray(model["weights"]) + model["bias"]).tolist()
