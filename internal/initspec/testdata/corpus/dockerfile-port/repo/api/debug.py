from fastapi import FastAPI

debug_app = FastAPI(title="debug")


@debug_app.get("/health")
def health():
    return {}
