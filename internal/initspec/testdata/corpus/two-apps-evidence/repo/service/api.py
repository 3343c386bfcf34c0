import pickle

from fastapi import FastAPI

with open("model/classifier.pkl", "rb") as f:
    clf = pickle.load(f)

api = FastAPI(title="classifier")


@api.get("/health")
def health():
    return {"ok": True}


@api.post("/predict")
def predict(x: list):
    return {"label": int(clf.predict([x])[0])}
