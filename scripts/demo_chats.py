"""Demo chats: Alice asks which card to use, and splits a dinner with Bob.

The exchanges go through the real posting path (chat lock, timestamps, read marks, reply linking) with a
scripted assistant standing in for the engines, so the demo looks exactly like a live conversation.
The numbers are computed from the card catalog and Alice's wallet, not typed in.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.assistant.base import AssistantReply, AssistantRequest, ThinkingStep
from app.assistant.cards import CARDS_BY_ID, Card
from app.models import Chat, ChatType, Message, MessageAction, User
from app.schemas.chat import GroupChatCreate
from app.services import chats as chats_service
from app.services import messages as messages_service

ALICE = "alice@demo.com"
BOB = "bob@test.com"

CARD_QUESTION = "Which card should I use for $85 at Whole Foods?"
PURCHASE_MERCHANT = "Whole Foods"
PURCHASE_CATEGORY = "groceries"
PURCHASE_CENTS = 8500

GROUP_TITLE = "Alice & Bob"
SPLIT_REQUEST = "@ai split $120 dinner with Bob, I paid"
SPLIT_DESCRIPTION = "dinner"
SPLIT_CENTS = 12000
CURRENCY = "USD"


@dataclass(frozen=True)
class ScriptedAssistant:
    """Answers with a reply decided in advance."""

    answer: AssistantReply

    async def reply(self, request: AssistantRequest) -> AssistantReply:
        return self.answer


def usd(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${Decimal(abs(cents)) / 100:,.2f}"


def brief(user: User) -> dict[str, str]:
    return {"id": str(user.id), "full_name": user.full_name}


async def seed_chats(db: AsyncSession, users: dict[str, User]) -> None:
    """Alice's card question (solo) and her dinner split with Bob (group). Running it again adds nothing."""
    alice, bob = users[ALICE], users[BOB]
    await _seed_card_chat(db, alice)
    await _seed_split_chat(db, alice, bob)


# --- the card pick --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pick:
    card: Card
    multiplier: float
    unit: str
    rate_percent: Decimal
    reward_cents: int
    category_bonus: bool

    def label(self) -> str:
        rate = f"{self.multiplier:g}"
        return f"{rate}x points" if self.unit == "points" else f"{rate}% cash back"

    def working(self) -> str:
        """How the rate came about, e.g. "4x points on groceries at 1¢ a point = 4% of $85.00 → $3.40"."""
        earned = f"{self.label()} on {PURCHASE_CATEGORY if self.category_bonus else 'everything'}"
        if self.unit == "points":
            earned += f" at {self.card.point_value_cents:g}¢ a point"
        return f"{earned} = {self.rate_percent:g}% of {usd(PURCHASE_CENTS)} → {usd(self.reward_cents)}"

    def as_drawer(self) -> dict[str, Any]:
        return {
            "card_id": self.card.id,
            "card_name": self.card.name,
            "multiplier_label": self.label(),
            "effective_rate_percent": float(self.rate_percent),
            "estimated_reward_cents": self.reward_cents,
        }


def _pick(card: Card) -> _Pick:
    reward = next((r for r in card.rewards if r.category == PURCHASE_CATEGORY), None)
    if reward is not None:
        multiplier, unit = reward.multiplier, reward.unit
    else:
        # The base rate is in the card's own unit; a card without category rewards is flat cash back.
        multiplier, unit = card.base_multiplier, card.rewards[0].unit if card.rewards else "percent"
    # Points per dollar times cents per point is cents per dollar, i.e. percent back.
    value = Decimal(str(card.point_value_cents)) if unit == "points" else Decimal(1)
    rate = (Decimal(str(multiplier)) * value).normalize()
    reward_cents = int((PURCHASE_CENTS * rate / 100).quantize(Decimal(1)))
    return _Pick(card, multiplier, unit, rate, reward_cents, category_bonus=reward is not None)


def card_reply(wallet: list[str]) -> AssistantReply:
    picks = sorted(
        (_pick(CARDS_BY_ID[card_id]) for card_id in wallet), key=lambda p: (-p.rate_percent, p.card.id)
    )
    best, runner_up = picks[0], picks[1]
    thinking: list[ThinkingStep] = [
        {"title": "Read the purchase", "detail": f"{usd(PURCHASE_CENTS)} at {PURCHASE_MERCHANT}"},
        {"title": "Matched the merchant", "detail": f"{PURCHASE_MERCHANT} → {PURCHASE_CATEGORY}"},
        {
            "title": "Checked your wallet",
            "detail": f"{len(picks)} cards: " + ", ".join(p.card.name for p in picks),
        },
        *(ThinkingStep(title=p.card.name, detail=p.working()) for p in picks),
        {
            "title": "Picked the best",
            "detail": f"{best.card.name} earns {usd(best.reward_cents - runner_up.reward_cents)} more "
            f"than {runner_up.card.name}",
        },
    ]
    return AssistantReply(
        content=f"Use your {best.card.name}: {best.label()} on {PURCHASE_CATEGORY} is worth about "
        f"{usd(best.reward_cents)} on this {usd(PURCHASE_CENTS)} purchase, versus "
        f"{usd(runner_up.reward_cents)} with your {runner_up.card.name}.",
        action=MessageAction.CARD,
        thinking=thinking,
        drawer_data={
            "type": "card",
            "merchant": PURCHASE_MERCHANT,
            "category": PURCHASE_CATEGORY,
            "amount_cents": PURCHASE_CENTS,
            "best": best.as_drawer(),
            "ranking": [p.as_drawer() for p in picks],
            "wallet_empty": False,
        },
    )


async def _seed_card_chat(db: AsyncSession, alice: User) -> None:
    chat = await chats_service.get_or_create_solo_chat(db, alice)
    if await db.scalar(select(Message.id).where(Message.chat_id == chat.id).limit(1)) is not None:
        return
    await messages_service.post_user_message(
        db,
        ScriptedAssistant(card_reply(list(alice.preferences.get("cards", [])))),
        alice,
        chat.id,
        content=CARD_QUESTION,
        client_id=None,
    )


# --- the bill split -------------------------------------------------------------------------------


def equal_shares(total_cents: int, count: int) -> list[int]:
    """Equal shares summing exactly to the total; leftover cents go to the first people listed."""
    base, leftover = divmod(total_cents, count)
    return [base + (1 if index < leftover else 0) for index in range(count)]


@dataclass(frozen=True)
class _Split:
    payer: User
    people: list[User]
    shares: list[int]

    def net(self, user: User) -> int:
        """What the group owes this person (negative: what they owe)."""
        paid = SPLIT_CENTS if user.id == self.payer.id else 0
        return paid - self.shares[self.people.index(user)]

    def who_owes(self) -> str:
        return "; ".join(
            f"{u.full_name} owes {self.payer.full_name} {usd(-self.net(u))}"
            for u in self.people
            if self.net(u) < 0
        )


def split_reply(split: _Split) -> AssistantReply:
    people, shares = split.people, split.shares
    thinking: list[ThinkingStep] = [
        {
            "title": "Read the request",
            "detail": f"{usd(SPLIT_CENTS)} for {SPLIT_DESCRIPTION}, paid by {split.payer.full_name}",
        },
        {
            "title": "Found who shares it",
            "detail": " and ".join(u.full_name for u in people) + f": {len(people)} people, split equally",
        },
        {
            "title": "Split the total",
            "detail": f"{usd(SPLIT_CENTS)} ÷ {len(people)} = "
            + ", ".join(f"{u.full_name} {usd(share)}" for u, share in zip(people, shares, strict=True))
            + f" ({SPLIT_CENTS % len(people)} leftover cents)",
        },
        {
            "title": "Updated the balances",
            "detail": ", ".join(
                f"{u.full_name} {'+' if split.net(u) >= 0 else ''}{usd(split.net(u))}" for u in people
            ),
        },
    ]
    return AssistantReply(
        content=f"Split {usd(SPLIT_CENTS)} for {SPLIT_DESCRIPTION} equally: {usd(shares[0])} each. "
        f"{split.who_owes()}.",
        action=MessageAction.SPLIT,
        thinking=thinking,
        drawer_data={
            "type": "split",
            "description": SPLIT_DESCRIPTION,
            "total_cents": SPLIT_CENTS,
            "currency": CURRENCY,
            "payer": brief(split.payer),
            "method": "equal",
            "shares": [
                {"user": brief(u), "amount_cents": share} for u, share in zip(people, shares, strict=True)
            ],
            "balances": [{"user": brief(u), "net_cents": split.net(u)} for u in people],
        },
    )


async def _seed_split_chat(db: AsyncSession, alice: User, bob: User) -> None:
    existing = await db.scalar(
        select(Chat.id).where(
            Chat.created_by_id == alice.id, Chat.type == ChatType.GROUP, Chat.title == GROUP_TITLE
        )
    )
    if existing is not None:
        return
    chat = await chats_service.create_chat(
        db, alice, GroupChatCreate(type=ChatType.GROUP, title=GROUP_TITLE, member_emails=[bob.email])
    )
    split = _Split(payer=alice, people=[alice, bob], shares=equal_shares(SPLIT_CENTS, 2))
    await messages_service.post_user_message(
        db, ScriptedAssistant(split_reply(split)), alice, chat.id, content=SPLIT_REQUEST, client_id=None
    )
    # A split updates the group's ledger in the same transaction as its message.
    ledger = await chats_service.get_or_create_group_context(db, chat.id)
    ledger.currency = CURRENCY
    ledger.total_spend_cents = SPLIT_CENTS
    ledger.expense_count = 1
    ledger.balances = {str(u.id): split.net(u) for u in split.people}
    ledger.summary = f"1 expense ({SPLIT_DESCRIPTION}), {usd(SPLIT_CENTS)} in total. {split.who_owes()}."
    await db.flush()
