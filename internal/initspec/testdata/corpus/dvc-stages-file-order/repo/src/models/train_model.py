import os
import sys

import joblib
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

if __name__ == "__main__":
    data, out = sys.argv[1], sys.argv[2]
    df = pd.read_csv(os.path.join(data, "train.csv"))
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(df["text"], df["label"])
    os.makedirs(out, exist_ok=True)
    joblib.dump(model, os.path.join(out, "model.joblib"))
