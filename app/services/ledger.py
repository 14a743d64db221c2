"""A group's balances and how to clear them."""

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Payment:
    payer_id: str
    payee_id: str
    amount_cents: int


def settle_up(balances: Mapping[str, int]) -> list[Payment]:
    """Payments that clear the balances (positive: owed money; negative: owes money).

    Greedy: the largest debtor pays the largest creditor as much as one of them needs, so every payment
    clears at least one person and there are at most n - 1 of them. Ties go to the smaller user id, so
    the plan is deterministic and only shifts where balances actually changed.
    """
    debts = {user: -net for user, net in balances.items() if net < 0}
    credits = {user: net for user, net in balances.items() if net > 0}
    payments: list[Payment] = []
    while debts and credits:
        debtor = min(debts, key=lambda user: (-debts[user], user))
        creditor = min(credits, key=lambda user: (-credits[user], user))
        amount = min(debts[debtor], credits[creditor])
        payments.append(Payment(debtor, creditor, amount))
        for side, user in ((debts, debtor), (credits, creditor)):
            side[user] -= amount
            if side[user] == 0:
                del side[user]
    return payments
