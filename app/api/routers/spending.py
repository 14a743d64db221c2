from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import CurrentUser
from app.db import DbSession
from app.schemas.common import problem_responses
from app.schemas.spending import SpendingSummary
from app.services import spending as spending_service

router = APIRouter(tags=["spending"])


@router.get(
    "/spending/summary",
    summary="Your spending from linked accounts: total, by merchant, by category, per day",
    responses=problem_responses(401, 422),
)
async def spending_summary(
    user: CurrentUser,
    db: DbSession,
    since: Annotated[
        date | None, Query(description="First day (UTC), inclusive; default: the first of `until`'s month")
    ] = None,
    until: Annotated[
        date | None, Query(description="Last day (UTC), inclusive; default: the last day of this month")
    ] = None,
) -> SpendingSummary:
    return await spending_service.summarize(db, user, spending_service.DateRange.resolve(since, until))
