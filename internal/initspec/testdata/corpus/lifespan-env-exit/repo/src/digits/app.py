import os
import sys
from contextlib import asynccontextmanager

from fastapi import FastAPI

from digits.model import load_checkpoint

models = {}


@asynccontextmanager
async def lifespan(app: FastAPI):
    if os.getenv("MODEL_CHECKPOINT") is None:
        print("No model checkpoint given.")
        sys.exit(1)
    models["digits"] = load_checkpoint(os.getenv("MODEL_CHECKPOINT"))
    yield
    models.clear()


app = FastAPI(lifespan=lifespan)


@app.get("/health")
def health():
    return {"status": "healthy"}
