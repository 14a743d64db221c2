"""The credit-card catalog the assistant ranks from.

Reward rates are the issuers' published earn rates (US, late 2026); point values are conservative
cash-equivalent valuations (1 point = `point_value_cents`). Categories are the ones merchants map to.
"""

from typing import Literal

from pydantic import BaseModel, Field

RewardUnit = Literal["percent", "points"]
CapPeriod = Literal["month", "quarter", "year"]


class Reward(BaseModel):
    category: str
    multiplier: float = Field(description="Percent back, or points per dollar")
    unit: RewardUnit
    cap_cents: int | None = Field(default=None, description="Spend per period the boosted rate applies to")
    cap_period: CapPeriod | None = None


class Card(BaseModel):
    id: str
    name: str
    issuer: str
    network: str
    annual_fee_cents: int
    point_value_cents: float = Field(description="Cash value of one point, in cents (1.0 for cash back)")
    rewards: list[Reward]
    base_multiplier: float = Field(description="Rate on everything else, in the card's unit")


def _pts(
    category: str, multiplier: float, cap_cents: int | None = None, cap_period: CapPeriod | None = None
) -> Reward:
    return Reward(
        category=category, multiplier=multiplier, unit="points", cap_cents=cap_cents, cap_period=cap_period
    )


def _pct(
    category: str, multiplier: float, cap_cents: int | None = None, cap_period: CapPeriod | None = None
) -> Reward:
    return Reward(
        category=category, multiplier=multiplier, unit="percent", cap_cents=cap_cents, cap_period=cap_period
    )


CATALOG: tuple[Card, ...] = (
    Card(
        id="chase-sapphire-preferred",
        name="Chase Sapphire Preferred",
        issuer="Chase",
        network="visa",
        annual_fee_cents=9500,
        point_value_cents=1.25,
        rewards=[_pts("travel", 2), _pts("dining", 3), _pts("online_grocery", 3), _pts("streaming", 3)],
        base_multiplier=1,
    ),
    Card(
        id="chase-freedom-unlimited",
        name="Chase Freedom Unlimited",
        issuer="Chase",
        network="visa",
        annual_fee_cents=0,
        point_value_cents=1.0,
        rewards=[_pct("dining", 3), _pct("drugstores", 3), _pct("travel", 5)],
        base_multiplier=1.5,
    ),
    Card(
        id="amex-gold",
        name="American Express Gold Card",
        issuer="American Express",
        network="amex",
        annual_fee_cents=32500,
        point_value_cents=1.0,
        rewards=[
            _pts("dining", 4, cap_cents=5_000_000, cap_period="year"),
            _pts("groceries", 4, cap_cents=2_500_000, cap_period="year"),
            _pts("travel", 3),
        ],
        base_multiplier=1,
    ),
    Card(
        id="amex-blue-cash-preferred",
        name="Blue Cash Preferred Card from American Express",
        issuer="American Express",
        network="amex",
        annual_fee_cents=9500,
        point_value_cents=1.0,
        rewards=[
            _pct("groceries", 6, cap_cents=600_000, cap_period="year"),
            _pct("streaming", 6),
            _pct("gas", 3),
            _pct("transit", 3),
        ],
        base_multiplier=1,
    ),
    Card(
        id="citi-double-cash",
        name="Citi Double Cash Card",
        issuer="Citi",
        network="mastercard",
        annual_fee_cents=0,
        point_value_cents=1.0,
        rewards=[],
        base_multiplier=2,
    ),
    Card(
        id="capital-one-savor",
        name="Capital One Savor Cash Rewards",
        issuer="Capital One",
        network="mastercard",
        annual_fee_cents=0,
        point_value_cents=1.0,
        rewards=[_pct("dining", 3), _pct("entertainment", 3), _pct("streaming", 3), _pct("groceries", 3)],
        base_multiplier=1,
    ),
    Card(
        id="wells-fargo-active-cash",
        name="Wells Fargo Active Cash Card",
        issuer="Wells Fargo",
        network="visa",
        annual_fee_cents=0,
        point_value_cents=1.0,
        rewards=[],
        base_multiplier=2,
    ),
    Card(
        id="amazon-prime-visa",
        name="Prime Visa",
        issuer="Chase",
        network="visa",
        annual_fee_cents=0,
        point_value_cents=1.0,
        rewards=[
            _pct("amazon", 5),
            _pct("whole_foods", 5),
            _pct("dining", 2),
            _pct("gas", 2),
            _pct("transit", 2),
        ],
        base_multiplier=1,
    ),
)

CARDS_BY_ID: dict[str, Card] = {card.id: card for card in CATALOG}
