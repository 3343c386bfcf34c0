import json
import os
import sys

import joblib
import pandas as pd

if __name__ == "__main__":
    model = joblib.load(os.path.join(sys.argv[1], "model.joblib"))
    df = pd.read_csv(os.path.join(sys.argv[2], "all.csv"))
    with open("metrics.json", "w") as f:
        json.dump({"accuracy": float((model.predict(df["text"]) == df["label"]).mean())}, f)
