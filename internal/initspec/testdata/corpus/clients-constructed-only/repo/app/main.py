import os

import boto3
import redis
from fastapi import FastAPI
from minio import Minio
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import declarative_base, sessionmaker

SQLALCHEMY_DATABASE_URL = "sqlite:///./app.db"

engine = create_engine(SQLALCHEMY_DATABASE_URL, connect_args={"check_same_thread": False})
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()


class Upload(Base):
    __tablename__ = "uploads"
    id = Column(Integer, primary_key=True)
    name = Column(String)


minio_client = Minio(os.getenv("MINIO_ENDPOINT", "localhost:9000"), access_key="minioadmin", secret_key="minioadmin", secure=False)
s3 = boto3.client("s3")
cache = redis.Redis(host="localhost", port=6379)
try:
    cache.ping()
except redis.ConnectionError:
    cache = None

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/upload")
def upload(name: str, data: bytes):
    minio_client.put_object("uploads", name, data, len(data))
    s3.upload_file(name, "backup", name)
    if cache is not None:
        cache.set(name, 1)
    with SessionLocal() as db:
        db.add(Upload(name=name))
        db.commit()
    return {"ok": True}
