import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.config import KnotEnvironment
from app.models import LinkedAccount, LinkedAccountStatus, OrderStatus, Transaction
from app.schemas.common import InputModel, OutputModel

MerchantId = Field(gt=0, le=2**31 - 1, description="Knot merchant id (see GET /merchants)", examples=[44])


class Merchant(OutputModel):
    id: int = Field(examples=[44])
    name: str = Field(examples=["Amazon"])
    category: str = Field(description="Spending category used by the tracker", examples=["shopping"])
    logo: str | None = Field(examples=["https://knot.imgix.net/merchants/amazon.png"])


class LinkSessionCreate(InputModel):
    merchant_id: int = MerchantId


class LinkSessionRead(OutputModel):
    """What the Knot SDK is initialised with to link `merchant_ids` (TransactionLink)."""

    session_id: str
    client_id: str
    environment: KnotEnvironment = Field(
        description="`sandbox`: use POST /linked-accounts/sandbox/link instead"
    )
    product: Literal["transaction_link"]
    merchant_ids: list[int]


class SandboxLink(InputModel):
    merchant_id: int = MerchantId


class SandboxLinkAccepted(BaseModel):
    status: Literal["accepted"] = "accepted"
    merchant_id: int
    detail: str = (
        "Knot links the account and announces it by webhook; it then appears in GET /linked-accounts"
    )


class LinkedMerchant(BaseModel):
    id: int
    name: str
    logo: str | None


class LinkedAccountRead(BaseModel):
    id: uuid.UUID
    merchant: LinkedMerchant
    status: LinkedAccountStatus
    last_synced_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, account: LinkedAccount) -> "LinkedAccountRead":
        return cls(
            id=account.id,
            merchant=LinkedMerchant(
                id=account.merchant_id, name=account.merchant_name, logo=account.merchant_logo
            ),
            status=account.status,
            last_synced_at=account.last_synced_at,
            created_at=account.created_at,
        )


class SyncResult(OutputModel):
    new: int = Field(description="Orders seen for the first time")
    updated: int = Field(description="Orders whose data changed since the last sync")


class TransactionMerchant(BaseModel):
    id: int
    name: str


class PaymentMethod(BaseModel):
    type: str = Field(
        description="Knot's payment type, lower-cased", examples=["card", "gift_card", "apple_pay"]
    )
    brand: str | None = Field(examples=["VISA"])
    last_four: str | None = Field(examples=["5690"])
    amount_cents: int | None = Field(
        description="Charged to this method; null when the merchant does not say"
    )


class Product(BaseModel):
    name: str
    quantity: int
    unit_price_cents: int | None
    total_cents: int | None


class TransactionRead(BaseModel):
    id: uuid.UUID
    merchant: TransactionMerchant
    external_id: str | None = Field(description="The merchant's order number")
    occurred_at: datetime
    order_status: OrderStatus
    total_cents: int
    currency: str
    payment_methods: list[PaymentMethod]
    products: list[Product]

    @classmethod
    def of(cls, transaction: Transaction, merchant_id: int, merchant_name: str) -> "TransactionRead":
        return cls(
            id=transaction.id,
            merchant=TransactionMerchant(id=merchant_id, name=merchant_name),
            external_id=transaction.external_id,
            occurred_at=transaction.occurred_at,
            order_status=transaction.order_status,
            total_cents=transaction.total_cents,
            currency=transaction.currency,
            payment_methods=[PaymentMethod.model_validate(pm) for pm in transaction.payment_methods],
            products=[Product.model_validate(p) for p in transaction.products],
        )


class WebhookAck(BaseModel):
    received: Literal[True] = True
