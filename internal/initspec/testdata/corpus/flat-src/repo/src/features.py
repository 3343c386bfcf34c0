"""Feature helpers, imported by their own name (the scripts run from src/)."""
import numpy as np


def make_features(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    return x, x @ np.array([0.5, -1.0, 2.0])


def vectorize(row):
    return np.asarray(row, dtype=float)
