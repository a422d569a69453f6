"""One schedule's timeline for a window: every handoff, with the gaps PagerDuty leaves out made explicit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from pdtray.oncall.intervals import merge_touching
from pdtray.oncall.models import Schedule, ScheduledShift, Timeline, TimelineEntry

DEFAULT_HOURS = 24


def timeline_window(now: datetime, hours: int = DEFAULT_HOURS) -> tuple[datetime, datetime]:
    return now, now + timedelta(hours=hours)


def _same_person(a: TimelineEntry, b: TimelineEntry) -> bool:
    if a.user is None or b.user is None:
        return a.user is None and b.user is None
    return a.user.id == b.user.id


def build_timeline(
    schedule: Schedule, shifts: Iterable[ScheduledShift], since: datetime, until: datetime, now: datetime
) -> Timeline:
    """Orders and clips the rendered entries to [since, until), fills gaps, merges one person's back-to-back
    entries, and flags the entry that contains ``now``.

    PagerDuty's final schedule never overlaps itself, but entries are clipped defensively so that a
    malformed answer cannot draw two people in one place.
    """
    if until <= since:
        raise ValueError("a timeline needs until after since")
    clipped = sorted(
        (
            (max(s.start, since), min(s.end, until), s)
            for s in shifts
            if s.end > since and s.start < until and s.end > s.start
        ),
        key=lambda item: (item[0], item[1]),
    )
    pieces: list[TimelineEntry] = []
    cursor = since
    for start, end, shift in clipped:
        if end <= cursor:
            continue
        start = max(start, cursor)
        if start > cursor:
            pieces.append(TimelineEntry(user=None, start=cursor, end=start))
        pieces.append(TimelineEntry(user=shift.user, start=start, end=end))
        cursor = end
    if cursor < until:
        pieces.append(TimelineEntry(user=None, start=cursor, end=until))
    merged = merge_touching(
        pieces,
        same=_same_person,
        touching=lambda a, b: a.end == b.start,
        join=lambda a, b: replace(a, end=b.end),
    )
    entries = tuple(replace(e, current=e.start <= now < e.end) for e in merged)
    return Timeline(schedule=schedule, since=since, until=until, entries=entries)
