"""Tray state, default watched schedules, tooltip text and lead times. ``NOW``: Sun 22 Nov 2026, 15:24 Berlin."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from builders import at, ref, row, user

from pdtray.oncall import Schedule, by_schedule, my_shifts
from pdtray.oncall.lead_times import format_lead_times, parse_lead_times
from pdtray.oncall.status import OnCallState, default_watched, on_call_state
from pdtray.oncall.summary import tooltip_text

BERLIN = ZoneInfo("Europe/Berlin")
NOW = at(22, 14, 24)
ME, ALICE, BOB = user("Demo"), user("Alice"), user("Bob")
TWELVE_H = timedelta(hours=12)


def test_state_on_call_soon_off():
    assert on_call_state(my_shifts(ME, [row(ME, at(22, 9), at(23, 9))], NOW), NOW, TWELVE_H) is OnCallState.ON_CALL
    assert on_call_state(my_shifts(ME, [row(ME, None, None, schedule=None)], NOW), NOW, TWELVE_H) is OnCallState.ON_CALL
    soon = my_shifts(ME, [row(ME, at(22, 14, 34), at(23, 2, 34))], NOW)
    assert on_call_state(soon, NOW, TWELVE_H) is OnCallState.SOON
    assert on_call_state(soon, NOW, timedelta(minutes=5)) is OnCallState.OFF
    # 10 minutes later the same (not yet refreshed) data says I am on call
    assert on_call_state(soon, NOW + timedelta(minutes=10), TWELVE_H) is OnCallState.ON_CALL
    later = my_shifts(ME, [row(ME, at(24, 8), at(25, 8))], NOW)
    assert on_call_state(later, NOW, TWELVE_H) is OnCallState.OFF
    assert on_call_state(my_shifts(ME, [], NOW), NOW, TWELVE_H) is OnCallState.OFF


def test_default_watched_prefers_my_schedules_then_the_first_few():
    schedules = [
        Schedule("P1", "Zeta", member_ids=("PALICE",)),
        Schedule("P2", "Alpha", member_ids=("PDEMO",)),
        Schedule("P3", "Beta"),
        Schedule("P4", "Gamma"),
        Schedule("P5", "Delta"),
    ]
    assert default_watched(schedules, "PDEMO", ["P4"]) == ["P2", "P4"]
    assert default_watched(schedules, "PNOBODY") == ["P2", "P3", "P5"]  # Alpha, Beta, Delta
    assert default_watched(schedules, None) == ["P2", "P3", "P5"]


def test_tooltip_text():
    primary, secondary, triage = ref("Platform Primary"), ref("Platform Secondary"), ref("Security Triage")
    rows = [
        row(ALICE, at(22, 14), at(22, 14, 34), level=1),
        row(ALICE, at(22, 14), at(22, 14, 34), policy="Mobile", level=2),
        row(BOB, at(22, 14), at(29, 14), schedule="Platform Secondary", level=2),
    ]
    mine = my_shifts(ME, [row(ME, at(22, 14, 34), at(23, 2, 34))], NOW)
    text = tooltip_text([primary, secondary, triage], by_schedule(rows, NOW), mine, NOW, BERLIN, updated_at=NOW)
    assert text.splitlines() == [
        "Platform Primary — Alice (L1, L2), until 15:34 today",
        "Platform Secondary — Bob (L2), until 29 Nov 15:00",
        "Security Triage — nobody on call",
        "Your next shift: Platform Primary, today at 15:34 (in 10 min)",
        "Updated 15:24",
    ]


def test_tooltip_caps_schedules_and_shows_stale_and_problem():
    watched = [ref(f"Schedule {n}") for n in range(7)]
    mine = my_shifts(ME, [row(ME, at(22, 9), at(24, 8))], NOW)
    text = tooltip_text(
        watched, {}, mine, NOW, BERLIN, updated_at=NOW - timedelta(minutes=42), stale=True, problem="offline: retrying"
    )
    assert text.splitlines()[5:] == [
        "+2 more",
        "You're on call until Tue 09:00",
        "Offline: retrying",
        "Last updated 14:42 (42 min ago) — may be out of date",
    ]


def test_tooltip_on_call_until_further_notice_and_no_shifts():
    direct = my_shifts(ME, [row(ME, None, None, schedule=None)], NOW)
    assert "You're on call until further notice" in tooltip_text([], {}, direct, NOW, BERLIN, updated_at=NOW)
    none = my_shifts(ME, [], NOW)
    assert "No shifts for you in the next 7 days" in tooltip_text([], {}, none, NOW, BERLIN, updated_at=None)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1d, 1h, 10m", [86400, 3600, 600]),
        ("15m,12h", [43200, 900]),
        ("10 min; 2 hours", [7200, 600]),
        ("", []),
        ("15m, 15m", [900]),
    ],
)
def test_parse_lead_times(text, seconds):
    assert parse_lead_times(text) == seconds


@pytest.mark.parametrize("bad", ["tomorrow", "0m", "8d", "1x"])
def test_bad_lead_times_are_named(bad):
    with pytest.raises(ValueError, match=bad):
        parse_lead_times(f"1h, {bad}")


def test_format_lead_times():
    assert format_lead_times([600, 86400, 3600]) == "1d, 1h, 10m"
    assert format_lead_times([43200, 900]) == "12h, 15m"
    assert format_lead_times([5400]) == "90m"
