from typing import List

from fastapi import APIRouter
from pydantic import BaseModel

from service.model import score

router = APIRouter(prefix="/api")


class Rows(BaseModel):
    instances: List[List[float]]


@router.get("/healthz")
def healthz():
    return {"ok": True}


@router.post("/score")
def score_rows(rows: Rows):
    return {"scores": [score(r) for r in rows.instances]}
