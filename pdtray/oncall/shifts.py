"""My shifts: what the token's user is on call for now and next, from /oncalls?user_ids[]=me over 7 days."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from pdtray.oncall.intervals import merge_touching
from pdtray.oncall.models import MyShifts, OnCall, User

#: How far ahead "upcoming" looks; also what the notifications compare between refreshes.
LOOKAHEAD = timedelta(days=7)


def shifts_window(now: datetime, lookahead: timedelta = LOOKAHEAD) -> tuple[datetime, datetime]:
    return now, now + lookahead


def _seat(row: OnCall) -> tuple[str, int, str | None]:
    """The "same seat": one policy level through one schedule (or directly)."""
    return (row.escalation_policy.id, row.escalation_level, row.schedule.id if row.schedule else None)


def _touching(a: OnCall, b: OnCall) -> bool:
    return a.end is None or b.start is None or b.start <= a.end


def _join(a: OnCall, b: OnCall) -> OnCall:
    end = None if a.end is None or b.end is None else max(a.end, b.end)
    return replace(a, end=end)


def _start_key(row: OnCall) -> tuple[int, float]:
    # Rows that started "forever ago" (start null) sort first.
    return (0, 0.0) if row.start is None else (1, row.start.timestamp())


def merge_shifts(rows: Iterable[OnCall]) -> list[OnCall]:
    """Back-to-back rows for the same seat become one shift (PagerDuty splits at layer and override seams)."""
    ordered = sorted(rows, key=lambda r: (_seat(r), _start_key(r)))
    merged = merge_touching(ordered, same=lambda a, b: _seat(a) == _seat(b), touching=_touching, join=_join)
    return merged


def my_shifts(me: User, rows: Iterable[OnCall], now: datetime) -> MyShifts:
    """Splits my rows into those running now and those still to come (soonest first); past rows are dropped."""
    mine = merge_shifts(row for row in rows if row.user.id == me.id)
    on_call_now = sorted(
        (r for r in mine if r.is_active(now)),
        key=lambda r: (r.escalation_level, r.source_name.casefold()),
    )
    upcoming = sorted(
        (r for r in mine if r.start is not None and r.start > now),
        key=lambda r: (_start_key(r), r.escalation_level, r.source_name.casefold()),
    )
    return MyShifts(user=me, on_call_now=tuple(on_call_now), upcoming=tuple(upcoming))
