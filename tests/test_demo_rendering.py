"""The demo server's schedule rendering, against hand-worked schedules."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from builders import at

from pdtray.demo.rendering import DemoSchedule, Layer, Override, Restriction, render_final

DAY = timedelta(days=1)


def spans(schedule, since, until, **kw):
    return [(s.user, s.start, s.end) for s in render_final(schedule, since, until, **kw)]


def test_daily_handoff_stays_at_nine_local_across_the_dst_change():
    ny = ZoneInfo("America/New_York")
    anchor = at(30, 13, month=10).astimezone(ny)  # 09:00 EDT
    layer = Layer("L1", ("A", "B"), anchor, DAY, anchor)
    schedule = DemoSchedule("P1", "NY", "", "America/New_York", [layer])
    assert spans(schedule, at(30, 13, month=10), at(2, 14)) == [
        ("A", at(30, 13, month=10), at(31, 13, month=10)),
        ("B", at(31, 13, month=10), at(1, 14)),  # 09:00 EDT to 09:00 EST: 25 h
        ("A", at(1, 14), at(2, 14)),
    ]


def test_higher_layer_and_override_win_and_restrictions_leave_the_rest_to_lower_layers():
    base = Layer("Base", ("A",), at(22, 0), DAY, at(1, 0))
    day = Layer("Day", ("B",), at(22, 0), DAY, at(1, 0), restrictions=(Restriction(time(9), timedelta(hours=8)),))
    schedule = DemoSchedule("P2", "UTC", "", "UTC", [base, day], [Override("PO1", "C", at(22, 12), at(22, 13))])
    assert spans(schedule, at(22, 0), at(23, 0)) == [
        ("A", at(22, 0), at(22, 9)),
        ("B", at(22, 9), at(22, 12)),
        ("C", at(22, 12), at(22, 13)),
        ("B", at(22, 13), at(22, 17)),
        ("A", at(22, 17), at(23, 0)),
    ]


def test_restricted_layer_alone_leaves_gaps():
    layer = Layer("L", ("A",), at(22, 0), DAY, at(1, 0), restrictions=(Restriction(time(9), timedelta(hours=8)),))
    schedule = DemoSchedule("P3", "UTC", "", "UTC", [layer])
    assert spans(schedule, at(22, 0), at(23, 12)) == [("A", at(22, 9), at(22, 17)), ("A", at(23, 9), at(23, 12))]


def test_weekday_restriction():
    weekdays = frozenset({1, 2, 3, 4, 5})
    layer = Layer(
        "L", ("A",), at(22, 0), DAY, at(1, 0), restrictions=(Restriction(time(9), timedelta(hours=8), weekdays),)
    )
    schedule = DemoSchedule("P4", "UTC", "", "UTC", [layer])
    # 2026-11-22 is a Sunday: nothing until Monday 09:00
    assert spans(schedule, at(22, 0), at(24, 0)) == [("A", at(23, 9), at(23, 17))]


def test_half_hour_zone_twelve_hour_turns_and_overflow():
    kolkata = ZoneInfo("Asia/Kolkata")
    anchor = at(21, 4).astimezone(kolkata)  # 09:30 IST
    layer = Layer("L", ("A", "B"), anchor, timedelta(hours=12), anchor)
    schedule = DemoSchedule("P5", "Data", "", "Asia/Kolkata", [layer])
    assert spans(schedule, at(22, 0), at(23, 0)) == [
        ("B", at(22, 0), at(22, 4)),
        ("A", at(22, 4), at(22, 16)),
        ("B", at(22, 16), at(23, 0)),
    ]
    # with overflow, entries crossing the window keep their real bounds
    assert spans(schedule, at(22, 0), at(23, 0), overflow=True) == [
        ("B", at(21, 16), at(22, 4)),
        ("A", at(22, 4), at(22, 16)),
        ("B", at(22, 16), at(23, 4)),
    ]


def test_empty_schedule_renders_nothing():
    assert spans(DemoSchedule("P6", "Empty", "", "UTC"), at(22, 0), at(23, 0)) == []


def test_layer_end_stops_coverage():
    layer = Layer("L", ("A",), at(22, 0), DAY, at(1, 0), end=at(22, 6))
    assert spans(DemoSchedule("P7", "Ends", "", "UTC", [layer]), at(22, 0), at(23, 0)) == [("A", at(22, 0), at(22, 6))]
