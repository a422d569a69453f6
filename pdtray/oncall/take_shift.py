"""Which stretch an "I'll take it" covers, and how PagerDuty must be asked for it.

PagerDuty refuses overrides in the past, and taking over a shift that is half done means taking its rest, so the
start is never earlier than ``now``. Gaps can be taken too: covering a gap is the commonest reason to do this.

A layer-based schedule has one kind of change: an override puts someone on call instead of whoever the layers
say. A shift-based schedule has two (PagerDuty's v3 upgrade guide): an override replaces one member of one
source (a rotation or a custom shift), so it must name both; and where nobody is to be replaced (a gap), or
someone is to be added beside the people on call, the change is a custom shift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from pdtray.oncall.human_time import format_at
from pdtray.oncall.models import User
from pdtray.oncall.timeline_models import ShiftSource, Timeline, TimelineEntry

#: replace whoever is on call (layer-based), or one member of one rotation or custom shift (shift-based)
TAKE_OVER = "take over"
#: a custom shift where nobody is on call (shift-based)
COVER_GAP = "cover gap"
#: a custom shift beside the people on call (shift-based)
ADD_RESPONDER = "add responder"


class NothingToTake(ValueError):
    """The moment is outside the timeline, or its entry is already over or already the taker's."""


@dataclass(frozen=True)
class ShiftToTake:
    start: datetime
    end: datetime
    #: who is replaced (None: a gap, or an extra responder who replaces nobody)
    from_user: User | None
    how: str = TAKE_OVER
    #: the source of ``from_user``'s shift, which a shift-based override names
    source: ShiftSource | None = None


def entry_at(timeline: Timeline, at: datetime) -> TimelineEntry | None:
    return next((e for e in timeline.entries if e.start <= at < e.end), None)


def shift_to_take(
    timeline: Timeline, me: User, now: datetime, at: datetime | None = None, *, extra: bool = False
) -> ShiftToTake:
    """What to ask for at ``at`` (default ``now``), clipped to start no earlier than ``now``.

    ``extra``: add ``me`` beside whoever is on call (shift-based schedules only) instead of replacing them."""
    moment = at or now
    if moment < now:
        raise NothingToTake("that moment has passed, and overrides can only start from now on")
    entry = entry_at(timeline, moment)
    if entry is None:
        raise NothingToTake(f"the timeline of {timeline.schedule.name} does not cover that moment")
    if entry.end <= now:
        raise NothingToTake("that shift is already over")
    if any(person.id == me.id for person in entry.people):
        raise NothingToTake("you are already on call then")
    start = max(entry.start, now)
    if extra:
        if not timeline.schedule.shift_based:
            raise NothingToTake("only a shift-based schedule can have an extra responder; take the shift instead")
        return ShiftToTake(start, entry.end, None, ADD_RESPONDER)
    if entry.is_gap:
        return ShiftToTake(start, entry.end, None, COVER_GAP if timeline.schedule.shift_based else TAKE_OVER)
    if not timeline.schedule.shift_based:
        return ShiftToTake(start, entry.end, entry.user)
    for person in entry.people:
        source = entry.source_of(person.id)
        if source is not None and source.overridable:
            first, last = _their_shift(timeline, entry, person.id, source)
            return ShiftToTake(max(first, now), last, person, TAKE_OVER, source)
    raise NothingToTake(
        "PagerDuty did not say which rotation that shift comes from, so it cannot be overridden; "
        "add yourself as an extra responder instead"
    )


def _their_shift(
    timeline: Timeline, entry: TimelineEntry, user_id: str, source: ShiftSource
) -> tuple[datetime, datetime]:
    """The whole of one person's shift from one source around ``entry``: others coming and going beside them
    (another rotation overlapping) cut the timeline into stretches, but the override is of their shift."""
    entries = timeline.entries
    index = entries.index(entry)
    first = last = index
    while (
        first > 0 and entries[first - 1].source_of(user_id) == source and entries[first - 1].end == entries[first].start
    ):
        first -= 1
    while (
        last + 1 < len(entries)
        and entries[last + 1].source_of(user_id) == source
        and entries[last + 1].start == entries[last].end
    ):
        last += 1
    return entries[first].start, entries[last].end


@dataclass(frozen=True)
class Confirmation:
    title: str
    question: str
    detail: str
    button: str


def confirmation(timeline: Timeline, shift: ShiftToTake, now: datetime, tz: tzinfo | None) -> Confirmation:
    """What to ask before the change, saying which kind of change PagerDuty will record (the tray's dialog and
    the command line's prompt say the same)."""
    name = timeline.schedule.name
    span = f"from {format_at(shift.start, now, tz)} to {format_at(shift.end, now, tz)}"
    if shift.how == ADD_RESPONDER:
        entry = entry_at(timeline, shift.start)
        others = " + ".join(p.display_name for p in entry.people) if entry else "the people on call"
        return Confirmation(
            "Add yourself as an extra responder?",
            f"Be on call for {name} {span}, beside {others}?",
            "PagerDuty records it as a custom shift in your name; nobody is taken off call.",
            "Add me",
        )
    if shift.how == COVER_GAP:
        return Confirmation(
            "Cover this gap?",
            f"Put yourself on call for {name} {span}? Nobody is on call then.",
            "PagerDuty records it as a custom shift in your name.",
            "Cover it",
        )
    whose = shift.from_user.display_name if shift.from_user else "nobody (a gap)"
    if timeline.schedule.shift_based and shift.from_user is not None:
        rotation = "custom shift" if shift.source and shift.source.rotation_id is None else "rotation"
        detail = (
            f"PagerDuty records it as an override of {whose}'s shift in that {rotation}, in your name; anyone else "
            "on call then stays on call."
        )
    else:
        detail = f"Now on call: {whose}. PagerDuty records it as an override in your name."
    instead = f", instead of {whose}" if shift.from_user is not None else ""
    return Confirmation("Take this shift?", f"Put yourself on call for {name} {span}{instead}?", detail, "Take it")
