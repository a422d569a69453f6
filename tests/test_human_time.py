"""Times as a person reads them. ``NOW`` is Sunday 2026-11-22 15:24 in Berlin (UTC+1)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from builders import at

from pdtray.oncall.human_time import capitalized, format_at, format_duration, format_relative, format_until

BERLIN = ZoneInfo("Europe/Berlin")
NOW = at(22, 14, 24)


@pytest.mark.parametrize(
    ("end", "text"),
    [
        (at(22, 16), "until 17:00 today"),
        (at(23, 8), "until tomorrow 09:00"),
        (at(24, 8), "until Tue 09:00"),
        (at(28, 8), "until Sat 09:00"),
        (at(29, 8), "until 29 Nov 09:00"),  # a week away: a weekday name would be ambiguous
        (at(5, 8, month=1, year=2027), "until 5 Jan 2027 09:00"),
        (at(22, 23, 30), "until tomorrow 00:30"),  # still the 22nd in UTC, already the 23rd in Berlin
        (None, "until further notice"),
    ],
)
def test_format_until(end, text):
    assert format_until(end, NOW, BERLIN) == text


def test_format_at_and_capitalized():
    assert format_at(at(23, 8), NOW, BERLIN) == "tomorrow at 09:00"
    assert capitalized(format_at(at(23, 8), NOW, BERLIN)) == "Tomorrow at 09:00"
    assert format_at(at(21, 8), NOW, BERLIN) == "yesterday at 09:00"


def test_day_labels_follow_the_display_zone_across_dst():
    new_york = ZoneInfo("America/New_York")
    # 11:00 EDT on Oct 31; the next 09:00 is EST, 25 hours later in UTC terms
    assert format_at(at(1, 14), at(31, 15, month=10), new_york) == "tomorrow at 09:00"


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=59), "less than a minute"),
        (timedelta(seconds=90), "2 min"),
        (timedelta(seconds=150), "3 min"),
        (timedelta(minutes=14, seconds=50), "15 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=2, minutes=15), "2 h 15 min"),
        (timedelta(hours=3), "3 h"),
        (timedelta(hours=23, minutes=59, seconds=40), "1 d"),
        (timedelta(days=1, hours=4, minutes=20), "1 d 4 h"),
        (timedelta(hours=47, minutes=50), "2 d"),
        (-timedelta(minutes=5), "5 min"),
    ],
)
def test_format_duration(delta, text):
    assert format_duration(delta) == text


def test_format_relative():
    assert format_relative(NOW + timedelta(hours=2, minutes=15), NOW) == "in 2 h 15 min"
    assert format_relative(NOW - timedelta(minutes=5), NOW) == "5 min ago"
    assert format_relative(NOW + timedelta(seconds=20), NOW) == "now"
