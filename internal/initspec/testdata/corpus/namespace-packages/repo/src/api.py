from fastapi import FastAPI

from common.io import load_json

MODEL = load_json("models/model.json")
app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True}
