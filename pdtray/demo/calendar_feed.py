"""The demo's schedule calendar feeds: what PagerDuty serves at a schedule's http_cal_url, for the next 30 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from pdtray.demo.account import Account, DemoSchedule
from pdtray.demo.rendering import Span, render_final
from pdtray.demo.shift_schedules import EMPTY, ShiftSchedule, render_assignments

FEED_DAYS = 30


def _spans(schedule: DemoSchedule | ShiftSchedule, since: datetime, until: datetime) -> list[Span]:
    if isinstance(schedule, ShiftSchedule):
        return [Span(a.user, a.start, a.end) for a in render_assignments(schedule, since, until) if a.user != EMPTY]
    return render_final(schedule, since, until)


def schedule_feed(account: Account, schedule: DemoSchedule | ShiftSchedule, now: datetime | None = None) -> bytes:
    """One event per shift; a shift-based schedule's concurrent shifts are separate events."""
    now = now or datetime.now(UTC)
    calendar = Calendar()
    calendar.add("prodid", "-//pdtray demo//schedule feed//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"On call: {schedule.name}")
    for span in _spans(schedule, now, now + timedelta(days=FEED_DAYS)):
        event = Event()
        event.add("uid", f"{schedule.id}-{span.start.isoformat()}-{span.user}@demo.pdtray")
        event.add("dtstamp", now)
        event.add("dtstart", span.start)
        event.add("dtend", span.end)
        event.add("summary", f"On call: {account.users[span.user].name}")
        calendar.add_component(event)
    return calendar.to_ical()
