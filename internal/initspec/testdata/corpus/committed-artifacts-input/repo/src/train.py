import json
import pickle
from pathlib import Path

ARTIFACTS = Path("artifacts")

with open(ARTIFACTS / "vocab.json") as f:
    vocab = json.load(f)

weights = {word: float(i) for word, i in vocab.items()}
with open(ARTIFACTS / "model.pkl", "wb") as f:
    pickle.dump(weights, f)
