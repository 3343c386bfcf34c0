import os
import sys

import pandas as pd

if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    os.makedirs(dst, exist_ok=True)
    df = pd.read_csv(os.path.join(src, "reviews.csv")).dropna()
    df.sample(frac=0.8, random_state=0).to_csv(os.path.join(dst, "train.csv"), index=False)
    df.to_csv(os.path.join(dst, "all.csv"), index=False)
