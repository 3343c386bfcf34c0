from fastapi import FastAPI

from model import load

app = FastAPI()
model = load()


@app.get("/health")
def health():
    return {"ok": True}


@app.post("/predict")
def predict(x: float):
    return {"y": float(model.predict([[x]])[0])}
