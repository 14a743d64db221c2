from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.errors import DATABASE_RETRY_AFTER_SECONDS, is_database_unavailable

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unavailable"]


@router.get("/healthz", summary="Liveness: the process is up")
async def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    summary="Readiness: the database answers",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "The database is unreachable"}},
)
async def readyz(request: Request) -> Readiness | JSONResponse:
    engine: AsyncEngine = request.app.state.engine
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        body = Readiness(status="unavailable", database="unavailable").model_dump()
        return JSONResponse(body, status_code=503, headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})
    return Readiness(status="ok", database="ok")
