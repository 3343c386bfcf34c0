import os

os.environ.setdefault("CACHE_DIR", ".cache/features")

MODEL_DIR = os.environ.get("MODEL_DIR", "artifacts/models")
