"""One schedule's timeline for a window: every handoff, with the gaps PagerDuty leaves out made explicit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import pairwise

from pdtray.oncall.models import Schedule, User
from pdtray.oncall.timeline_models import ScheduledShift, ShiftSource, Timeline, TimelineEntry

DEFAULT_HOURS = 24


def timeline_window(now: datetime, hours: int = DEFAULT_HOURS) -> tuple[datetime, datetime]:
    return now, now + timedelta(hours=hours)


def build_timeline(
    schedule: Schedule,
    shifts: Iterable[ScheduledShift],
    since: datetime,
    until: datetime,
    now: datetime,
    *,
    coverage: float | None = None,
) -> Timeline:
    """Cuts the window at every shift's start and end, says who is on call in each piece (nobody: a gap), joins
    neighbouring pieces with the same people, and flags the stretch that contains ``now``.

    A layer-based schedule's final layer has one person at a time; a shift-based one may have several (overlapping
    rotations, custom shifts adding a responder), and then a stretch holds them all. Empty-member slots are gaps.
    """
    if until <= since:
        raise ValueError("a timeline needs until after since")
    staffed = sorted(
        (
            (max(s.start, since), min(s.end, until), s)
            for s in shifts
            if s.user is not None and s.end > since and s.start < until and s.end > s.start
        ),
        key=lambda item: (item[0], item[1]),
    )
    if not schedule.shift_based:
        staffed = _one_at_a_time(staffed)
    # Equal moments may carry different UTC offsets: keep PagerDuty's own (a shift's), not the window's.
    points: dict[datetime, datetime] = {}
    for start, end, _ in staffed:
        points.setdefault(start, start)
        points.setdefault(end, end)
    points.setdefault(since, since)
    points.setdefault(until, until)
    cuts = sorted(points.values())
    pieces: list[TimelineEntry] = []
    for start, end in pairwise(cuts):
        here: dict[str, tuple[User, ShiftSource | None]] = {}
        for s_start, s_end, shift in staffed:
            if s_start <= start and end <= s_end:
                assert shift.user is not None
                # one person from two sources (a rotation and a custom shift) is one person on call
                here.setdefault(shift.user.id, (shift.user, shift.source))
        people = sorted((user for user, _ in here.values()), key=lambda u: (u.name.casefold(), u.id))
        sources = tuple((uid, source) for uid, (_, source) in sorted(here.items()) if source is not None)
        piece = TimelineEntry(
            user=people[0] if people else None, start=start, end=end, also=tuple(people[1:]), sources=sources
        )
        last = pieces[-1] if pieces else None
        if last is not None and _same_people(last, piece):
            pieces[-1] = replace(last, end=end)
        else:
            pieces.append(piece)
    entries = tuple(replace(e, current=e.start <= now < e.end) for e in pieces)
    return Timeline(schedule=schedule, since=since, until=until, entries=entries, coverage=coverage)


def _one_at_a_time(
    staffed: list[tuple[datetime, datetime, ScheduledShift]],
) -> list[tuple[datetime, datetime, ScheduledShift]]:
    """A layer-based final schedule never overlaps itself; should a malformed answer overlap, the entry that began
    first keeps its time and the next one starts where it ends, so that two people are never drawn in one place."""
    kept = []
    cursor: datetime | None = None
    for start, end, shift in staffed:
        if cursor is not None and end <= cursor:
            continue
        start = max(start, cursor) if cursor is not None else start
        kept.append((start, end, shift))
        cursor = end
    return kept


def _same_people(a: TimelineEntry, b: TimelineEntry) -> bool:
    return [u.id for u in a.people] == [u.id for u in b.people] and a.sources == b.sources


def lane_layout(timeline: Timeline) -> list[list[tuple[int, User]]]:
    """For each entry, (lane, person) pairs: a person keeps the lane they had in the entry before when it is
    free, so that a bar drawn lane by lane shows each shift as one unbroken block while others come and go."""
    layout: list[list[tuple[int, User]]] = []
    previous: dict[str, int] = {}
    for entry in timeline.entries:
        placed: dict[str, int] = {}
        for person in entry.people:
            if person.id in previous and previous[person.id] not in placed.values():
                placed[person.id] = previous[person.id]
        for person in entry.people:
            if person.id not in placed:
                placed[person.id] = next(lane for lane in range(len(entry.people) + 1) if lane not in placed.values())
        layout.append(sorted(((placed[p.id], p) for p in entry.people), key=lambda item: item[0]))
        previous = placed
    return layout
