"""Pro-rata (streamshare) split of a revenue pool over counted streams.

Each holder gets ``pool * streams / total_streams``. Money is counted in the
currency's minor units (cents) as integers, so the arithmetic is exact: every
holder first gets the floor of their share, then the cents left over go one
each to the largest remainders (ties: more streams first, then holder name),
so the amounts always sum to the pool exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import msgspec

from segue.errors import InvalidInput

# ISO 4217 currencies without minor units; every other one is taken to have two.
_ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                           "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"})  # fmt: skip
_THREE_DECIMAL = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})


class PayoutRow(msgspec.Struct, kw_only=True):
    holder: str
    """The rights holder: an artist's name or a label."""
    streams: int
    amount: str
    """Decimal string in the currency, e.g. "123.45"."""


class PayoutReport(msgspec.Struct, kw_only=True, rename={"from_": "from"}):
    from_: str
    """First day (UTC, YYYY-MM-DD) included."""
    to: str
    """Last day included."""
    pool: str
    currency: str
    total_streams: int
    """Counted streams of the holders paid (those under ``min_streams`` are left out)."""
    rows: list[PayoutRow]


@dataclass(slots=True)
class _Share:
    holder: str
    streams: int
    units: int
    """Whole minor units (cents) paid."""
    remainder: int


def minor_units(currency: str) -> int:
    """How many decimals amounts in ``currency`` have (2 for EUR, 0 for JPY)."""
    if currency in _ZERO_DECIMAL:
        return 0
    return 3 if currency in _THREE_DECIMAL else 2


def parse_pool(text: str, currency: str) -> Decimal:
    """The pool as a Decimal with the currency's decimals; InvalidInput naming what is wrong."""
    try:
        pool = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"pool: '{text}' is not an amount; write e.g. 1000 or 1234.56") from None
    places = minor_units(currency)
    if not pool.is_finite() or pool <= 0:
        raise InvalidInput(f"pool: must be a positive amount, not '{text}'")
    quantum = Decimal(1).scaleb(-places)
    if pool != pool.quantize(quantum):
        raise InvalidInput(f"pool: {currency} amounts have {places} decimals at most, not '{text}'")
    return pool.quantize(quantum)


def split_pool(
    pool: Decimal,
    currency: str,
    holdings: Sequence[tuple[str, int]],
    *,
    min_streams: int = 0,
) -> tuple[int, list[PayoutRow]]:
    """(total streams paid, rows): ``pool`` split over ``(holder, streams)`` pro rata.

    Holders with fewer than ``min_streams`` streams (or none) get nothing and
    are left out of the total. Rows come by streams, most first, then holder.
    """
    places = minor_units(currency)
    unit = Decimal(1).scaleb(-places)
    pool_units = int(pool / unit)
    paid = [(h, s) for h, s in holdings if s > 0 and s >= min_streams]
    total = sum(s for _h, s in paid)
    if total == 0:
        return 0, []
    shares: list[_Share] = []
    for holder, streams in paid:
        whole, remainder = divmod(pool_units * streams, total)
        shares.append(_Share(holder, streams, whole, remainder))
    left = pool_units - sum(share.units for share in shares)
    # Largest remainder first; the leftover is fewer cents than there are holders.
    for share in sorted(shares, key=lambda s: (-s.remainder, -s.streams, s.holder))[:left]:
        share.units += 1
    shares.sort(key=lambda s: (-s.streams, s.holder))
    rows = [
        PayoutRow(holder=s.holder, streams=s.streams, amount=str(Decimal(s.units) * unit))
        for s in shares
    ]
    return total, rows
