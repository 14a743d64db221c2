"""Typed shapes of Knot's API payloads (https://docs.knotapi.com/api-reference), as far as Tally reads them.

Unknown fields are ignored (Knot adds fields over time); a missing or mistyped field Tally relies on fails
validation, which the client reports as a bad upstream response. Amounts stay `Decimal` here: converting
them to cents is the caller's business.
"""

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

# The product this app uses; Knot's `type` field on sessions, merchant lists and account look-ups.
TRANSACTION_LINK = "transaction_link"


def _none_as_empty_list(value: Any) -> Any:
    return [] if value is None else value


# Knot documents amounts as decimal strings ("16.23"); numbers are accepted, but never NaN, infinite or
# beyond any plausible order (which would also overflow the cents columns).
MAX_AMOUNT = Decimal(1_000_000_000)
Amount = Annotated[Decimal, Field(allow_inf_nan=False, ge=-MAX_AMOUNT, le=MAX_AMOUNT)]


def _has_nul(value: Any) -> bool:
    """NUL in text, also inside plain lists and dicts; nested Knot models check their own fields."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class KnotModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="after")
    def _no_nul_text(self) -> Self:
        # PostgreSQL text and JSONB cannot hold NUL: such a payload is one we cannot read (502), not a 500.
        if any(_has_nul(value) for value in self.__dict__.values()):
            raise ValueError("text must not contain NUL characters")
        return self


class KnotMerchant(KnotModel):
    id: int
    name: str = Field(min_length=1, max_length=100)
    category: str | None = None
    logo: str | None = Field(default=None, max_length=500)


class KnotSession(KnotModel):
    session: str = Field(min_length=1)


class KnotAcknowledgement(KnotModel):
    """`{"message": "Success"}`, Knot's answer to commands."""

    message: str


class KnotConnection(KnotModel):
    status: str
    scopes: Annotated[list[dict[str, Any]], BeforeValidator(_none_as_empty_list)] = []


class KnotMerchantAccount(KnotModel):
    merchant: KnotMerchant
    connection: KnotConnection


class KnotOrderStatus(StrEnum):
    ORDERED = "ORDERED"
    BILLED = "BILLED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    RETURNED = "RETURNED"
    REFUNDED = "REFUNDED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    COMPLETED = "COMPLETED"
    PICKED_UP = "PICKED_UP"
    UNRECOGNIZED = "UNRECOGNIZED"


class KnotAdjustment(KnotModel):
    type: str
    label: str | None = None
    amount: Amount


class KnotPrice(KnotModel):
    sub_total: Amount | None = None
    adjustments: Annotated[list[KnotAdjustment], BeforeValidator(_none_as_empty_list)] = []
    total: Amount
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")


class KnotPaymentMethod(KnotModel):
    external_id: str | None = None
    type: str
    brand: str | None = None
    last_four: str | None = Field(default=None, max_length=4)
    name: str | None = None
    transaction_amount: Amount | None = None


class KnotProductPrice(KnotModel):
    sub_total: Amount | None = None
    total: Amount | None = None
    unit_price: Amount | None = None


class KnotProduct(KnotModel):
    external_id: str | None = None
    name: str
    quantity: int = Field(default=1, ge=0)
    price: KnotProductPrice | None = None


class KnotTransaction(KnotModel):
    id: str = Field(min_length=1, max_length=64)
    external_id: str | None = Field(default=None, max_length=128)
    occurred_at: datetime = Field(alias="datetime")
    order_status: KnotOrderStatus
    price: KnotPrice
    payment_methods: Annotated[list[KnotPaymentMethod], BeforeValidator(_none_as_empty_list)] = []
    products: Annotated[list[KnotProduct], BeforeValidator(_none_as_empty_list)] = []

    @field_validator("order_status", mode="before")
    @classmethod
    def _unknown_status_is_unrecognized(cls, value: Any) -> Any:
        # Knot grows this list (RETURNED appeared later); one new status must not fail a whole sync.
        if isinstance(value, str) and value.upper() not in KnotOrderStatus.__members__:
            return KnotOrderStatus.UNRECOGNIZED
        return value.upper() if isinstance(value, str) else value

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # Knot sends UTC; a timestamp without an offset is read as UTC rather than as server-local time.
        try:
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00 has no UTC time Python can hold
            raise ValueError("timestamp out of range") from None


class KnotMerchantRef(KnotModel):
    id: int
    name: str


class KnotSyncPage(KnotModel):
    merchant: KnotMerchantRef
    transactions: list[KnotTransaction]
    next_cursor: str | None = None
    limit: int | None = None


# Webhooks (https://docs.knotapi.com/webhooks). Each event Tally acts on has its own shape; any other
# event name is acknowledged and ignored.


class KnotEventMerchant(KnotModel):
    id: int
    name: str = Field(min_length=1, max_length=100)
    logo: str | None = Field(default=None, max_length=500)


class UserMerchantEvent(KnotModel):
    external_user_id: str
    merchant: KnotEventMerchant
    session_id: str | None = None
    timestamp: int | None = None


class AuthenticatedEvent(UserMerchantEvent):
    event: Literal["AUTHENTICATED"]


class NewTransactionsEvent(UserMerchantEvent):
    event: Literal["NEW_TRANSACTIONS_AVAILABLE"]


class UpdatedTransactionRef(KnotModel):
    id: str = Field(min_length=1, max_length=64)


class UpdatedTransactionsEvent(UserMerchantEvent):
    event: Literal["UPDATED_TRANSACTIONS_AVAILABLE"]
    updated: list[UpdatedTransactionRef]


class AccountLoginRequiredEvent(UserMerchantEvent):
    event: Literal["ACCOUNT_LOGIN_REQUIRED"]


class MerchantStatusData(KnotModel):
    type: str | None = None
    status: str | None = None
    platform: str | None = None


class MerchantStatusUpdateEvent(KnotModel):
    event: Literal["MERCHANT_STATUS_UPDATE"]
    merchant: KnotEventMerchant
    data: MerchantStatusData | None = None
    timestamp: int | None = None


_EVENT_MODELS = (
    AuthenticatedEvent,
    NewTransactionsEvent,
    UpdatedTransactionsEvent,
    AccountLoginRequiredEvent,
    MerchantStatusUpdateEvent,
)
KnotEvent = Annotated[
    AuthenticatedEvent
    | NewTransactionsEvent
    | UpdatedTransactionsEvent
    | AccountLoginRequiredEvent
    | MerchantStatusUpdateEvent,
    Field(discriminator="event"),
]
KNOWN_EVENTS = frozenset(get_args(model.model_fields["event"].annotation)[0] for model in _EVENT_MODELS)
