import os

from fastapi import FastAPI

MODE = os.environ["APP_MODE"]
app = FastAPI(title="nlp-" + MODE)


@app.get("/health")
def health():
    return {"status": "ok", "mode": MODE}
