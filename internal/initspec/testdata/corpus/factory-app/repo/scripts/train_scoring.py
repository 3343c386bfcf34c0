"""Fit the scoring weights: python scripts/train_scoring.py"""
import json
import os

import numpy as np

OUTPUT_DIR = os.environ.get("OUTPUT_DIR", "outputs")


def main():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(100, 3))
    y = x @ np.array([0.2, 0.3, 0.5])
    w, *_ = np.linalg.lstsq(x, y, rcond=None)
    os.makedirs(OUTPUT_DIR, exist_ok=True)
    with open(os.path.join(OUTPUT_DIR, "weights.json"), "w") as f:
        json.dump({"weights": w.tolist()}, f)


if __name__ == "__main__":
    main()
