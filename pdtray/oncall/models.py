"""The on-call facts pdtray works with, independent of PagerDuty's JSON and of Qt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class User:
    id: str
    name: str
    email: str | None = None
    html_url: str | None = None
    time_zone: str | None = None
    #: the user was deleted or deactivated; PagerDuty still shows them in past and some future entries
    deleted: bool = False

    @property
    def display_name(self) -> str:
        return f"{self.name} (deleted)" if self.deleted else self.name


@dataclass(frozen=True, slots=True)
class Ref:
    """A schedule or escalation policy as other objects mention it: enough to name and link it."""

    id: str
    name: str
    html_url: str | None = None


#: a layer-based schedule (GET /schedules/{id}) and a shift-based one (GET /v3/schedules/{id})
LAYER_BASED = "layer"
SHIFT_BASED = "shift"


@dataclass(frozen=True, slots=True)
class Schedule:
    id: str
    name: str
    description: str = ""
    time_zone: str = "UTC"
    html_url: str | None = None
    #: IDs of the users in the schedule's layers: how "the schedules I am in" is found
    member_ids: tuple[str, ...] = ()
    #: used by at least one escalation policy; PagerDuty's /oncalls only knows schedules that are
    used_by_policies: bool = True
    #: the schedule's calendar feed (webcal:// where PagerDuty gives one), for subscribing in a calendar app
    calendar_url: str | None = None
    #: LAYER_BASED or SHIFT_BASED: which API reads its timeline, and whether several people can be on call at once
    kind: str = LAYER_BASED
    #: a shift-based list item is a bare reference: name only, until the schedule itself has been read
    details_known: bool = True

    @property
    def shift_based(self) -> bool:
        return self.kind == SHIFT_BASED

    @property
    def ref(self) -> Ref:
        return Ref(self.id, self.name, self.html_url)


@dataclass(frozen=True, slots=True)
class OnCall:
    """One /oncalls row: ``user`` is on call at ``escalation_level`` of a policy, through a schedule or directly.

    ``start`` None means on call since forever, ``end`` None means never goes off call (a user targeted directly by
    an escalation rule has both None and ``schedule`` None).
    """

    user: User
    escalation_policy: Ref
    escalation_level: int
    schedule: Ref | None
    start: datetime | None
    end: datetime | None

    def is_active(self, now: datetime) -> bool:
        return (self.start is None or self.start <= now) and (self.end is None or now < self.end)

    @property
    def permanent(self) -> bool:
        return self.end is None

    @property
    def source_name(self) -> str:
        """What the row is "on call for", as a person would say it."""
        return self.schedule.name if self.schedule else f"{self.escalation_policy.name} (direct)"


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


@dataclass(frozen=True)
class MyShifts:
    """The token user's on-call rows: what is running now and what comes next, soonest first."""

    user: User
    on_call_now: tuple[OnCall, ...]
    upcoming: tuple[OnCall, ...]

    @property
    def next_shift(self) -> OnCall | None:
        return self.upcoming[0] if self.upcoming else None
