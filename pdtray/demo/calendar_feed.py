"""The demo's schedule calendar feeds: what PagerDuty serves at a schedule's http_cal_url, for the next 30 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from pdtray.demo.account import Account, DemoSchedule
from pdtray.demo.rendering import render_final

FEED_DAYS = 30


def schedule_feed(account: Account, schedule: DemoSchedule, now: datetime | None = None) -> bytes:
    now = now or datetime.now(UTC)
    calendar = Calendar()
    calendar.add("prodid", "-//pdtray demo//schedule feed//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"On call: {schedule.name}")
    for span in render_final(schedule, now, now + timedelta(days=FEED_DAYS)):
        event = Event()
        event.add("uid", f"{schedule.id}-{span.start.isoformat()}@demo.pdtray")
        event.add("dtstamp", now)
        event.add("dtstart", span.start)
        event.add("dtend", span.end)
        event.add("summary", f"On call: {account.users[span.user].name}")
        calendar.add_component(event)
    return calendar.to_ical()
