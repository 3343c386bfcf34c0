import os

import numpy as np
import pandas as pd

if __name__ == "__main__":
    rng = np.random.default_rng(int(os.environ["SEED"]))
    X = rng.normal(size=(300, 3))
    pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=(X[:, 0] > 0).astype(int)).to_csv("features.csv", index=False)
