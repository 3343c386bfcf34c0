from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    PROJECT_NAME: str = "ranker"
    POSTGRES_SERVER: str
    POSTGRES_PASSWORD: str
    TOP_K: int = 20
