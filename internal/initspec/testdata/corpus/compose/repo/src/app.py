import json
import os

from fastapi import FastAPI

MODEL_DIR = os.environ.get("MODEL_DIR", "outputs/model")
with open(os.path.join(MODEL_DIR, "model.json")) as f:
    MODEL = json.load(f)

api = FastAPI()


@api.get("/ping")
def ping():
    return "pong"
