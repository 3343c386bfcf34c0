import numpy as np


def synthetic(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    return x, x @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.1
