"""A schedule's timeline as pdtray works with it: the shifts PagerDuty renders, and the stretches they make.

Apart from the people and schedules in ``models``: the tray's first icon, drawn from the cache before anything else
loads, needs those and not these, and each frozen dataclass costs about half a millisecond to create at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pdtray.oncall.models import Schedule, User


@dataclass(frozen=True)
class ShiftSource:
    """Where a shift-based schedule's shift comes from: what an override of it must name."""

    #: schedule_rotation, custom_shift, schedule_rotation_override or custom_shift_override
    type: str
    rotation_id: str | None = None
    shift_id: str | None = None

    @property
    def overridable(self) -> bool:
        """An override names a rotation or a custom shift; one made from another override has the same source."""
        return self.rotation_id is not None or self.shift_id is not None


@dataclass(frozen=True)
class ScheduledShift:
    """One rendered entry of a schedule's final layer (layer-based), or one computed shift assignment
    (shift-based), as PagerDuty sends it, before gaps are made explicit."""

    #: None: a shift-based schedule's intentionally empty slot (an ``empty_member``), which is a gap
    user: User | None
    start: datetime
    end: datetime
    source: ShiftSource | None = None


@dataclass(frozen=True)
class TimelineEntry:
    """A stretch of a timeline in which the same people are on call, or a gap (``user`` None) where nobody is.

    ``user`` is the first of them; on a shift-based schedule several people may be on call at once, and the others
    are in ``also`` (the order is by name, so that a person keeps their lane across stretches where possible).
    """

    user: User | None
    start: datetime
    end: datetime
    current: bool = False
    also: tuple[User, ...] = ()
    #: where each person's shift comes from (shift-based schedules), by user ID
    sources: tuple[tuple[str, ShiftSource], ...] = ()

    @property
    def is_gap(self) -> bool:
        return self.user is None

    @property
    def people(self) -> tuple[User, ...]:
        return () if self.user is None else (self.user, *self.also)

    def source_of(self, user_id: str) -> ShiftSource | None:
        return next((source for uid, source in self.sources if uid == user_id), None)


@dataclass(frozen=True)
class Timeline:
    schedule: Schedule
    since: datetime
    until: datetime
    entries: tuple[TimelineEntry, ...]
    #: PagerDuty's ``rendered_coverage_percentage`` for the window (shift-based schedules; None if not given)
    coverage: float | None = None

    @property
    def lanes(self) -> int:
        """How many people are on call at once at most: how many lanes the timeline needs."""
        return max((len(e.people) for e in self.entries), default=0) or 1

    def covered_fraction(self) -> float:
        """The share of the window someone is on call, worked out from the entries (any kind of schedule)."""
        total = (self.until - self.since).total_seconds()
        covered = sum((e.end - e.start).total_seconds() for e in self.entries if not e.is_gap)
        return covered / total if total > 0 else 0.0

    @property
    def current(self) -> TimelineEntry | None:
        return next((e for e in self.entries if e.current), None)

    def next_handoff(self, now: datetime) -> datetime | None:
        """When whoever (or nobody) is on call now changes, if that falls inside the timeline."""
        for entry in self.entries:
            if entry.start <= now < entry.end:
                return entry.end if entry.end < self.until else None
            if entry.start > now:
                return entry.start
        return None
