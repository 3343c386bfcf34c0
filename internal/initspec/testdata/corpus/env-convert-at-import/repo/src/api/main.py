from fastapi import FastAPI

from src.env import DB_HOST, DB_PORT, USE_CUDA

app = FastAPI(docs_url="/api/docs")


@app.get("/api/health")
def health():
    return {"db": f"{DB_HOST}:{DB_PORT}", "cuda": USE_CUDA}
