"""How the command line prints: the JSON shapes it promises, and plain aligned tables for people."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pdtray.oncall import MyShifts, OnCall, Schedule, Timeline, User
from pdtray.oncall.human_time import (
    clock,
    day_label,
    format_at,
    format_duration,
    format_relative,
    format_until,
)
from pdtray.oncall.models import Ref
from pdtray.oncall.timestamps import to_iso

# -- JSON ---------------------------------------------------------------------------------------------------------


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "email": user.email}


def ref_json(ref: Ref) -> dict[str, Any]:
    return {"id": ref.id, "name": ref.name}


def schedule_json(schedule: Schedule) -> dict[str, Any]:
    return {
        "id": schedule.id,
        "name": schedule.name,
        "description": schedule.description,
        # null for a shift-based schedule as listed: PagerDuty's v3 list gives references, without the zone
        "time_zone": schedule.time_zone if schedule.details_known else None,
        "html_url": schedule.html_url,
        # "layer" (layer-based, GET /schedules/{id}) or "shift" (shift-based, GET /v3/schedules/{id})
        "kind": schedule.kind,
    }


def oncall_json(row: OnCall) -> dict[str, Any]:
    return {
        "schedule": ref_json(row.schedule) if row.schedule else None,
        "escalation_policy": ref_json(row.escalation_policy),
        "escalation_level": row.escalation_level,
        "user": user_json(row.user),
        "start": to_iso(row.start),
        "end": to_iso(row.end),
    }


def timeline_json(timeline: Timeline) -> dict[str, Any]:
    s = timeline.schedule
    return {
        "schedule": {"id": s.id, "name": s.name, "time_zone": s.time_zone},
        "since": to_iso(timeline.since),
        "until": to_iso(timeline.until),
        "kind": s.kind,
        # PagerDuty's own figure for shift-based schedules (percent); null for layer-based ones
        "coverage": timeline.coverage,
        "entries": [
            {
                # the first person on call: what this field always held; "people" has everyone on call at once
                "user": user_json(e.user) if e.user else None,
                "people": [user_json(p) for p in e.people],
                "start": to_iso(e.start),
                "end": to_iso(e.end),
                "current": e.current,
            }
            for e in timeline.entries
        ],
    }


def next_json(mine: MyShifts) -> dict[str, Any]:
    return {
        "user": user_json(mine.user),
        "on_call_now": [oncall_json(r) for r in mine.on_call_now],
        "upcoming": [oncall_json(r) for r in mine.upcoming],
    }


# -- tables -------------------------------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Terminal columns: wide (East Asian) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _shorten(text: str, limit: int) -> str:
    return text if _width(text) <= limit else text[: max(1, limit - 1)] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, max_width: int = 48) -> str:
    cells = [[_shorten(c, max_width) for c in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = []
    for row in [list(headers), *cells]:
        padded = [c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def schedules_text(items: Sequence[Schedule]) -> str:
    if not items:
        return "No schedules in this account."
    rows = [
        [s.name, "shift" if s.shift_based else "layer", s.time_zone if s.details_known else "", s.id, s.description]
        for s in items
    ]
    return table(["SCHEDULE", "KIND", "TIME ZONE", "ID", "DESCRIPTION"], rows)


def _level(row: OnCall) -> str:
    return f"L{row.escalation_level}"


def oncall_text(rows: Sequence[OnCall], now: datetime, tz: tzinfo | None) -> str:
    if not rows:
        return "Nobody is on call for these schedules right now."
    body = [
        [
            row.source_name,
            row.escalation_policy.name,
            _level(row),
            row.user.display_name,
            format_until(row.end, now, tz),
        ]
        for row in rows
    ]
    return table(["ON CALL FOR", "ESCALATION POLICY", "LEVEL", "WHO", "UNTIL"], body)


def _span(start: datetime, end: datetime, now: datetime, tz: tzinfo | None) -> str:
    def stamp(t: datetime) -> str:
        day = day_label(t, now, tz)
        return clock(t, tz) if day == "today" else f"{day} {clock(t, tz)}"

    return f"{stamp(start)} – {stamp(end)}"


def _schedule_zone(schedule: Schedule) -> tzinfo | None:
    try:
        return ZoneInfo(schedule.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _offset(now: datetime, tz: tzinfo | None) -> object:
    return (now.astimezone(tz) if tz else now.astimezone()).utcoffset()


def timeline_text(timeline: Timeline, now: datetime, tz: tzinfo | None, zone_name: str) -> str:
    s = timeline.schedule
    hours = round((timeline.until - timeline.since).total_seconds() / 3600)
    zone_note = f"times in {zone_name}"
    if _offset(now, tz) != _offset(now, _schedule_zone(s)):
        zone_note += f"; the schedule's zone is {s.time_zone}"
    lines = [f"{s.name} — next {hours} h ({zone_note})"]
    rows = []
    for e in timeline.entries:
        who = "Nobody on call" if e.user is None else " + ".join(p.display_name for p in e.people)
        rows.append(["▶" if e.current else "", _span(e.start, e.end, now, tz), who, format_duration(e.end - e.start)])
    lines.append(table(["", "WHEN", "WHO", "FOR"], rows))
    handoff = timeline.next_handoff(now)
    if handoff is not None:
        lines.append(f"Next handoff {format_at(handoff, now, tz)} ({format_relative(handoff, now)}).")
    if s.shift_based:
        share = timeline.coverage if timeline.coverage is not None else 100 * timeline.covered_fraction()
        lines.append(f"{share:.0f} % covered in these {hours} h.")
    return "\n".join(lines)


def next_text(mine: MyShifts, now: datetime, tz: tzinfo | None) -> str:
    who = mine.user.display_name + (f" <{mine.user.email}>" if mine.user.email else "")
    lines = [who]
    if mine.on_call_now:
        lines.append("On call now:")
        for row in mine.on_call_now:
            lines.append(
                f"  {row.source_name} ({row.escalation_policy.name} {_level(row)}) {format_until(row.end, now, tz)}"
            )
    else:
        lines.append("Not on call now.")
    if mine.upcoming:
        lines.append("Upcoming (next 7 days):")
        rows = [
            [
                format_at(r.start, now, tz) if r.start else "",
                format_relative(r.start, now) if r.start else "",
                format_duration(r.end - r.start) if r.start and r.end else "open-ended",
                r.source_name,
                f"{r.escalation_policy.name} {_level(r)}",
            ]
            for r in mine.upcoming
        ]
        lines.append(table(["STARTS", "", "FOR", "ON CALL FOR", "POLICY"], rows))
    else:
        lines.append("No shifts in the next 7 days.")
    return "\n".join(lines)
