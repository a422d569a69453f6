"""Who is on call now (one /oncalls answer for all schedules) and my shifts. Expectations by hand."""

from __future__ import annotations

from builders import at, row, user

from pdtray.oncall import active_rows, by_schedule, my_shifts

ALICE, GRACE, CARMEN, DEMO = user("Alice"), user("Grace"), user("Carmen"), user("Demo")
NOW = at(22, 14, 24)


def test_active_rows_are_half_open_and_deduplicated():
    rows = [
        row(ALICE, at(22, 14), at(22, 14, 24)),  # ended exactly now: no longer on call
        row(CARMEN, at(22, 14, 24), at(23, 8), schedule="Payments Primary", policy="Payments"),  # starts now
        row(GRACE, None, None, schedule=None, level=3),  # direct target: always on call
        row(GRACE, None, None, schedule=None, level=3),  # the same row twice
        row(DEMO, at(22, 14, 34), at(23, 2, 32)),  # starts in 10 minutes
    ]
    active = active_rows(rows, NOW)
    assert [(r.user.name, r.source_name) for r in active] == [
        ("Carmen", "Payments Primary"),
        ("Grace", "Platform (direct)"),
    ]


def test_by_schedule_folds_levels_of_one_person():
    rows = [
        row(ALICE, at(22, 14), at(22, 14, 34), policy="Platform", level=1),
        row(ALICE, at(22, 14), at(22, 14, 34), policy="Mobile", level=2),
        row(GRACE, at(22, 14), at(29, 14), schedule="Platform Secondary", policy="Platform", level=2),
        row(GRACE, at(22, 14), at(29, 14), schedule="Platform Secondary", policy="Payments", level=3),
        row(GRACE, None, None, schedule=None, level=3),
        row(CARMEN, at(23, 8), at(24, 8), schedule="Payments Primary"),  # not yet
    ]
    grouped = by_schedule(rows, NOW)
    assert set(grouped) == {"RPLATFORMPRIMARY", "RPLATFORMSECONDARY"}
    primary = grouped["RPLATFORMPRIMARY"]
    assert primary.schedule.name == "Platform Primary"
    [alice] = primary.people
    assert (alice.user, alice.levels, alice.until) == (ALICE, (1, 2), at(22, 14, 34))
    secondary = grouped["RPLATFORMSECONDARY"]
    assert [(p.user.name, p.levels, p.until) for p in secondary.people] == [("Grace", (2, 3), at(29, 14))]
    assert secondary.lowest_level == 2


def test_by_schedule_with_two_people_orders_by_level():
    rows = [
        row(GRACE, at(22, 0), at(23, 0), level=2),
        row(ALICE, at(22, 0), at(22, 18), level=1),
    ]
    [entry] = by_schedule(rows, NOW).values()
    assert [(p.user.name, p.levels) for p in entry.people] == [("Alice", (1,)), ("Grace", (2,))]


def test_my_shifts_now_upcoming_merged_and_sorted():
    rows = [
        # my 12-hour shift, split by PagerDuty at an override seam: one shift to me
        row(DEMO, at(22, 14, 34), at(22, 20), level=1),
        row(DEMO, at(22, 20), at(23, 2, 32), level=1),
        # the same hours at level 2 of another policy: a different seat
        row(DEMO, at(22, 14, 34), at(23, 2, 32), policy="Mobile", level=2),
        row(DEMO, at(28, 8), at(29, 8), schedule="Payments Primary", policy="Payments"),
        row(DEMO, at(24, 8), at(25, 8), schedule="Payments Primary", policy="Payments"),
        row(DEMO, None, None, schedule=None, policy="Databases", level=2),  # targeted directly: on call now
        row(DEMO, at(21, 8), at(22, 8), schedule="Payments Primary", policy="Payments"),  # over
        row(ALICE, at(22, 14), at(22, 14, 34)),  # not me
    ]
    mine = my_shifts(DEMO, rows, NOW)
    assert [(r.source_name, r.start, r.end) for r in mine.on_call_now] == [("Databases (direct)", None, None)]
    assert [(r.source_name, r.escalation_level, r.start, r.end) for r in mine.upcoming] == [
        ("Platform Primary", 1, at(22, 14, 34), at(23, 2, 32)),
        ("Platform Primary", 2, at(22, 14, 34), at(23, 2, 32)),
        ("Payments Primary", 1, at(24, 8), at(25, 8)),
        ("Payments Primary", 1, at(28, 8), at(29, 8)),
    ]
    assert mine.next_shift.end - mine.next_shift.start == at(23, 2, 32) - at(22, 14, 34)


def test_my_shift_running_now_with_an_open_end():
    rows = [row(DEMO, at(20, 9), None)]
    mine = my_shifts(DEMO, rows, NOW)
    assert [r.end for r in mine.on_call_now] == [None]
    assert mine.on_call_now[0].permanent
    assert mine.upcoming == ()


def test_no_shifts():
    mine = my_shifts(DEMO, [], NOW)
    assert (mine.on_call_now, mine.upcoming, mine.next_shift) == ((), (), None)
