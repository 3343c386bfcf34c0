import json

from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True}


@app.get("/weights")
def weights():
    with open("models/weights.json") as f:
        return json.load(f)
