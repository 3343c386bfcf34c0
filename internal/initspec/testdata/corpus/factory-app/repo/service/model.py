import json
import os

MODEL_PATH = os.getenv("MODEL_PATH", "model/weights.json")
with open(MODEL_PATH) as f:
    MODEL = json.load(f)


def score(row):
    return sum(w * x for w, x in zip(MODEL["weights"], row))
