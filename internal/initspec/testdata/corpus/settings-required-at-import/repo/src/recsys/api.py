from fastapi import FastAPI

from recsys.config import settings

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok", "top_k": settings.top_k}
