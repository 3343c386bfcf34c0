from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).parent / "weights.npy"


class Predictor:
    def __init__(self):
        self.w = np.load(WEIGHTS)

    def predict(self, rows):
        return (np.asarray(rows) @ self.w).tolist()
