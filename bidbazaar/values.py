"""The values every layer shares: ids, money, UTC time and India's calendar day, and the
numbers a chart shows (Indian digit grouping, round axis ticks).

Below the models (their columns use UTCDateTime) and beside the other foundations, so the
forms, the pages and the rules read one definition of each.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import mysql
from sqlalchemy.types import DateTime, TypeDecorator

#: The largest value of an INTEGER column (every id): larger ids are refused before any query.
MAX_ID = 2**31 - 1
#: The longest reason an auction's cancellation may give (auctions.cancel_reason).
CANCEL_REASON_MAX = 300


def utcnow() -> datetime:
    """The clock every rule reads (tests travel it with time-machine)."""
    return datetime.now(UTC)


#: India Standard Time: the pages' time zone, a fixed UTC+05:30 (no daylight saving).
IST = ZoneInfo("Asia/Kolkata")
#: IST's distance from UTC in minutes, for SQL that buckets stored UTC times by IST day.
IST_OFFSET_MINUTES = 330


def ist_day(moment: datetime) -> date:
    """The IST calendar day a UTC moment falls on: a day runs 00:00 to 24:00 IST, so from
    18:30 UTC the day before to 18:30 UTC."""
    return moment.astimezone(IST).date()


def ist_day_start(day: date) -> datetime:
    """The UTC moment an IST day begins (18:30 UTC the day before)."""
    return datetime.combine(day, datetime.min.time(), tzinfo=IST).astimezone(UTC)


def ist_days(last: date, count: int) -> list[date]:
    """`count` consecutive IST days ending with `last`, oldest first."""
    return [last - timedelta(days=offset) for offset in range(count - 1, -1, -1)]


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


def _indian_digits(whole: str) -> str:
    """ "1234567" → "12,34,567": the last three digits, then groups of two."""
    head, tail = whole[:-3], whole[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    return ",".join(([head] if head else []) + groups + [tail])


def format_grouped(value: Any) -> str:
    """A whole number with Indian digit grouping: 1234567 → "12,34,567" (rounded to a
    whole number first; None → "—"). The `grouped` filter of the pages."""
    if value is None:
        return "—"
    number = int(Decimal(str(value)).quantize(Decimal("1")))
    return ("-" if number < 0 else "") + _indian_digits(str(abs(number)))


def format_inr(value: Any) -> str:
    """₹1,23,456.50 (Indian digit grouping); whole rupees drop the paise."""
    if value is None:
        return "—"
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    whole, paise = f"{abs(amount):.2f}".split(".")
    return f"{sign}₹{_indian_digits(whole)}" + ("" if paise == "00" else f".{paise}")


#: The "nice" multipliers of a power of ten an axis steps by.
NICE_STEPS = (1, 2, 5)


def nice_ticks(peak: Any, most: int = 6) -> list[int]:
    """Round axis ticks from 0 covering `peak` (a count): the smallest step of 1, 2 or 5
    times a power of ten that needs at most `most` intervals, e.g. 0 → [0, 1];
    7 → [0, 2, 4, 6, 8]; 1234 → [0, 500, 1000, 1500]. The top tick is the axis' maximum."""
    top = max(int(Decimal(str(peak or 0)).to_integral_value(rounding="ROUND_CEILING")), 1)
    power = 1
    while True:
        for multiplier in NICE_STEPS:
            step = multiplier * power
            if -(-top // step) <= most:
                return list(range(0, -(-top // step) * step + 1, step))
        power *= 10
