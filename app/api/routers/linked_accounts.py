import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from app.api.deps import CurrentUser, Knot, PageParams, SettingsDep
from app.db import DbSession
from app.schemas.common import Page, problem_responses
from app.schemas.linked_account import (
    LinkedAccountRead,
    LinkSessionCreate,
    LinkSessionRead,
    Merchant,
    SandboxLink,
    SandboxLinkAccepted,
    SyncResult,
    TransactionRead,
)
from app.services import linked_accounts as accounts_service

router = APIRouter(tags=["linked accounts"])
# Registered only outside production (see Settings.knot_simulated_login_enabled).
sandbox_router = APIRouter(tags=["linked accounts"])

AccountId = Annotated[uuid.UUID, Path(description="One of your linked accounts")]


@router.get(
    "/merchants",
    summary="Merchants that can be linked (Knot TransactionLink), with their spending category",
    responses=problem_responses(401, 502, 504),
)
async def list_merchants(_: CurrentUser, knot: Knot) -> list[Merchant]:
    return [Merchant.model_validate(m) for m in await accounts_service.list_merchants(knot)]


@router.post(
    "/linked-accounts/sessions",
    status_code=status.HTTP_201_CREATED,
    summary="Start linking a merchant account: a session to initialise the Knot SDK with",
    responses=problem_responses(401, 422, 502, 504),
)
async def create_link_session(
    body: LinkSessionCreate, user: CurrentUser, knot: Knot, settings: SettingsDep
) -> LinkSessionRead:
    session = await accounts_service.create_link_session(knot, settings, user, body.merchant_id)
    return LinkSessionRead.model_validate(session)


@router.get("/linked-accounts", summary="Your linked merchant accounts", responses=problem_responses(401))
async def list_linked_accounts(user: CurrentUser, db: DbSession) -> list[LinkedAccountRead]:
    return [LinkedAccountRead.of(a) for a in await accounts_service.list_linked_accounts(db, user)]


@router.post(
    "/linked-accounts/{account_id}/sync",
    summary="Fetch the account's orders from Knot now (webhooks normally do this)",
    responses=problem_responses(401, 404, 422, 502, 504),
)
async def sync_linked_account(
    account_id: AccountId, user: CurrentUser, db: DbSession, knot: Knot
) -> SyncResult:
    return SyncResult.model_validate(await accounts_service.sync_user_account(db, knot, user, account_id))


@router.delete(
    "/linked-accounts/{account_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unlink the account at Knot and delete it with its orders",
    responses=problem_responses(401, 404, 422, 502, 504),
)
async def unlink_account(account_id: AccountId, user: CurrentUser, db: DbSession, knot: Knot) -> None:
    await accounts_service.unlink_account(db, knot, user, account_id)


@router.get(
    "/transactions",
    summary="Your orders from linked accounts, newest first",
    responses=problem_responses(401, 422),
)
async def list_transactions(
    user: CurrentUser,
    db: DbSession,
    page: PageParams,
    merchant_id: Annotated[
        int | None, Query(gt=0, le=2**31 - 1, description="Only this merchant's orders")
    ] = None,
    since: Annotated[date | None, Query(description="First day (UTC), inclusive")] = None,
    until: Annotated[date | None, Query(description="Last day (UTC), inclusive")] = None,
) -> Page[TransactionRead]:
    filters = accounts_service.TransactionFilter(merchant_id=merchant_id, since=since, until=until)
    result = await accounts_service.list_transactions(db, user, filters, page)
    return Page(items=[TransactionRead.of(*row) for row in result.items], next_cursor=result.next_cursor)


@sandbox_router.post(
    "/linked-accounts/sandbox/link",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Link a merchant account without the SDK (not in production)",
    description=(
        "Plays the Knot SDK login: Knot (the built-in sandbox, or Knot's development environment) links the "
        "account and sends the AUTHENTICATED and NEW_TRANSACTIONS_AVAILABLE webhooks, which create the "
        "linked account and sync its orders. With the sandbox this has happened when the response arrives."
    ),
    responses=problem_responses(401, 422, 502, 504),
)
async def sandbox_link(body: SandboxLink, user: CurrentUser, knot: Knot) -> SandboxLinkAccepted:
    await accounts_service.simulate_login(knot, user, body.merchant_id)
    return SandboxLinkAccepted(merchant_id=body.merchant_id)
