from fastapi import FastAPI

from src.api.routes import health, predict

app = FastAPI(
    title="Recommender",
    docs_url=None,
)
app.include_router(health.router, prefix="/api/v1")
app.include_router(
    predict.router,
    prefix="/api/v1",
)
