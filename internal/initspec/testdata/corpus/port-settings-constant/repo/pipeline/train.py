import json
from pathlib import Path

import numpy as np

from service.settings import settings


def main():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + rng.normal(scale=0.1, size=200)
    w, *_ = np.linalg.lstsq(X, y, rcond=None)
    out = Path(settings.MODEL_DIR)
    out.mkdir(exist_ok=True)
    np.save(out / "weights.npy", w)
    rmse = float(np.sqrt(np.mean((X @ w - y) ** 2)))
    with open(out / "metrics.json", "w") as f:
        json.dump({"rmse": rmse}, f)


if __name__ == "__main__":
    main()
