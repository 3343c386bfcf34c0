from fastapi import FastAPI

from app.core.config import Settings

settings = Settings()
app = FastAPI(title=settings.PROJECT_NAME)


@app.get("/api/health")
def health():
    return {"status": "ok"}
