from fastapi import FastAPI

from service.config import cfg

app = FastAPI(title="scorer")


@app.get("/health")
def health():
    return {"status": "ok", "model": cfg["MODEL_NAME"]}
