import os

import redis
from minio import Minio

MINIO_ENDPOINT = os.getenv("MINIO_ENDPOINT", "minio:9000")
BUCKET = os.getenv("MODEL_BUCKET", "models")

client = Minio(
    MINIO_ENDPOINT,
    access_key=os.getenv("MINIO_ACCESS_KEY", "minioadmin"),
    secret_key=os.getenv("MINIO_SECRET_KEY", "minioadmin"),
    secure=False,
)
cache = redis.Redis(host=os.getenv("REDIS_HOST", "redis"), port=6379)

client.fget_object(BUCKET, "churn/model.joblib", "/tmp/model.joblib")


def cached(key):
    return cache.get(key)
