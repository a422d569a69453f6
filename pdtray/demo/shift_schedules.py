"""Shift-based (v3) demo schedules, rendered the way PagerDuty's v3 Schedules API describes them.

A schedule has rotations; a rotation has events, each an iCalendar-style event: a first occurrence given as wall
clock times in a zone, an RRULE that repeats it, and an effective period. Each occurrence is one shift: a
rotating-member event hands its shifts to its members in turn (``shifts_per_member`` at a time), an every-member
event puts all its members on at once. Several rotations may overlap, so several people can be on call at the
same moment. Custom shifts add one person for a stretch; overrides replace one member of one source.

Occurrences repeat on the wall clock of the event's zone (an 08:00 handoff stays at 08:00 across a DST change),
as RRULEs with a zoned DTSTART do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

#: a member slot that is empty on purpose (PagerDuty's ``empty_member``)
EMPTY = ""


@dataclass(frozen=True)
class ShiftEvent:
    id: str
    name: str
    #: the first occurrence, as wall-clock times in ``time_zone``
    first_start: datetime
    first_end: datetime
    time_zone: str
    recurrence: tuple[str, ...]
    effective_since: datetime
    effective_until: datetime | None
    #: "rotating_member_assignment_strategy" or "every_member_assignment_strategy"
    strategy: str
    #: user IDs, or EMPTY for an intentionally empty slot
    members: tuple[str, ...]
    shifts_per_member: int = 1


@dataclass(frozen=True)
class Rotation:
    id: str
    events: tuple[ShiftEvent, ...]


@dataclass(frozen=True)
class CustomShift:
    id: str
    user: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ShiftOverride:
    id: str
    start: datetime
    end: datetime
    overridden: str
    overriding: str
    rotation_id: str | None = None
    custom_shift_id: str | None = None


@dataclass
class ShiftSchedule:
    id: str
    name: str
    description: str
    time_zone: str
    rotations: list[Rotation] = field(default_factory=list)
    custom_shifts: list[CustomShift] = field(default_factory=list)
    overrides: list[ShiftOverride] = field(default_factory=list)


@dataclass(frozen=True)
class Assignment:
    """One computed shift assignment: ``user`` EMPTY is an empty slot."""

    user: str
    start: datetime
    end: datetime
    #: schedule_rotation, custom_shift, schedule_rotation_override or custom_shift_override
    source: str
    rotation_id: str | None = None
    shift_id: str | None = None
    override_id: str | None = None


def occurrences(event: ShiftEvent, since: datetime, until: datetime) -> list[tuple[int, datetime, datetime]]:
    """(index, start, end) of the event's occurrences overlapping [since, until) within its effective period;
    the index counts from the first occurrence, which is how a rotating event picks the member."""
    zone = ZoneInfo(event.time_zone)
    first = event.first_start.astimezone(zone).replace(tzinfo=None)
    length = event.first_end.astimezone(zone).replace(tzinfo=None) - first  # wall-clock length
    lo = max(since, event.effective_since)
    hi = until if event.effective_until is None else min(until, event.effective_until)
    if lo >= hi:
        return []
    if not event.recurrence:
        starts = [first]
    else:
        rule = rrulestr("\n".join(event.recurrence), dtstart=first, forceset=True)
        horizon = hi.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
        starts = list(rule.between(first, horizon, inc=True))
    found = []
    for index, naive in enumerate(starts):
        start = naive.replace(tzinfo=zone)
        end = (naive + length).replace(tzinfo=zone)
        if end > lo and start < hi:
            found.append((index, max(start, lo), min(end, hi)))
    return found


def _event_assignments(rotation: Rotation, event: ShiftEvent, since: datetime, until: datetime) -> list[Assignment]:
    out = []
    for index, start, end in occurrences(event, since, until):
        if event.strategy == "every_member_assignment_strategy":
            members = event.members
        else:
            members = (event.members[(index // max(1, event.shifts_per_member)) % len(event.members)],)
        out += [Assignment(m, start, end, "schedule_rotation", rotation_id=rotation.id) for m in members]
    return out


def _apply_override(assignments: list[Assignment], override: ShiftOverride) -> list[Assignment]:
    """Within the override's window, the overridden member of its source is replaced by the overriding one."""
    result = []
    for a in assignments:
        same_source = (override.rotation_id is not None and a.rotation_id == override.rotation_id) or (
            override.custom_shift_id is not None and a.shift_id == override.custom_shift_id
        )
        lo, hi = max(a.start, override.start), min(a.end, override.end)
        if not same_source or a.user != override.overridden or lo >= hi:
            result.append(a)
            continue
        if a.start < lo:
            result.append(Assignment(a.user, a.start, lo, a.source, a.rotation_id, a.shift_id))
        kind = "schedule_rotation_override" if override.rotation_id else "custom_shift_override"
        result.append(Assignment(override.overriding, lo, hi, kind, a.rotation_id, a.shift_id, override.id))
        if hi < a.end:
            result.append(Assignment(a.user, hi, a.end, a.source, a.rotation_id, a.shift_id))
    return result


def render_assignments(schedule: ShiftSchedule, since: datetime, until: datetime) -> list[Assignment]:
    """The computed shift assignments over [since, until), clipped to it, in start order."""
    assignments: list[Assignment] = []
    for rotation in schedule.rotations:
        for event in rotation.events:
            assignments += _event_assignments(rotation, event, since, until)
    for shift in schedule.custom_shifts:
        if shift.end > since and shift.start < until:
            assignments.append(
                Assignment(
                    shift.user, max(shift.start, since), min(shift.end, until), "custom_shift", shift_id=shift.id
                )
            )
    for override in schedule.overrides:
        assignments = _apply_override(assignments, override)
    return sorted(assignments, key=lambda a: (a.start, a.end, a.user))


def coverage(assignments: list[Assignment], since: datetime, until: datetime) -> float:
    """Percent of [since, until) with at least one person on call."""
    spans = sorted((a.start, a.end) for a in assignments if a.user != EMPTY)
    covered = timedelta(0)
    cursor = since
    for start, end in spans:
        start = max(start, cursor)
        if end > start:
            covered += end - start
            cursor = end
    total = (until - since).total_seconds()
    return round(100 * covered.total_seconds() / total, 2) if total > 0 else 0.0


def on_call_at(schedule: ShiftSchedule, moment: datetime) -> list[Assignment]:
    return [a for a in render_assignments(schedule, moment, moment + timedelta(seconds=1)) if a.user != EMPTY]
