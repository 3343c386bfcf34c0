import os

import joblib

MODEL_PATH = os.path.join(os.path.dirname(__file__), "..", "models", "model.joblib")


def load():
    return joblib.load(MODEL_PATH)
