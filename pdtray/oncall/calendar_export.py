"""My upcoming shifts as an iCalendar file, for calendars that cannot subscribe to PagerDuty's own feed.

One event per stretch of time on one schedule: being on a schedule that two escalation policies use (level 1 of
one, level 2 of another) is one shift, not two. Each event's UID comes from what the shift is (schedule or policy,
start), not from when it was exported, so importing a newer export updates events instead of duplicating them.
Shifts with no end (a permanent on-call) are left out: they are not events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event

from pdtray import __version__
from pdtray.oncall.models import MyShifts, OnCall

PRODID = f"-//pdtray//pdtray {__version__}//EN"


def _source(row: OnCall) -> str:
    return row.schedule.id if row.schedule else f"policy-{row.escalation_policy.id}"


def _grouped(mine: MyShifts) -> list[list[OnCall]]:
    """Rows of one source and one span together, in the order they come (soonest first)."""
    groups: dict[tuple[str, datetime, datetime], list[OnCall]] = {}
    for row in (*mine.on_call_now, *mine.upcoming):
        if row.start is not None and row.end is not None:
            groups.setdefault((_source(row), row.start, row.end), []).append(row)
    return list(groups.values())


def event_uid(row: OnCall) -> str:
    key = f"{_source(row)}|{row.start.isoformat() if row.start else ''}"
    return f"{hashlib.sha256(key.encode()).hexdigest()[:24]}@pdtray"


def _describe(rows: Iterable[OnCall]) -> tuple[str, str]:
    rows = sorted(rows, key=lambda r: (r.escalation_level, r.escalation_policy.name))
    levels = ", ".join(dict.fromkeys(f"L{r.escalation_level}" for r in rows))
    policies = "; ".join(f"{r.escalation_policy.name}, level {r.escalation_level}" for r in rows)
    return f"On call: {rows[0].source_name} ({levels})", f"Escalation policies: {policies}."


def shifts_calendar(mine: MyShifts, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"On call: {mine.user.display_name}")
    for rows in _grouped(mine):
        first = rows[0]
        summary, description = _describe(rows)
        event = Event()
        event.add("uid", event_uid(first))
        event.add("dtstamp", now)
        event.add("dtstart", first.start)
        event.add("dtend", first.end)
        event.add("summary", summary)
        event.add("description", description)
        if first.schedule is not None and first.schedule.html_url:
            event.add("url", first.schedule.html_url)
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


def event_count(mine: MyShifts) -> int:
    return len(_grouped(mine))
