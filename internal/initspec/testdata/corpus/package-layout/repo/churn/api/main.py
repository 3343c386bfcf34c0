from fastapi import FastAPI

from churn.api.routes import router

app = FastAPI(title="churn")
app.include_router(router)
