import json
import pickle

from fastapi import FastAPI

with open("artifacts/vocab.json") as f:
    VOCAB = json.load(f)

app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True}


@app.get("/score")
def score(text: str):
    with open("artifacts/model.pkl", "rb") as f:
        weights = pickle.load(f)
    return {"score": sum(weights.get(w, 0.0) for w in text.split() if w in VOCAB)}
