import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, EmailStr, Field, StringConstraints, field_validator

from app.assistant.cards import CARDS_BY_ID
from app.models.enums import OnboardingStatus
from app.schemas.common import InputModel, OutputModel, ShortText, UnicodeText

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class Preferences(InputModel):
    """The user's settings; `cards` is their wallet, ranked by the card assistant."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    cards: list[str] = Field(
        default_factory=list, max_length=50, examples=[["amex-gold", "citi-double-cash"]]
    )
    currency: Currency = Field(default="USD", description="ISO 4217 code", examples=["USD"])

    @field_validator("cards")
    @classmethod
    def _known_cards(cls, cards: list[str]) -> list[str]:
        unknown = sorted({c for c in cards if c not in CARDS_BY_ID})
        if unknown:
            raise ValueError(f"unknown card ids: {', '.join(unknown)} (see GET /api/v1/cards)")
        return list(dict.fromkeys(cards))


class UserRead(OutputModel):
    id: uuid.UUID
    email: EmailStr
    full_name: str
    onboarding_status: OnboardingStatus
    preferences: Preferences
    created_at: datetime


class UserUpdate(InputModel):
    full_name: ShortText | None = None
    onboarding_status: OnboardingStatus | None = None
    preferences: Preferences | None = None


class PasswordChange(InputModel):
    current_password: Annotated[str, StringConstraints(max_length=1024)]
    new_password: UnicodeText = Field(examples=["a long and unusual passphrase"])


class UserBrief(OutputModel):
    """How a user appears inside other resources (members, senders)."""

    id: uuid.UUID
    full_name: str
