"""Renders a demo schedule the way PagerDuty does: rotating layers, daily restrictions, overrides on top.

Rotations turn in the schedule's own time zone on wall-clock time, so a daily 09:00 handoff stays at 09:00 across
a DST change (the turn before the change is 23 or 25 hours long), as PagerDuty's are. A higher layer wins where
layers overlap, overrides win over every layer, and where nobody is on call there is simply no entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Restriction:
    """A daily window (in the schedule's zone) outside which the layer has nobody on call."""

    start: time
    duration: timedelta
    #: ISO weekdays (1 = Monday) on which the window opens; empty means every day
    weekdays: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Layer:
    name: str
    users: tuple[str, ...]
    rotation_virtual_start: datetime
    turn: timedelta
    start: datetime
    end: datetime | None = None
    restrictions: tuple[Restriction, ...] = ()


@dataclass(frozen=True)
class Override:
    id: str
    user: str
    start: datetime
    end: datetime


@dataclass
class DemoSchedule:
    id: str
    name: str
    description: str
    time_zone: str
    layers: list[Layer] = field(default_factory=list)  # lowest first: later layers win
    overrides: list[Override] = field(default_factory=list)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def overflow_margin(self) -> timedelta:
        """How far outside a window to render so that entries crossing its edges get their true bounds."""
        longest = [layer.turn for layer in self.layers] + [o.end - o.start for o in self.overrides]
        return max(longest, default=timedelta(0)) + timedelta(days=1)


@dataclass(frozen=True)
class Span:
    user: str
    start: datetime
    end: datetime


def _wall(naive: datetime, zone: ZoneInfo) -> datetime:
    return naive.replace(tzinfo=zone)


def layer_turns(layer: Layer, zone: ZoneInfo, since: datetime, until: datetime) -> list[Span]:
    """The layer's rotation turns overlapping [since, until), before restrictions and layer bounds."""
    if not layer.users:
        return []
    anchor = layer.rotation_virtual_start.astimezone(zone).replace(tzinfo=None)
    turn_seconds = layer.turn.total_seconds()
    # A first guess from absolute time; wall-clock turns differ from it by at most the DST shift.
    first = math.floor((since - layer.rotation_virtual_start).total_seconds() / turn_seconds) - 1
    spans = []
    index = first
    while True:
        start = _wall(anchor + index * layer.turn, zone)
        end = _wall(anchor + (index + 1) * layer.turn, zone)
        if start >= until:
            return spans
        if end > since:
            spans.append(Span(layer.users[index % len(layer.users)], start, end))
        index += 1


def _restriction_windows(
    restrictions: tuple[Restriction, ...], zone: ZoneInfo, since: datetime, until: datetime
) -> list[tuple[datetime, datetime]]:
    windows = []
    first_day: date = since.astimezone(zone).date() - timedelta(days=7)
    last_day: date = until.astimezone(zone).date() + timedelta(days=1)
    day = first_day
    while day <= last_day:
        for r in restrictions:
            if r.weekdays and day.isoweekday() not in r.weekdays:
                continue
            opens = datetime.combine(day, r.start)
            windows.append((_wall(opens, zone), _wall(opens + r.duration, zone)))
        day += timedelta(days=1)
    return windows


def layer_spans(layer: Layer, zone: ZoneInfo, since: datetime, until: datetime) -> list[Span]:
    """Who this layer has on call within [since, until): turns cut to the layer's life and restrictions."""
    lo = max(since, layer.start)
    hi = until if layer.end is None else min(until, layer.end)
    if lo >= hi:
        return []
    turns = [Span(t.user, max(t.start, lo), min(t.end, hi)) for t in layer_turns(layer, zone, lo, hi)]
    turns = [t for t in turns if t.start < t.end]
    if not layer.restrictions:
        return turns
    cut = []
    for window_start, window_end in _restriction_windows(layer.restrictions, zone, lo, hi):
        for t in turns:
            start, end = max(t.start, window_start), min(t.end, window_end)
            if start < end:
                cut.append(Span(t.user, start, end))
    cut.sort(key=lambda s: s.start)
    return cut


def render_final(schedule: DemoSchedule, since: datetime, until: datetime, *, overflow: bool = False) -> list[Span]:
    """The final schedule over [since, until), gaps omitted; clipped to the window unless ``overflow``."""
    margin = schedule.overflow_margin if overflow else timedelta(0)
    lo, hi = since - margin, until + margin
    zone = schedule.zone
    # Sources from lowest to highest priority: the layers in order, then the overrides.
    sources: list[list[Span]] = [layer_spans(layer, zone, lo, hi) for layer in schedule.layers]
    sources.append(
        [Span(o.user, max(o.start, lo), min(o.end, hi)) for o in schedule.overrides if o.end > lo and o.start < hi]
    )
    cuts = sorted({lo, hi, *(t for spans in sources for s in spans for t in (s.start, s.end) if lo < t < hi)})
    pieces: list[tuple[Span, int]] = []
    for start, end in pairwise(cuts):
        winner: tuple[str, int] | None = None
        for rank, spans in enumerate(sources):
            for span in spans:
                if span.start <= start and end <= span.end:
                    winner = (span.user, rank)
        if winner is None:
            continue
        user, rank = winner
        last = pieces[-1] if pieces else None
        # Join a stretch only where the same person continues from the same source: a layer-to-override seam
        # stays a seam, as in PagerDuty's rendering.
        if last and last[0].user == user and last[1] == rank and last[0].end == start:
            pieces[-1] = (Span(user, last[0].start, end), rank)
        else:
            pieces.append((Span(user, start, end), rank))
    spans = [span for span, _ in pieces]
    if overflow:
        return [s for s in spans if s.end > since and s.start < until]
    return spans
