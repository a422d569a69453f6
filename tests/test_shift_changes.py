"""Changes between two refreshes of my shifts. ``NOW``: Sun 22 Nov 14:00 UTC; the old window ended 29 Nov 13:59."""

from __future__ import annotations

from datetime import timedelta

from builders import at, row, user

from pdtray.oncall.reminders import group_shifts
from pdtray.oncall.shift_changes import ChangeKind, shift_changes

ME = user("Demo")
NOW = at(22, 14)
WINDOW_END = at(29, 13, 59)
PRIMARY = row(ME, at(22, 14, 34), at(23, 2, 34))
PAYMENTS_TUE = row(ME, at(24, 8), at(25, 8), schedule="Payments Primary", policy="Payments")
PAYMENTS_SAT = row(ME, at(28, 8), at(29, 8), schedule="Payments Primary", policy="Payments")


def changes(before, after, now=NOW):
    found = shift_changes(group_shifts(before), group_shifts(after), now, before_window_end=WINDOW_END)
    return [(c.kind, c.shift.source_name, c.shift.start, c.before.start if c.before else None) for c in found]


def test_no_change():
    assert changes([PRIMARY, PAYMENTS_TUE], [PRIMARY, PAYMENTS_TUE]) == []


def test_added_and_removed():
    assert changes([PRIMARY], [PRIMARY, PAYMENTS_TUE]) == [(ChangeKind.ADDED, "Payments Primary", at(24, 8), None)]
    assert changes([PRIMARY, PAYMENTS_TUE], [PRIMARY]) == [(ChangeKind.REMOVED, "Payments Primary", at(24, 8), None)]


def test_moved_by_a_swap():
    swapped = row(ME, at(25, 8), at(26, 8), schedule="Payments Primary", policy="Payments")
    assert changes([PAYMENTS_TUE, PAYMENTS_SAT], [swapped, PAYMENTS_SAT]) == [
        (ChangeKind.MOVED, "Payments Primary", at(25, 8), at(24, 8))
    ]


def test_an_override_that_shortens_my_shift_is_a_move():
    shorter = row(ME, at(22, 14, 34), at(22, 20))
    assert changes([PRIMARY], [shorter]) == [(ChangeKind.MOVED, "Platform Primary", at(22, 14, 34), at(22, 14, 34))]


def test_far_apart_on_one_schedule_is_removed_and_added():
    assert changes([PAYMENTS_TUE], [PAYMENTS_SAT]) == [
        (ChangeKind.REMOVED, "Payments Primary", at(24, 8), None),
        (ChangeKind.ADDED, "Payments Primary", at(28, 8), None),
    ]


def test_time_passing_is_not_a_change():
    # the Platform shift started; a shift beyond the old window came into view
    later = NOW + timedelta(hours=1)
    next_week = row(ME, at(29, 14, 34), at(30, 2, 34))
    assert changes([PRIMARY, PAYMENTS_TUE], [PAYMENTS_TUE, next_week], now=later) == []
