from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    HOST: str = "0.0.0.0"
    PORT: int = 8501
    MODEL_DIR: str = "artifacts"


settings = Settings()
