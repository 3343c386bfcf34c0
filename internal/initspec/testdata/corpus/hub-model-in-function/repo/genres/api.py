from fastapi import FastAPI

from genres.text import encode

app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True}


@app.get("/tokens")
def tokens(synopsis: str):
    return {"ids": encode([synopsis])[0]}
