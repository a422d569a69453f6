"""What a notification says: the schedule and level, when (in local time), for how long, and who hands over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from pdtray.oncall.human_time import clock, format_at, format_duration, format_relative, format_until
from pdtray.oncall.incidents import Incident
from pdtray.oncall.models import User
from pdtray.oncall.reminders import MyShift, Notice, NoticeKind
from pdtray.oncall.shift_changes import ChangeKind, ShiftChange


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def _length(shift: MyShift) -> str:
    return f"for {format_duration(shift.duration)}" if shift.duration is not None else "with no end set"


def notice_message(notice: Notice, now: datetime, tz: tzinfo | None, handover: User | None = None) -> Message:
    shift = notice.shift
    if notice.kind is NoticeKind.REMINDER:
        title = f"On call {format_relative(shift.start, now)}: {shift.source_name}"
        body = f"{shift.levels} · starts {format_at(shift.start, now, tz)}, {_length(shift)}."
        if handover is not None:
            body += f" {handover.display_name} hands over to you."
        return Message(title, body)
    if notice.kind is NoticeKind.STARTED:
        return Message(f"You're on call: {shift.source_name}", f"{shift.levels} · {format_until(shift.end, now, tz)}.")
    return Message(
        f"Your shift ended: {shift.source_name}",
        f"{shift.levels} · ended at {clock(shift.start if shift.end is None else shift.end, tz)}.",
    )


def change_message(change: ShiftChange, now: datetime, tz: tzinfo | None) -> Message:
    shift = change.shift
    if change.kind is ChangeKind.ADDED:
        return Message(
            f"New shift: {shift.source_name}", f"{format_at(shift.start, now, tz)}, {_length(shift)} ({shift.levels})."
        )
    if change.kind is ChangeKind.REMOVED:
        return Message(
            f"Shift removed: {shift.source_name}",
            f"{format_at(shift.start, now, tz)} is no longer yours ({shift.levels}).",
        )
    assert change.before is not None
    was = change.before
    return Message(
        f"Shift changed: {shift.source_name}",
        f"Now {format_at(shift.start, now, tz)}, {_length(shift)}; "
        f"was {format_at(was.start, now, tz)}, {_length(was)}.",
    )


def incident_message(incident: Incident, now: datetime, tz: tzinfo | None) -> Message:
    """ "Incident for you: #101 Checkout latency" / "Checkout API · high urgency · triggered 7 min ago (14:03)"."""
    when = f"triggered {format_relative(incident.created_at, now)} ({clock(incident.created_at, tz)})"
    body = f"{incident.service.name} · {incident.urgency} urgency · {when}"
    return Message(f"Incident for you: {incident.label}", body)
