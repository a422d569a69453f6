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
class MyShifts:
    """The token user's on-call rows: what is running now and what comes next, soonest first."""

    user: User
    on_call_now: tuple[OnCall, ...]
    upcoming: tuple[OnCall, ...]

    @property
    def next_shift(self) -> OnCall | None:
        return self.upcoming[0] if self.upcoming else None
