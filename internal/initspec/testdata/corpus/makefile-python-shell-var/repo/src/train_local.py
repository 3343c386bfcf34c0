import os
from pathlib import Path

import joblib
from sklearn.linear_model import LogisticRegression

export_path = Path("models") / "latest"
export_path.mkdir(parents=True, exist_ok=True)
model = LogisticRegression(max_iter=int(os.getenv("MAX_ITER", "100")))
model.fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
joblib.dump(model, export_path / "model.joblib")
