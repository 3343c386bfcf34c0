from fastapi import APIRouter

router = APIRouter(prefix="/admin")


@router.get("/ready")
async def ready():
    return {}
