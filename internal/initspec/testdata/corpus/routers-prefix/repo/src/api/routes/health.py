from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(prefix="/system", tags=["system"])


class Health(BaseModel):
    status: str


@router.get(
    "/health",
    response_model=Health,
    summary="Liveness probe",
)
async def health():
    return Health(status="ok")
