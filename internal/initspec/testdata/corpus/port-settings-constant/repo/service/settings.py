import os


class Settings:
    HOST = os.getenv("HOST", "0.0.0.0")
    PORT = int(os.getenv("PORT", "8501"))
    MODEL_DIR = os.getenv("MODEL_DIR", "artifacts")


settings = Settings()
