"""Pro-rata payouts: exact cents, largest-remainder rounding, thresholds, bad amounts."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from segue.errors import InvalidInput
from segue_royalties.payouts import parse_pool, split_pool


def amounts(rows: list[object]) -> list[Decimal]:
    return [Decimal(r.amount) for r in rows]


def test_equal_holders_share_the_odd_cent_by_name() -> None:
    total, rows = split_pool(Decimal("100.00"), "EUR", [("b", 1), ("a", 1), ("c", 1)])

    assert total == 3
    assert [(r.holder, r.amount) for r in rows] == [("a", "33.34"), ("b", "33.33"), ("c", "33.33")]


def test_shares_always_sum_to_the_pool_and_follow_the_streams() -> None:
    rng = random.Random(2026)
    for _ in range(300):
        pool = Decimal(rng.randint(1, 10_000_000)) / 100
        holdings = [(f"h{n}", rng.randint(1, 10_000)) for n in range(rng.randint(1, 40))]
        total, rows = split_pool(pool, "EUR", holdings)

        assert sum(amounts(rows)) == pool
        assert total == sum(s for _h, s in holdings)
        for row in rows:
            exact = pool * row.streams / total
            assert abs(Decimal(row.amount) - exact) < Decimal("0.01")  # off by under a cent
            assert Decimal(row.amount) == Decimal(row.amount).quantize(Decimal("0.01"))


def test_min_streams_leaves_small_holders_out_of_pool_and_total() -> None:
    total, rows = split_pool(Decimal("90"), "USD", [("big", 60), ("mid", 30), ("tiny", 9)],
                             min_streams=10)  # fmt: skip

    assert total == 90
    assert [(r.holder, r.streams, r.amount) for r in rows] == [
        ("big", 60, "60.00"),
        ("mid", 30, "30.00"),
    ]


def test_zero_decimal_currencies_pay_whole_units() -> None:
    _total, rows = split_pool(Decimal("1000"), "JPY", [("a", 1), ("b", 2)])

    assert [(r.holder, r.amount) for r in rows] == [("b", "667"), ("a", "333")]


def test_no_streams_pays_nobody() -> None:
    assert split_pool(Decimal("10"), "EUR", []) == (0, [])
    assert split_pool(Decimal("10"), "EUR", [("a", 3)], min_streams=5) == (0, [])


@pytest.mark.parametrize(
    ("text", "currency", "problem"),
    [
        ("lots", "EUR", "not an amount"),
        ("-5", "EUR", "positive"),
        ("0", "EUR", "positive"),
        ("10.001", "EUR", "2 decimals"),
        ("10.5", "JPY", "0 decimals"),
        ("NaN", "EUR", "positive"),
    ],
)
def test_bad_pools_are_refused_with_the_reason(text: str, currency: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match="pool") as caught:
        parse_pool(text, currency)
    assert problem in str(caught.value)


def test_a_pool_keeps_its_cents() -> None:
    assert parse_pool(" 1234.5 ", "EUR") == Decimal("1234.50")
