"""Timelines: gaps made explicit, one person's entries merged, the current entry flagged. Expectations by hand."""

from __future__ import annotations

from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from builders import SCHEDULE, at, shift, user

from pdtray.oncall import Schedule, build_timeline, decode_rendered_entries
from pdtray.oncall.human_time import format_duration, format_until

ALICE, BOB, CAROL = user("Alice"), user("Bob"), user("Carol")


def summary(timeline):
    return [(e.user.name if e.user else None, e.start, e.end, e.current) for e in timeline.entries]


def test_gaps_merges_and_current():
    shifts = [
        shift(ALICE, at(22, 6), at(22, 9)),
        shift(ALICE, at(22, 9), at(22, 11)),  # same person continues: one entry
        shift(BOB, at(22, 12), at(22, 15)),  # nobody 11-12
        shift(CAROL, at(22, 15), at(22, 18)),  # nobody 18-20
    ]
    timeline = build_timeline(SCHEDULE, shifts, at(22, 8), at(22, 20), now=at(22, 10, 30))
    assert summary(timeline) == [
        ("Alice", at(22, 8), at(22, 11), True),
        (None, at(22, 11), at(22, 12), False),
        ("Bob", at(22, 12), at(22, 15), False),
        ("Carol", at(22, 15), at(22, 18), False),
        (None, at(22, 18), at(22, 20), False),
    ]
    assert timeline.current.user == ALICE
    assert timeline.next_handoff(at(22, 10, 30)) == at(22, 11)


def test_entries_arrive_in_any_order():
    shifts = [shift(BOB, at(22, 12), at(22, 15)), shift(ALICE, at(22, 8), at(22, 12))]
    timeline = build_timeline(SCHEDULE, shifts, at(22, 8), at(22, 15), now=at(22, 9))
    assert [e.user.name for e in timeline.entries] == ["Alice", "Bob"]


def test_gap_now_is_the_current_entry():
    timeline = build_timeline(SCHEDULE, [shift(BOB, at(22, 12), at(22, 15))], at(22, 8), at(22, 20), now=at(22, 10, 30))
    assert summary(timeline) == [
        (None, at(22, 8), at(22, 12), True),
        ("Bob", at(22, 12), at(22, 15), False),
        (None, at(22, 15), at(22, 20), False),
    ]
    assert timeline.current.is_gap
    assert timeline.next_handoff(at(22, 10, 30)) == at(22, 12)


def test_empty_schedule_is_one_gap_with_no_handoff():
    timeline = build_timeline(SCHEDULE, [], at(22, 8), at(23, 8), now=at(22, 8))
    assert summary(timeline) == [(None, at(22, 8), at(23, 8), True)]
    assert timeline.next_handoff(at(22, 8)) is None


def test_same_person_after_a_gap_is_not_merged():
    shifts = [shift(ALICE, at(22, 8), at(22, 10)), shift(ALICE, at(22, 11), at(22, 12))]
    timeline = build_timeline(SCHEDULE, shifts, at(22, 8), at(22, 12), now=at(22, 8))
    assert [(e.user.name if e.user else None) for e in timeline.entries] == ["Alice", None, "Alice"]


def test_overlapping_entries_do_not_draw_two_people_at_once():
    shifts = [shift(ALICE, at(22, 8), at(22, 12)), shift(BOB, at(22, 11), at(22, 14))]
    timeline = build_timeline(SCHEDULE, shifts, at(22, 8), at(22, 14), now=at(22, 13))
    assert summary(timeline) == [("Alice", at(22, 8), at(22, 12), False), ("Bob", at(22, 12), at(22, 14), True)]


def test_entries_are_clipped_to_the_window_and_the_end_is_exclusive():
    shifts = [shift(ALICE, at(21, 9), at(22, 9)), shift(BOB, at(22, 9), at(23, 9))]
    timeline = build_timeline(SCHEDULE, shifts, at(22, 0), at(22, 12), now=at(22, 9))
    # at 09:00 exactly Alice has handed over: Bob is current
    assert summary(timeline) == [("Alice", at(22, 0), at(22, 9), False), ("Bob", at(22, 9), at(22, 12), True)]
    # the last handoff inside the window is the window's end: not a handoff
    assert timeline.next_handoff(at(22, 9)) is None


def test_deleted_user_stays_on_the_timeline():
    sam = user("Sam", deleted=True)
    timeline = build_timeline(SCHEDULE, [shift(sam, at(22, 8), at(22, 9))], at(22, 8), at(22, 9), now=at(22, 8))
    assert timeline.entries[0].user.display_name == "Sam (deleted)"


def test_until_must_follow_since():
    with pytest.raises(ValueError):
        build_timeline(SCHEDULE, [], at(22, 8), at(22, 8), now=at(22, 8))


def _entry(name: str, start: str, end: str) -> dict:
    return {"start": start, "end": end, "user": {"id": "P" + name.upper(), "type": "user_reference", "summary": name}}


def test_half_hour_offset_zone():
    """Asia/Kolkata is UTC+05:30: 09:30 IST is 04:00 UTC and 21:30 IST is 16:00 UTC."""
    kolkata = Schedule(id="PDATA", name="Data Pipeline", time_zone="Asia/Kolkata")
    raw = {
        "final_schedule": {
            "rendered_schedule_entries": [
                _entry("Kavya", "2026-11-21T21:30:00+05:30", "2026-11-22T09:30:00+05:30"),
                _entry("Deepak", "2026-11-22T09:30:00+05:30", "2026-11-22T21:30:00+05:30"),
                _entry("Priya", "2026-11-22T21:30:00+05:30", "2026-11-23T09:30:00+05:30"),
            ]
        }
    }
    shifts = decode_rendered_entries(raw)
    assert shifts[1].start.utcoffset() == timedelta(hours=5, minutes=30)
    timeline = build_timeline(kolkata, shifts, at(22, 0), at(23, 0), now=at(22, 5))
    assert summary(timeline) == [
        ("Kavya", at(22, 0), at(22, 4), False),
        ("Deepak", at(22, 4), at(22, 16), True),
        ("Priya", at(22, 16), at(23, 0), False),
    ]
    # Berlin is UTC+1 in November: Deepak's 16:00 UTC end is 17:00 there
    assert format_until(timeline.current.end, at(22, 5), ZoneInfo("Europe/Berlin")) == "until 17:00 today"
    # and 21:30 in the schedule's own zone
    assert format_until(timeline.current.end, at(22, 5), ZoneInfo("Asia/Kolkata")) == "until 21:30 today"


def test_dst_change_makes_a_25_hour_shift():
    """New York falls back on 2026-11-01: 09:00 EDT (13:00 UTC) to 09:00 EST (14:00 UTC) is 25 hours."""
    raw = {
        "final_schedule": {
            "rendered_schedule_entries": [
                _entry("Alice", "2026-10-31T09:00:00-04:00", "2026-11-01T09:00:00-05:00"),
                _entry("Bob", "2026-11-01T09:00:00-05:00", "2026-11-02T09:00:00-05:00"),
            ]
        }
    }
    shifts = decode_rendered_entries(raw)
    since, until = at(31, 13, month=10), at(2, 14)
    timeline = build_timeline(SCHEDULE, shifts, since, until, now=at(31, 15, month=10))
    alice, bob = timeline.entries
    assert (alice.start, alice.end) == (at(31, 13, month=10), at(1, 14))
    assert alice.end - alice.start == timedelta(hours=25)
    assert bob.end - bob.start == timedelta(hours=24)
    assert format_duration(alice.end - alice.start) == "1 d 1 h"
    new_york = ZoneInfo("America/New_York")
    assert format_until(alice.end, at(31, 15, month=10), new_york) == "until tomorrow 09:00"
    assert alice.end.utcoffset() == timedelta(hours=-5)
    assert alice.start.tzinfo == timezone(timedelta(hours=-4))
