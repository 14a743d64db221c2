from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Header, Request

from app.api.deps import Knot, SettingsDep
from app.schemas.common import problem_responses
from app.schemas.linked_account import WebhookAck
from app.services import knot_webhooks

router = APIRouter(tags=["webhooks"])

_EXAMPLE_EVENT: dict[str, Any] = {
    "event": "NEW_TRANSACTIONS_AVAILABLE",
    "external_user_id": "3dcbb19a-b2f1-4a7b-8792-d76027b627b3",
    "merchant": {"id": 44, "name": "Amazon"},
    "timestamp": 1710864923198,
}


@router.post(
    "/webhooks/knot",
    summary="Knot's webhook: account linked, orders new or updated, login required, merchant status",
    description=(
        "Verified with `Knot-Signature`, then answered at once; the work (syncing orders) runs after "
        "the response. Events other than AUTHENTICATED, NEW_TRANSACTIONS_AVAILABLE, "
        "UPDATED_TRANSACTIONS_AVAILABLE, ACCOUNT_LOGIN_REQUIRED and MERCHANT_STATUS_UPDATE are "
        "acknowledged and ignored. Replays are harmless."
    ),
    responses=problem_responses(400, 401, 413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}, "example": _EXAMPLE_EVENT}},
        }
    },
)
async def receive_knot_webhook(
    request: Request,
    background: BackgroundTasks,
    settings: SettingsDep,
    knot: Knot,
    knot_signature: Annotated[
        str | None, Header(alias="Knot-Signature", description="Base64 HMAC-SHA256, see Knot's docs")
    ] = None,
) -> WebhookAck:
    event = knot_webhooks.read_event(
        settings.knot_secret, knot_signature, request.headers, await request.body()
    )
    if event is not None:
        # Its own session: the request's (if it had one) is closed by the time this runs.
        background.add_task(knot_webhooks.process_event, request.app.state.sessionmaker, knot, event)
    return WebhookAck()
