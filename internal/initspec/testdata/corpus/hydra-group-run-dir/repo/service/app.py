from fastapi import FastAPI

app = FastAPI(title="classifier")


@app.get("/health")
def health():
    return {"status": "ok"}
