"""Coverage gaps in watched schedules: found in hand-made timelines, told once by the scheduler, and found for
real in the demo's schedule that has nobody on call now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from builders import SCHEDULE, at, shift, user
from conftest import run
from test_reminder_scheduler import Clock, scheduler  # noqa: F401 - scheduler is a fixture

from pdtray.app import queries
from pdtray.app.settings import Settings
from pdtray.oncall import build_timeline
from pdtray.oncall.coverage import coverage_gaps, gap_key, gap_text, gap_window
from pdtray.pagerduty import PagerDutyClient

ALICE, BOB = user("Alice"), user("Bob")
NOW = at(23, 12)
BERLIN = ZoneInfo("Europe/Berlin")


def timeline(*shifts):
    since, until = gap_window(NOW)  # 00:00 today to 12:00 tomorrow (UTC)
    return build_timeline(SCHEDULE, list(shifts), since, until, NOW)


def test_gaps_now_and_within_24_hours_only():
    # nobody 00:00-08:00 (over), Alice 08:00-14:00, nobody 14:00-16:00, Bob 16:00 until 10:00 tomorrow,
    # nobody from 10:00 tomorrow (inside the 24 h) and the window ends at 12:00 tomorrow
    t = timeline(shift(ALICE, at(23, 8), at(23, 14)), shift(BOB, at(23, 16), at(24, 10)))
    gaps = coverage_gaps(t, NOW)
    assert [(g.start, g.end) for g in gaps] == [(at(23, 14), at(23, 16)), (at(24, 10), at(24, 12))]
    assert gap_text(t, gaps[0], NOW, BERLIN) == (
        "Coverage gap ahead: Platform Primary",
        "Nobody will be on call from today at 15:00, until 17:00 today (2 h).",
    )
    assert gap_text(t, gaps[1], NOW, BERLIN)[1] == (
        "Nobody will be on call from tomorrow at 11:00, for the next 24 h at least."
    )


def test_a_gap_running_now_and_its_keys():
    t = timeline(shift(ALICE, at(23, 3), at(23, 9)), shift(BOB, at(23, 15), at(24, 12)))
    [gap] = coverage_gaps(t, NOW)
    assert (gap.start, gap.end) == (at(23, 9), at(23, 15))
    assert gap_text(t, gap, NOW, BERLIN) == (
        "Nobody on call: Platform Primary",
        "Nobody is on call now, until 16:00 today (3 h).",
    )
    assert gap_key(t, gap) == f"gap:{SCHEDULE.id}:{at(23, 9).isoformat()}"
    # seen an hour later, from a window that starts an hour later: the same gap, the same key
    hour_later = NOW + timedelta(hours=1)
    same = [shift(ALICE, at(23, 3), at(23, 9)), shift(BOB, at(23, 15), at(24, 12))]
    later = build_timeline(SCHEDULE, same, *gap_window(hour_later), hour_later)
    assert gap_key(later, coverage_gaps(later, hour_later)[0]) == gap_key(t, gap)


def test_a_gap_older_than_the_window_is_keyed_as_ongoing():
    t = timeline(shift(BOB, at(23, 20), at(24, 12)))
    [gap] = coverage_gaps(t, NOW)
    assert gap.start == t.since and gap_key(t, gap) == f"gap:{SCHEDULE.id}:ongoing"


def test_scheduler_tells_each_gap_once_and_only_when_asked_to(scheduler, tmp_path):  # noqa: F811
    t = timeline(shift(ALICE, at(23, 8), at(23, 14)), shift(BOB, at(23, 16), at(24, 12)))
    gaps = coverage_gaps(t, NOW)
    off, sent_off = scheduler(Clock(NOW))
    off.report_gaps(t, gaps)
    assert sent_off == []  # off by default: it is the optional one
    on, sent = scheduler(Clock(NOW), Settings(notify_coverage_gaps=True))
    on.set_pause(NOW + timedelta(hours=1))
    on.report_gaps(t, gaps)
    assert sent == []  # paused: not told, and not marked as told
    on.set_pause(None)
    on.report_gaps(t, gaps)
    on.report_gaps(t, gaps)
    assert [n.message.title for n in sent] == ["Coverage gap ahead: Platform Primary"]
    assert sent[0].schedule_id == SCHEDULE.id
    again, sent_again = scheduler(Clock(NOW + timedelta(minutes=5)), Settings(notify_coverage_gaps=True))
    again.report_gaps(t, gaps)
    assert sent_again == []  # across a restart too


def test_the_demo_schedule_with_nobody_on_call_has_a_gap_now(demo):
    async def go():
        async with PagerDutyClient(demo.token, base_url=demo.url) as client:
            now = datetime.now(UTC)
            found = {}
            for schedule in await queries.schedules(client):
                t = await queries.timeline_between(client, schedule.id, *gap_window(now), now)
                found[schedule.name] = [g for g in coverage_gaps(t, now) if g.start <= now]
            return found

    running_now = {name for name, gaps in run(go()).items() if gaps}
    assert "Security Triage" in running_now
    assert "Platform Primary" not in running_now
