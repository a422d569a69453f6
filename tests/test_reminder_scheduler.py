"""The reminder scheduler with an injected clock: what it emits, when it wakes, what it remembers."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from builders import at, row, user

from pdtray.app.notification_state import load_state
from pdtray.app.reminders import ReminderScheduler
from pdtray.app.settings import Settings
from pdtray.app.snapshot import Snapshot
from pdtray.oncall import my_shifts

ME = user("Demo")
BERLIN = ZoneInfo("Europe/Berlin")
START, END = at(22, 14, 34), at(23, 2, 34)


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def scheduler(qapp, tmp_path):
    made = []

    def make(clock, settings=None):
        s = ReminderScheduler(
            settings or Settings(), state_file=tmp_path / "notifications.json", tz=lambda: BERLIN, clock=clock
        )
        sent = []
        s.notify.connect(sent.append)
        made.append(s)
        return s, sent

    yield make


def snapshot(taken_at, *rows):
    return Snapshot(taken_at, (), my_shifts(ME, list(rows) or [row(ME, START, END)], taken_at))


def titles(sent):
    return [n.message.title for n in sent]


def test_reminder_then_silence_then_restart_remembers(scheduler, tmp_path):
    clock = Clock(at(22, 14, 20))
    s, sent = scheduler(clock)
    s.update(snapshot(clock.now))
    assert titles(sent) == ["On call in 14 min: Platform Primary"]
    assert sent[0].message.body == "L1 Platform · starts today at 15:34, for 12 h."
    assert sent[0].urgent and sent[0].reminder is not None
    assert s.next_at == START  # the start notice, on the minute
    assert s._timer.isActive() and 13 * 60_000 <= s._timer.remainingTime() <= 14 * 60_000
    # to the millisecond: a coarse timer may come 5 % late, 42 s on these 14 minutes
    assert s._timer.timerType().name == "PreciseTimer"
    # recorded before it went out
    assert any(k.startswith("reminder:") for k in load_state(tmp_path / "notifications.json").sent)
    # a second instance (a restart) with the same state file sends nothing again
    again, sent_again = scheduler(Clock(at(22, 14, 25)))
    again.update(snapshot(at(22, 14, 25)))
    assert sent_again == []


def test_urgency_follows_meaning_a_heads_up_is_not_urgent_a_reminder_just_before_is(scheduler):
    # START is 22 Nov 14:34; reminders 12 h and 15 min before it
    clock = Clock(at(22, 2, 40))
    s, sent = scheduler(clock, Settings(lead_times=[43_200, 900]))
    s.update(snapshot(clock.now))
    assert titles(sent) == ["On call in 11 h 54 min: Platform Primary"]
    assert sent[0].urgent is False  # a heads-up half a day ahead: normal, it times out by itself
    clock.now = at(22, 14, 20)
    s.replan()
    assert titles(sent)[1:] == ["On call in 14 min: Platform Primary"]
    assert sent[1].urgent is True  # minutes before the shift: urgent, it stays until seen
    clock.now = START
    s.replan()
    assert [n.urgent for n in sent[2:]] == [False]  # "on call now" comes as the shift starts: nothing to act on


def test_start_notice_when_the_timer_fires(scheduler):
    clock = Clock(at(22, 14, 20))
    s, sent = scheduler(clock, Settings(lead_times=[900]))
    s.update(snapshot(clock.now))
    clock.now = START
    s.replan()  # what the timer does
    assert titles(sent)[-1] == "You're on call: Platform Primary"
    assert sent[-1].message.body == "L1 Platform · until tomorrow 03:34."


def test_shift_changes_between_refreshes(scheduler):
    clock = Clock(at(22, 10))
    s, sent = scheduler(clock, Settings(lead_times=[900]))
    tuesday = row(ME, at(24, 8), at(25, 8), schedule="Payments Primary", policy="Payments")
    s.update(snapshot(clock.now, row(ME, START, END), tuesday))
    assert sent == []  # the first refresh sets the baseline
    clock.now = at(22, 10, 1)
    wednesday = row(ME, at(25, 8), at(26, 8), schedule="Payments Primary", policy="Payments")
    s.update(snapshot(clock.now, row(ME, START, END), wednesday))
    assert titles(sent) == ["Shift changed: Payments Primary"]
    assert sent[0].message.body == "Now Wed at 09:00, for 1 d; was Tue at 09:00, for 1 d."


def test_changes_can_be_switched_off(scheduler):
    clock = Clock(at(22, 10))
    s, sent = scheduler(clock, Settings(lead_times=[900], notify_changes=False))
    s.update(snapshot(clock.now))
    s.update(snapshot(clock.now, row(ME, START, END), row(ME, at(24, 8), at(25, 8), schedule="Payments Primary")))
    assert sent == []


def test_snooze_tells_again_in_five_minutes_unless_started(scheduler):
    clock = Clock(at(22, 14, 20))
    s, sent = scheduler(clock, Settings(lead_times=[900], notify_shift_start=False))
    s.update(snapshot(clock.now))
    s.snooze(sent[0].reminder)
    assert s.next_at == at(22, 14, 25)
    clock.now = at(22, 14, 25)
    s.replan()
    assert titles(sent) == ["On call in 14 min: Platform Primary", "On call in 9 min: Platform Primary"]
    s.snooze(sent[-1].reminder)
    clock.now = at(22, 14, 35)  # started in the meantime: no snoozed reminder after the start
    s.replan()
    assert len(sent) == 2


def test_pause_holds_and_is_remembered(scheduler, tmp_path):
    clock = Clock(at(22, 14, 0))
    s, sent = scheduler(clock, Settings(lead_times=[900]))
    s.set_pause(at(22, 14, 30))
    s.update(snapshot(clock.now))
    clock.now = at(22, 14, 19)
    s.replan()
    assert sent == []
    assert load_state(tmp_path / "notifications.json").paused_until == at(22, 14, 30)
    clock.now = at(22, 14, 30)
    s.replan()
    assert titles(sent) == ["On call in 4 min: Platform Primary"]
    assert s.paused_until is None
