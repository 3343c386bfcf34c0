import joblib
from fastapi import FastAPI

model = joblib.load("models/churn.joblib")
app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/predict")
def predict(x: list[float]):
    return {"churn": int(model.predict([x])[0])}
