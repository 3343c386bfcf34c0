import pandas as pd
from catboost import CatBoostClassifier
from fastapi import FastAPI

app = FastAPI()
MODEL_FILE = "models/model.cbm"


@app.get("/healthz")
def healthz():
    return {"ok": True}


@app.post("/train")
def train(rows: list[dict]):
    frame = pd.DataFrame(rows)
    model = CatBoostClassifier(iterations=50, verbose=False)
    model.fit(frame.drop(columns=["label"]), frame["label"])
    model.save_model(MODEL_FILE)
    return {"saved": MODEL_FILE}


@app.post("/predict")
def predict(rows: list[dict]):
    model = CatBoostClassifier()
    model.load_model(MODEL_FILE)
    return {"labels": model.predict(pd.DataFrame(rows)).tolist()}
