import os

from sqlalchemy import create_engine, text

DATABASE_URL = os.getenv("DATABASE_URL", "postgresql://app:app@db:5432/app")

engine = create_engine(DATABASE_URL, pool_pre_ping=True)
conn = engine.connect()


def log_prediction(value):
    conn.execute(text("INSERT INTO predictions (value) VALUES (:v)"), {"v": value})
