"""The values every layer shares: ids, money and UTC time.

Below the models (their columns use UTCDateTime) and beside the other foundations, so the
forms, the pages and the rules read one definition of each.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects import mysql
from sqlalchemy.types import DateTime, TypeDecorator

#: The largest value of an INTEGER column (every id): larger ids are refused before any query.
MAX_ID = 2**31 - 1
#: The longest reason an auction's cancellation may give (auctions.cancel_reason).
CANCEL_REASON_MAX = 300


def utcnow() -> datetime:
    """The clock every rule reads (tests travel it with time-machine)."""
    return datetime.now(UTC)


#: MySQL/MariaDB's DATETIME keeps whole seconds unless asked for microseconds: bids and
#: events a millisecond apart must keep their order, as they do on the other databases.
PRECISE_DATETIME = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (to the microsecond) on every backend, hands back aware UTC datetimes."""

    impl = PRECISE_DATETIME
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def money(value: Any) -> Decimal:
    """Decimal from a stored or rendered amount, never through float."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def format_inr(value: Any) -> str:
    """₹1,23,456.50 (Indian digit grouping); whole rupees drop the paise."""
    if value is None:
        return "—"
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    whole, paise = f"{abs(amount):.2f}".split(".")
    head, tail = whole[:-3], whole[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    digits = ",".join(([head] if head else []) + groups + [tail])
    return f"{sign}₹{digits}" + ("" if paise == "00" else f".{paise}")
