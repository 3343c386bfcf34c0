from fastapi import FastAPI

from service import routes


def create_app() -> FastAPI:
    app = FastAPI(title="scoring")
    app.include_router(routes.router)
    return app
