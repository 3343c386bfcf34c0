import json
import os

import numpy as np


def main():
    with open("configs/train.json") as f:
        cfg = json.load(f)
    rng = np.random.default_rng(cfg["seed"])
    x = rng.normal(size=(60, 4))
    w, *_ = np.linalg.lstsq(x, x @ np.array([1.0, 2.0, 3.0, 4.0]), rcond=None)
    os.makedirs("models", exist_ok=True)
    with open("models/model.json", "w") as f:
        json.dump({"weights": w.tolist()}, f)
    os.makedirs("outputs", exist_ok=True)
    np.savetxt("outputs/residuals.csv", x @ w - x @ np.array([1.0, 2.0, 3.0, 4.0]))


if __name__ == "__main__":
    main()
