"""The spending tracker: the same shape as the assistant's `tracker` drawer (scope `me`)."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class Period(BaseModel):
    start: date = Field(description="First day counted (UTC), inclusive")
    end: date = Field(description="Last day counted (UTC), inclusive")


class MerchantSpend(BaseModel):
    merchant: str = Field(examples=["Amazon"])
    amount_cents: int
    count: int = Field(description="Orders counted")


class CategorySpend(BaseModel):
    category: str = Field(examples=["dining"])
    amount_cents: int


class DailySpend(BaseModel):
    date: date
    amount_cents: int


class SpendingSummary(BaseModel):
    """Orders from linked merchant accounts in the period; refunded, returned, cancelled and failed orders
    are not spend. Every day of the period is in `series`, with 0 on days without orders."""

    type: Literal["tracker"] = "tracker"
    scope: Literal["me"] = "me"
    period: Period
    total_cents: int
    currency: str = Field(examples=["USD"])
    by_merchant: list[MerchantSpend] = Field(description="Largest first")
    by_category: list[CategorySpend] = Field(description="Largest first")
    series: list[DailySpend]
