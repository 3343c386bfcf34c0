"""Train a ridge regression on a synthetic data set and write the model as JSON.

Run from the project root (the image's working directory, /app):

    python -m src.train

Environment:
  CONFIG_PATH  training config (default configs/train.json)
  MODEL_DIR    where model.json is written (default models)
"""

import json
import os
import sys
from typing import Any, Dict, Tuple

import numpy as np

from .model import predict, save_model

DEFAULTS: Dict[str, Any] = {
    "seed": 0,
    "n_samples": 500,
    "n_features": 4,
    "noise": 0.1,
    "l2": 1.0,
    "test_fraction": 0.2,
}


def load_config(path: str) -> Dict[str, Any]:
    """Read the JSON config over the defaults, rejecting unknown keys."""
    with open(path, encoding="utf-8") as f:
        given = json.load(f)
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"{path}: unknown config keys {unknown}")
    cfg = dict(DEFAULTS, **given)
    if cfg["n_samples"] < 2 or cfg["n_features"] < 1:
        raise ValueError(f"{path}: need n_samples >= 2 and n_features >= 1")
    if not 0 <= cfg["test_fraction"] < 1 or cfg["l2"] < 0:
        raise ValueError(f"{path}: need 0 <= test_fraction < 1 and l2 >= 0")
    return cfg


def make_dataset(cfg: Dict[str, Any]) -> Tuple[np.ndarray, np.ndarray]:
    """Seeded synthetic data: y = X.w + b + noise, with w and b drawn from the same seed."""
    rng = np.random.default_rng(cfg["seed"])
    x = rng.normal(size=(cfg["n_samples"], cfg["n_features"]))
    true_w = rng.normal(size=cfg["n_features"])
    true_b = rng.normal()
    y = x @ true_w + true_b + cfg["noise"] * rng.normal(size=cfg["n_samples"])
    return x, y


def fit_ridge(x: np.ndarray, y: np.ndarray, l2: float) -> Tuple[np.ndarray, float]:
    """Closed-form ridge regression; the intercept is not penalised (data is centred)."""
    x_mean, y_mean = x.mean(axis=0), y.mean()
    xc, yc = x - x_mean, y - y_mean
    a = xc.T @ xc + l2 * np.eye(x.shape[1])
    w = np.linalg.solve(a, xc.T @ yc)
    return w, float(y_mean - x_mean @ w)


def metrics(y: np.ndarray, pred: np.ndarray) -> Dict[str, float]:
    mse = float(np.mean((y - pred) ** 2))
    var = float(np.var(y))
    return {"mse": mse, "r2": 1.0 - mse / var if var > 0 else 0.0}


def main() -> int:
    config_path = os.environ.get("CONFIG_PATH", "configs/train.json")
    model_dir = os.environ.get("MODEL_DIR", "models")
    cfg = load_config(config_path)

    x, y = make_dataset(cfg)
    n_test = int(len(y) * cfg["test_fraction"])
    n_train = len(y) - n_test
    w, b = fit_ridge(x[:n_train], y[:n_train], cfg["l2"])

    model = {
        "kind": "ridge",
        "n_features": cfg["n_features"],
        "weights": [float(v) for v in w],
        "bias": b,
        "config": cfg,
    }
    scores = {"train": metrics(y[:n_train], np.asarray(predict(model, x[:n_train].tolist())))}
    if n_test:
        scores["test"] = metrics(y[n_train:], np.asarray(predict(model, x[n_train:].tolist())))
    model["metrics"] = scores

    for split, m in scores.items():
        print(f"{split}: r2={m['r2']:.4f} mse={m['mse']:.6f}")
    path = save_model(model, os.path.join(model_dir, "model.json"))
    print(f"wrote model to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
