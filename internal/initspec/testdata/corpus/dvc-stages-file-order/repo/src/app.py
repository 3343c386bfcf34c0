import joblib
from fastapi import FastAPI

model = joblib.load("models/model.joblib")
app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/predict")
def predict(text: str):
    return {"label": int(model.predict([text])[0])}
