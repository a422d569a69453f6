"""Who is on call right now, from one /oncalls answer covering every schedule.

The refresh asks PagerDuty once (paginated) for the rows active in [now, now + 1 s) across the account instead of
once per schedule; this module sorts that answer into what the tooltip and the schedule list show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pdtray.oncall.models import OnCall, Ref, User

#: PagerDuty may return nothing for a since/until window only microseconds wide.
NOW_WINDOW = timedelta(seconds=1)


def now_window(now: datetime) -> tuple[datetime, datetime]:
    """The since/until to ask /oncalls for "on call now"."""
    return now, now + NOW_WINDOW


def _row_order(row: OnCall) -> tuple[str, str, int, str]:
    return (
        row.source_name.casefold(),
        row.escalation_policy.name.casefold(),
        row.escalation_level,
        row.user.name,
    )


def active_rows(rows: Iterable[OnCall], now: datetime) -> list[OnCall]:
    """Rows on call at ``now`` in a stable, readable order (schedule, policy, level), exact duplicates dropped.

    Duplicates are found by a flat key rather than by hashing the rows (frozen dataclasses of dataclasses): on a
    2,000-schedule account that was most of the time this takes."""
    unique: dict[tuple[object, ...], OnCall] = {}
    for row in rows:
        if row.is_active(now):
            key = (
                row.user.id,
                row.user.name,
                row.escalation_policy.id,
                row.escalation_level,
                row.schedule.id if row.schedule else None,
                row.start,
                row.end,
            )
            unique.setdefault(key, row)
    return sorted(unique.values(), key=_row_order)


@dataclass(frozen=True)
class OnCallPerson:
    """One person on call for a schedule, with every escalation level they hold there."""

    user: User
    levels: tuple[int, ...]
    #: the earliest end among their rows (None: never ends): when the schedule next changes hands for them
    until: datetime | None


@dataclass(frozen=True)
class ScheduleOnCall:
    schedule: Ref
    people: tuple[OnCallPerson, ...]

    @property
    def lowest_level(self) -> int:
        return min(level for person in self.people for level in person.levels)


def by_schedule(rows: Iterable[OnCall], now: datetime) -> dict[str, ScheduleOnCall]:
    """Who is on call now for each schedule, keyed by schedule ID.

    A schedule used by several policies or levels yields several rows for the same person; they fold into one
    entry with all their levels. Rows with no schedule (users targeted directly) are not about a schedule and are
    left out here.
    """
    grouped: dict[str, tuple[Ref, dict[str, list[OnCall]]]] = {}
    for row in active_rows(rows, now):
        if row.schedule is None:
            continue
        _, people = grouped.setdefault(row.schedule.id, (row.schedule, {}))
        people.setdefault(row.user.id, []).append(row)
    result = {}
    for schedule_id, (ref, people) in grouped.items():
        persons = [
            OnCallPerson(
                user=user_rows[0].user,
                levels=tuple(sorted({r.escalation_level for r in user_rows})),
                until=_earliest_end(user_rows),
            )
            for user_rows in people.values()
        ]
        persons.sort(key=lambda p: (p.levels[0], p.user.name.casefold()))
        result[schedule_id] = ScheduleOnCall(schedule=ref, people=tuple(persons))
    return result


class OnCallAt:
    """:func:`by_schedule` for one collection of rows, remembered until the next moment one of them starts or
    ends: the tray redraws every minute and after every state change, and with thousands of rows working it out
    again each time held the UI up. ``now`` is passed in; nothing here reads a clock."""

    def __init__(self) -> None:
        self._rows: object = None
        self._valid_from: datetime | None = None
        self._valid_until: datetime | None = None
        self._result: dict[str, ScheduleOnCall] = {}

    @property
    def last(self) -> dict[str, ScheduleOnCall]:
        """The latest answer worked out, whatever it was for."""
        return self._result

    def known(self, rows: tuple[OnCall, ...] | list[OnCall], now: datetime) -> dict[str, ScheduleOnCall] | None:
        """The answer for ``rows`` at ``now`` if it is already worked out, else None."""
        if (
            rows is self._rows
            and (self._valid_from is None or self._valid_from <= now)
            and (self._valid_until is None or now < self._valid_until)
        ):
            return self._result
        return None

    def __call__(self, rows: tuple[OnCall, ...] | list[OnCall], now: datetime) -> dict[str, ScheduleOnCall]:
        known = self.known(rows, now)
        if known is not None:
            return known
        bounds = [b for row in rows for b in (row.start, row.end) if b is not None]
        self._valid_from = max((b for b in bounds if b <= now), default=None)
        self._valid_until = min((b for b in bounds if b > now), default=None)
        self._rows = rows
        self._result = by_schedule(rows, now)
        return self._result


def _earliest_end(rows: list[OnCall]) -> datetime | None:
    ends = [row.end for row in rows if row.end is not None]
    return min(ends) if ends else None
