import json

from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/run")
def run():
    with open("models/latest.json") as f:
        return json.load(f)
