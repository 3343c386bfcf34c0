import json
import os
from pathlib import Path

import joblib
from sklearn.linear_model import Ridge


class Trainer:
    def __init__(self, alpha=1.0, out_dir="checkpoints", log_dir: str = "runs/ridge"):
        self.model = Ridge(alpha=alpha)
        self.out_dir = out_dir
        self.log_dir = Path(log_dir)

    def fit(self, X, y):
        self.model.fit(X, y)
        return self

    def save(self):
        os.makedirs(self.out_dir, exist_ok=True)
        joblib.dump(self.model, os.path.join(self.out_dir, "ridge.joblib"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        (self.log_dir / "params.json").write_text(json.dumps(self.model.get_params()))
