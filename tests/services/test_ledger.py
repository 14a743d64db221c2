import random

import pytest

from app.services.ledger import Payment, settle_up


def apply(balances: dict[str, int], payments: list[Payment]) -> dict[str, int]:
    after = dict(balances)
    for p in payments:
        after[p.payer_id] += p.amount_cents
        after[p.payee_id] -= p.amount_cents
    return after


def test_one_debtor_pays_each_creditor() -> None:
    assert settle_up({"a": 9000, "b": -5000, "c": -4000}) == [
        Payment("b", "a", 5000),
        Payment("c", "a", 4000),
    ]


def test_largest_debtor_pays_largest_creditor_first() -> None:
    balances = {"a": 700, "b": 300, "c": -600, "d": -400}
    assert settle_up(balances) == [Payment("c", "a", 600), Payment("d", "b", 300), Payment("d", "a", 100)]


def test_ties_go_to_the_smaller_id_whatever_the_input_order() -> None:
    forward = {"a": 500, "b": 500, "c": -500, "d": -500}
    backward = dict(reversed(list(forward.items())))
    assert settle_up(forward) == settle_up(backward) == [Payment("c", "a", 500), Payment("d", "b", 500)]


@pytest.mark.parametrize("balances", [{}, {"a": 0, "b": 0}])
def test_nothing_to_settle(balances: dict[str, int]) -> None:
    assert settle_up(balances) == []


def test_random_ledgers_clear_in_at_most_n_minus_one_payments() -> None:
    rng = random.Random(7)
    for _ in range(200):
        people = [f"u{i}" for i in range(rng.randint(2, 9))]
        nets = [rng.randint(-50_000, 50_000) for _ in people[1:]]
        balances = dict(zip(people, [-sum(nets), *nets], strict=True))
        payments = settle_up(balances)
        assert all(p.amount_cents > 0 for p in payments)
        assert set(apply(balances, payments).values()) <= {0}
        assert len(payments) <= max(0, sum(1 for v in balances.values() if v) - 1)
