"""Coverage gaps: stretches in the next 24 hours when a watched schedule has nobody on call.

The timeline is asked for from some hours back, so that a gap already running has its real start; a gap is told
once, keyed by schedule and start, however often it is looked at again. A gap that started before the window is
keyed as "ongoing since the window's start", which still tells it only once while it lasts.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from pdtray.oncall.human_time import format_at, format_duration, format_until
from pdtray.oncall.timeline_models import Timeline, TimelineEntry

HORIZON = timedelta(hours=24)
LOOKBACK = timedelta(hours=12)


def gap_window(now: datetime) -> tuple[datetime, datetime]:
    return now - LOOKBACK, now + HORIZON


def coverage_gaps(timeline: Timeline, now: datetime, horizon: timedelta = HORIZON) -> list[TimelineEntry]:
    """Gaps running now or starting within ``horizon``."""
    return [e for e in timeline.entries if e.is_gap and e.end > now and e.start < now + horizon]


def gap_key(timeline: Timeline, gap: TimelineEntry) -> str:
    start = "ongoing" if gap.start <= timeline.since else gap.start.isoformat()
    return f"gap:{timeline.schedule.id}:{start}"


def gap_text(timeline: Timeline, gap: TimelineEntry, now: datetime, tz: tzinfo | None) -> tuple[str, str]:
    """(title, body) for a notification about ``gap``."""
    ends_in_window = gap.end < timeline.until
    length = f" ({format_duration(gap.end - max(gap.start, now))})" if ends_in_window else ""
    until = format_until(gap.end, now, tz) if ends_in_window else "for the next 24 h at least"
    if gap.start <= now:
        return f"Nobody on call: {timeline.schedule.name}", f"Nobody is on call now, {until}{length}."
    return (
        f"Coverage gap ahead: {timeline.schedule.name}",
        f"Nobody will be on call from {format_at(gap.start, now, tz)}, {until}{length}.",
    )
