"""When to tell me about my shifts: before they start (at each lead time), as they start and as they end.

Pure planning: given my shifts, the lead times, what was already sent and ``now``, it says what is due now and when
to look again. The caller times a wake-up for ``next_at`` and plans again after every refresh, wake or clock change,
so reminders fire on the minute and never twice:

- each (shift, lead time) is sent at most once; the caller keeps the keys of what was sent, also across restarts;
- a reminder whose moment passed while the machine slept or pdtray was closed is sent once, late, if the shift has
  not started; if several lead times passed, only the nearest goes out (and all count as sent); never after start;
- start and end notices go out within a grace period after the moment, else not at all;
- while notifications are paused nothing is due; what fell in the pause is sent when it ends, under the same rules.

Times are absolute (aware datetimes), so DST and time zone changes move no reminder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pdtray.oncall.models import MyShifts, OnCall

#: How late a start or end notice may still go out (after sleep, say).
NOTICE_GRACE = timedelta(minutes=10)


class NoticeKind(StrEnum):
    REMINDER = "reminder"
    STARTED = "started"
    ENDED = "ended"


@dataclass(frozen=True)
class MyShift:
    """One stretch of mine on one schedule (or directly on one policy), with every level I hold there."""

    source_id: str
    source_name: str
    schedule_id: str | None
    start: datetime
    end: datetime | None
    rows: tuple[OnCall, ...]

    @property
    def key(self) -> str:
        """Identity of the shift: a moved shift is a new shift (and its reminders go out again)."""
        return f"{self.source_id}@{self.start.timestamp():.0f}"

    @property
    def levels(self) -> str:
        """ "L1 Platform, L2 Mobile": the levels and policies I hold during this shift."""
        parts = sorted({(r.escalation_level, r.escalation_policy.name) for r in self.rows})
        return ", ".join(f"L{level} {policy}" for level, policy in parts)

    @property
    def duration(self) -> timedelta | None:
        return None if self.end is None else self.end - self.start


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    shift: MyShift
    #: the moment it is for (a reminder's moment is the start minus its lead)
    at: datetime
    lead: timedelta | None = None

    @property
    def key(self) -> str:
        lead = f"{self.lead.total_seconds():.0f}" if self.lead is not None else "-"
        return f"{self.kind.value}:{self.shift.key}:{lead}"


@dataclass(frozen=True)
class Plan:
    due: tuple[Notice, ...]
    #: keys to record as sent along with ``due`` (reminders skipped in favour of a nearer one)
    settled: tuple[str, ...]
    #: when to plan again; None when nothing is ahead
    next_at: datetime | None


def group_shifts(rows: Iterable[OnCall]) -> list[MyShift]:
    """Rows of the same stretch on the same schedule (several policies or levels) become one shift.

    Rows that began "forever ago" (null start) have no start to remind about and are left out.
    """
    groups: dict[tuple[str, datetime, datetime | None], list[OnCall]] = {}
    for row in rows:
        if row.start is None:
            continue
        source = row.schedule.id if row.schedule else f"policy:{row.escalation_policy.id}"
        groups.setdefault((source, row.start, row.end), []).append(row)
    shifts = []
    for (source, start, end), members in groups.items():
        first = members[0]
        shifts.append(
            MyShift(
                source_id=source,
                source_name=first.source_name,
                schedule_id=first.schedule.id if first.schedule else None,
                start=start,
                end=end,
                rows=tuple(sorted(members, key=lambda r: r.escalation_level)),
            )
        )
    return sorted(shifts, key=lambda s: (s.start, s.source_name))


def plan(
    mine: MyShifts,
    now: datetime,
    *,
    leads: Iterable[timedelta],
    sent: set[str] | frozenset[str],
    notify_start: bool = True,
    notify_end: bool = True,
    paused_until: datetime | None = None,
) -> Plan:
    paused = paused_until is not None and paused_until > now
    due: list[Notice] = []
    settled: list[str] = []
    ahead: list[datetime] = []
    lead_list = sorted(set(leads), reverse=True)
    for shift in group_shifts(mine.on_call_now + mine.upcoming):
        if shift.start > now:
            passed = []
            for lead in lead_list:
                notice = Notice(NoticeKind.REMINDER, shift, shift.start - lead, lead)
                if notice.key in sent:
                    continue
                if notice.at <= now:
                    passed.append(notice)
                else:
                    ahead.append(notice.at)
            if passed and not paused:
                nearest = min(passed, key=lambda n: n.lead or timedelta(0))
                due.append(nearest)
                settled.extend(n.key for n in passed if n is not nearest)
        if notify_start:
            _edge(Notice(NoticeKind.STARTED, shift, shift.start), now, sent, paused, due, ahead)
        if notify_end and shift.end is not None:
            _edge(Notice(NoticeKind.ENDED, shift, shift.end), now, sent, paused, due, ahead)
    if paused and (due or ahead):
        ahead.append(paused_until)  # type: ignore[arg-type]
    next_at = min((t for t in ahead if t > now), default=None)
    return Plan(tuple(due), tuple(settled), next_at)


def _edge(
    notice: Notice,
    now: datetime,
    sent: set[str] | frozenset[str],
    paused: bool,
    due: list[Notice],
    ahead: list[datetime],
) -> None:
    if notice.key in sent:
        return
    if notice.at > now:
        ahead.append(notice.at)
    elif now - notice.at < NOTICE_GRACE and not paused:
        due.append(notice)
