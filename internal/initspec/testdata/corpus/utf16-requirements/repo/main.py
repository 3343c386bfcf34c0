import joblib
from fastapi import FastAPI

model = joblib.load("model.joblib")
app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True}
