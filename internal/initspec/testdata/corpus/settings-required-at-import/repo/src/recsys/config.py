from typing import Optional

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Read from the environment, or .env next to the project."""

    model_config = SettingsConfigDict(env_file=".env")

    api_key: str
    vector_db_url: str = Field(..., description="where the item vectors live")
    top_k: int = 10
    experiment: Optional[str]


settings = Settings()
