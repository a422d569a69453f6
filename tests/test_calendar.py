"""Calendars: my shifts as an .ics file (hand-made shifts), and the demo's schedule feeds that "Subscribe" opens,
over real HTTP."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta

from builders import at, row, user
from conftest import run
from icalendar import Calendar

from pdtray.app import queries
from pdtray.oncall import MyShifts
from pdtray.oncall.calendar_export import event_count, event_uid, shifts_calendar
from pdtray.pagerduty import PagerDutyClient

ME = user("Demo")


def events(payload: bytes) -> list:
    return [c for c in Calendar.from_ical(payload).walk() if c.name == "VEVENT"]


def test_one_event_per_schedule_and_span_with_every_level():
    l1 = row(ME, at(24, 9), at(24, 17), schedule="Platform Primary", policy="Platform", level=1)
    l2 = row(ME, at(24, 9), at(24, 17), schedule="Platform Primary", policy="Mobile", level=2)
    later = row(ME, at(26, 9), at(26, 17), schedule="Payments Primary", policy="Payments", level=1)
    direct = row(ME, at(25, 0), at(25, 8), schedule=None, policy="Security", level=3)
    forever = row(ME, at(20, 0), None, schedule="SRE Weekend", policy="SRE", level=1)
    mine = MyShifts(ME, (forever,), (l1, l2, direct, later))
    got = events(shifts_calendar(mine, at(23, 12)))
    assert [(str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend")) for e in got] == [
        ("On call: Platform Primary (L1, L2)", at(24, 9), at(24, 17)),
        ("On call: Security (direct) (L3)", at(25, 0), at(25, 8)),
        ("On call: Payments Primary (L1)", at(26, 9), at(26, 17)),
    ]
    assert str(got[0]["description"]) == "Escalation policies: Platform, level 1; Mobile, level 2."
    assert event_count(mine) == 3  # the permanent on-call is not an event


def test_uid_is_stable_across_exports_and_differs_between_shifts():
    a = row(ME, at(24, 9), at(24, 17))
    b = row(ME, at(25, 9), at(25, 17))
    assert event_uid(a) == event_uid(row(ME, at(24, 9), at(24, 17), level=2))  # the same shift, another level
    assert event_uid(a) != event_uid(b)
    first = events(shifts_calendar(MyShifts(ME, (), (a,)), at(23, 12)))
    second = events(shifts_calendar(MyShifts(ME, (), (a,)), at(23, 18)))
    assert str(first[0]["uid"]) == str(second[0]["uid"])


def test_schedule_feed_is_served_and_matches_the_timeline(demo):
    async def go():
        async with PagerDutyClient(demo.token, base_url=demo.url) as client:
            now = datetime.now(UTC)
            schedule = next(s for s in await queries.schedules(client) if s.name == "Data Pipeline")
            return schedule, await queries.timeline(client, schedule.id, now)

    schedule, timeline = run(go())
    assert schedule.calendar_url == demo.url.replace("http://", "webcal://") + f"/web/schedules/{schedule.id}.ics"
    with urllib.request.urlopen(schedule.calendar_url.replace("webcal://", "http://")) as answer:
        assert answer.headers["Content-Type"].startswith("text/calendar")
        feed = events(answer.read())
    first = feed[0]
    current = timeline.current
    assert str(first["summary"]) == f"On call: {current.user.name}"
    assert abs(first.decoded("dtend") - current.end) < timedelta(seconds=1)
    assert len(feed) > 20  # 30 days of 12-hour shifts and more
