"""Reminder planning with an injected clock. My shift: Platform Primary, Sun 22 Nov 14:34 to Mon 02:34 UTC."""

from __future__ import annotations

from datetime import timedelta

from builders import at, row, user

from pdtray.oncall import my_shifts
from pdtray.oncall.reminders import NOTICE_GRACE, group_shifts, plan

ME = user("Demo")
LEADS = [timedelta(hours=12), timedelta(minutes=15)]
START, END = at(22, 14, 34), at(23, 2, 34)


def mine(now, *rows):
    return my_shifts(ME, list(rows) or [row(ME, START, END)], now)


def run(now, sent=(), rows=(), refreshed=None, **kw):
    """Plans like the app does: from the last refresh's shifts (taken at ``refreshed``, a minute ago unless
    given), sends what is due, records it, and comes back at next_at."""
    snapshot_time = refreshed or now - timedelta(minutes=1)
    result = plan(mine(snapshot_time, *rows), now, leads=LEADS, sent=set(sent), **kw)
    return result, [(n.kind.value, n.lead) for n in result.due]


def test_nothing_due_early_and_the_next_moment_is_the_first_lead():
    result, due = run(at(22, 1, 0))
    assert due == []
    assert result.next_at == at(22, 2, 34)  # 12 h before 14:34


def test_each_lead_fires_once_on_its_minute():
    first, due = run(at(22, 2, 34))
    assert due == [("reminder", timedelta(hours=12))]
    sent = {n.key for n in first.due}
    again, due = run(at(22, 2, 35), sent)
    assert due == []  # exactly once
    assert again.next_at == at(22, 14, 19)  # 15 min before
    second, due = run(at(22, 14, 19), sent)
    assert due == [("reminder", timedelta(minutes=15))]
    sent |= {n.key for n in second.due}
    third, due = run(at(22, 14, 20), sent)
    assert due == [] and third.next_at == START  # then the start notice


def test_restart_with_the_sent_keys_sends_nothing_again():
    first, _ = run(at(22, 14, 19))
    sent = {n.key for n in first.due} | set(first.settled)
    _, due = run(at(22, 14, 25), sent)
    assert due == []


def test_missed_while_asleep_sends_only_the_nearest_once():
    # asleep from 01:00 to 14:25: both the 12 h and the 15 min moments passed, the shift has not started
    result, due = run(at(22, 14, 25))
    assert due == [("reminder", timedelta(minutes=15))]
    assert len(result.settled) == 1  # the 12 h one counts as sent too
    sent = {n.key for n in result.due} | set(result.settled)
    _, due = run(at(22, 14, 26), sent)
    assert due == []


def test_never_a_reminder_after_the_shift_started():
    # woke at 14:40: the shift began at 14:34; only the start notice, within its grace
    result, due = run(at(22, 14, 40))
    assert due == [("started", None)]
    # woke at 15:00: too late for the start notice as well
    result, due = run(at(22, 15, 0), refreshed=at(22, 14, 0))
    assert due == []
    assert result.next_at == END  # the end notice is still ahead


def test_start_and_end_notices_can_be_switched_off():
    _, due = run(START, notify_start=False)
    assert due == []
    result, due = run(END + timedelta(minutes=1), rows=[row(ME, at(22, 2, 34), END)], notify_end=False)
    assert due == [] and result.next_at is None


def test_end_notice_within_grace():
    shift = row(ME, at(22, 2, 34), END)
    _, due = run(END, rows=[shift])
    assert due == [("ended", None)]
    _, due = run(END + NOTICE_GRACE, rows=[shift])
    assert due == []


def test_a_moved_shift_is_a_new_shift():
    first, _ = run(at(22, 14, 19))
    sent = {n.key for n in first.due}
    moved = row(ME, START + timedelta(hours=1), END + timedelta(hours=1))
    result, due = run(at(22, 14, 25), sent, rows=[moved])
    # a new shift whose 12 h moment (03:34) has passed and that has not started: one late reminder now
    assert due == [("reminder", timedelta(hours=12))]
    assert result.next_at == at(22, 15, 19)  # and 15 min before 15:34


def test_a_shift_that_disappears_is_not_reminded():
    result, due = run(at(22, 14, 19), rows=[row(ME, at(24, 8), at(25, 8), schedule="Payments Primary")])
    assert due == []
    assert result.next_at == at(23, 20)  # 12 h before the Payments shift


def test_pause_holds_reminders_until_it_ends_if_the_shift_has_not_started():
    paused_until = at(22, 14, 30)
    result, due = run(at(22, 14, 19), paused_until=paused_until)
    assert due == []
    assert result.next_at == paused_until
    _, due = run(paused_until)  # the pause is over, the shift starts at 14:34: send now
    assert due == [("reminder", timedelta(minutes=15))]
    # a pause that lasts past the start drops the reminder (and a late start notice after the grace)
    _, due = run(at(22, 14, 50), paused_until=at(22, 14, 45))
    assert due == []


def test_permanent_on_call_has_no_reminders():
    result, due = run(at(22, 14, 0), rows=[row(ME, None, None, schedule=None)])
    assert due == [] and result.next_at is None


def test_same_hours_at_two_levels_are_one_shift():
    rows = [row(ME, START, END, level=1), row(ME, START, END, policy="Mobile", level=2)]
    [shift] = group_shifts(rows)
    assert shift.levels == "L1 Platform, L2 Mobile"
    assert shift.duration == timedelta(hours=12)
    _, due = run(at(22, 14, 19), rows=rows)
    assert due == [("reminder", timedelta(minutes=15))]


def test_dst_keeps_reminders_on_the_absolute_minute():
    # New York falls back on 1 Nov: a 09:00 EST shift is 14:00 UTC; 12 h before is 02:00 UTC, whatever the zone
    shift = row(ME, at(1, 14), at(2, 14))
    result, due = run(at(1, 1, 0), rows=[shift])
    assert result.next_at == at(1, 2)
    _, due = run(at(1, 2), rows=[shift])
    assert due == [("reminder", timedelta(hours=12))]
