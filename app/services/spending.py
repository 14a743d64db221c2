"""Spending from linked merchant accounts, summed in SQL: per merchant, per category, per day."""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Self

from sqlalchemy import Date, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Unprocessable, validation_issue
from app.models import LinkedAccount, OrderStatus, Transaction, User
from app.schemas.spending import CategorySpend, DailySpend, MerchantSpend, Period, SpendingSummary

MAX_PERIOD_DAYS = 366
DEFAULT_CURRENCY = "USD"

# Orders that did not (or no longer) cost the user money.
NOT_SPEND = (OrderStatus.REFUNDED, OrderStatus.RETURNED, OrderStatus.CANCELLED, OrderStatus.FAILED)

# Knot merchant ids (the same in every Knot environment) to the spending categories the assistant and
# the card catalog use. Merchants not listed count as "other".
MERCHANT_CATEGORIES: dict[int, str] = {
    44: "shopping",  # Amazon
    12: "shopping",  # Target
    45: "shopping",  # Walmart
    40: "groceries",  # Instacart
    19: "dining",  # DoorDash
    36: "dining",  # Uber Eats
}
OTHER_CATEGORY = "other"


def merchant_category(merchant_id: int) -> str:
    return MERCHANT_CATEGORIES.get(merchant_id, OTHER_CATEGORY)


class InvalidPeriod(Unprocessable):
    code = "invalid_period"
    detail = "`since` must not be after `until`, and a period spans at most 366 days"

    def __init__(self) -> None:
        issue = validation_issue(["query", "since"], self.detail, self.code)
        super().__init__(extra={"errors": [issue]})


@dataclass(frozen=True)
class DateRange:
    """Whole UTC days, both ends included."""

    start: date
    end: date

    @classmethod
    def resolve(cls, since: date | None, until: date | None) -> Self:
        """Defaults: `until` is the last day of the current month, `since` the first of `until`'s month."""
        today = datetime.now(UTC).date()
        if until is None:
            until = today.replace(day=calendar.monthrange(today.year, today.month)[1])
        if since is None:
            since = until.replace(day=1)
        if since > until or (until - since).days >= MAX_PERIOD_DAYS:
            raise InvalidPeriod
        return cls(since, until)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def ends_at(self) -> datetime:
        # The day's last microsecond (PostgreSQL's resolution), not the next midnight: `end` may be date.max.
        return datetime.combine(self.end, time.max, tzinfo=UTC)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


async def summarize(db: AsyncSession, user: User, period: DateRange) -> SpendingSummary:
    currency = str(user.preferences.get("currency") or DEFAULT_CURRENCY)
    spend_filter = (
        Transaction.user_id == user.id,
        Transaction.occurred_at >= period.starts_at,
        Transaction.occurred_at <= period.ends_at,
        Transaction.order_status.not_in(NOT_SPEND),
        Transaction.currency == currency,
    )
    amount = func.sum(Transaction.total_cents).label("amount")

    by_merchant = (
        await db.execute(
            select(LinkedAccount.merchant_name, amount, func.count().label("count"))
            .join(LinkedAccount, LinkedAccount.id == Transaction.linked_account_id)
            .where(*spend_filter)
            .group_by(LinkedAccount.merchant_id, LinkedAccount.merchant_name)
            .order_by(amount.desc(), LinkedAccount.merchant_name)
        )
    ).all()

    category = case(MERCHANT_CATEGORIES, value=LinkedAccount.merchant_id, else_=OTHER_CATEGORY).label(
        "category"
    )
    by_category = (
        await db.execute(
            select(category, amount)
            .join(LinkedAccount, LinkedAccount.id == Transaction.linked_account_id)
            .where(*spend_filter)
            .group_by(category)
            .order_by(amount.desc(), category)
        )
    ).all()

    day = cast(func.timezone("UTC", Transaction.occurred_at), Date).label("day")
    daily = await db.execute(select(day, amount).where(*spend_filter).group_by(day))
    per_day: dict[date, int] = {row.day: int(row.amount) for row in daily}

    return SpendingSummary(
        period=Period(start=period.start, end=period.end),
        total_cents=sum(int(row.amount) for row in by_merchant),
        currency=currency,
        by_merchant=[
            MerchantSpend(merchant=row.merchant_name, amount_cents=int(row.amount), count=row.count)
            for row in by_merchant
        ],
        by_category=[
            CategorySpend(category=row.category, amount_cents=int(row.amount)) for row in by_category
        ],
        series=[DailySpend(date=d, amount_cents=per_day.get(d, 0)) for d in period.days()],
    )
