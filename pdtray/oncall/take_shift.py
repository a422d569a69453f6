"""Which stretch an "I'll take it" override covers: the timeline entry running at a moment, from now on.

PagerDuty refuses overrides in the past, and taking over a shift that is half done means taking its rest, so the
start is never earlier than ``now``. Gaps can be taken too: covering a gap is the commonest reason to do this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pdtray.oncall.models import Timeline, TimelineEntry, User


class NothingToTake(ValueError):
    """The moment is outside the timeline, or its entry is already over or already the taker's."""


@dataclass(frozen=True)
class ShiftToTake:
    start: datetime
    end: datetime
    #: who is on call there now (None: a gap nobody covers)
    from_user: User | None


def entry_at(timeline: Timeline, at: datetime) -> TimelineEntry | None:
    return next((e for e in timeline.entries if e.start <= at < e.end), None)


def shift_to_take(timeline: Timeline, me: User, now: datetime, at: datetime | None = None) -> ShiftToTake:
    """The entry covering ``at`` (default ``now``), clipped to start no earlier than ``now``."""
    moment = at or now
    if moment < now:
        raise NothingToTake("that moment has passed, and overrides can only start from now on")
    entry = entry_at(timeline, moment)
    if entry is None:
        raise NothingToTake(f"the timeline of {timeline.schedule.name} does not cover that moment")
    if entry.end <= now:
        raise NothingToTake("that shift is already over")
    if entry.user is not None and entry.user.id == me.id:
        raise NothingToTake("you are already on call then")
    return ShiftToTake(max(entry.start, now), entry.end, entry.user)
