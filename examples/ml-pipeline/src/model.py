"""Model file helpers shared by training (src.train) and serving (src.api).

A model is a plain dict, stored as JSON:
  {"kind": "ridge", "n_features": N, "weights": [N floats], "bias": float,
   "metrics": {...}, "config": {...}}
"""

import json
import os
from typing import Any, Dict, List, Sequence

import numpy as np

Model = Dict[str, Any]


def save_model(model: Model, path: str) -> str:
    """Write model as JSON to path, creating the parent directory. Returns the path."""
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(model, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)  # atomic: a reader never sees a half-written file
    return path


def load_model(path: str) -> Model:
    """Read and check a model file. Raises OSError or ValueError when it is unusable."""
    with open(path, encoding="utf-8") as f:
        model = json.load(f)
    if not isinstance(model, dict):
        raise ValueError(f"{path}: not a JSON object")
    for key in ("n_features", "weights", "bias"):
        if key not in model:
            raise ValueError(f"{path}: missing field {key!r}")
    if len(model["weights"]) != model["n_features"]:
        raise ValueError(
            f"{path}: {len(model['weights'])} weights for {model['n_features']} features"
        )
    return model


def predict(model: Model, rows: Sequence[Sequence[float]]) -> List[float]:
    """Predict one value per row. Raises ValueError when a row has the wrong length."""
    n = model["n_features"]
    for i, row in enumerate(rows):
        if len(row) != n:
            raise ValueError(f"instance {i} has {len(row)} features, the model expects {n}")
    if not rows:
        return []
    x = np.asarray(rows, dtype=np.float64)
    y = x @ np.asarray(model["weights"], dtype=np.float64) + float(model["bias"])
    return [float(v) for v in y]
