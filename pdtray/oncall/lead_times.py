"""Reminder lead times as people type them ("1d, 1h, 10m") and as pdtray stores them (seconds)."""

from __future__ import annotations

import re

_UNITS = {"d": 86400, "h": 3600, "m": 60}
_TERM = re.compile(r"^\s*(\d+)\s*(d|h|m|min|mins|minutes?|hours?|days?)\s*$", re.IGNORECASE)
MAX_LEAD = 7 * 86400


def parse_lead_times(text: str) -> list[int]:
    """ "1d, 1h, 10m" -> [86400, 3600, 600], longest first; raises ValueError naming the part it cannot read."""
    values = set()
    for part in re.split(r"[,;]", text):
        if not part.strip():
            continue
        match = _TERM.match(part)
        if not match:
            raise ValueError(f"'{part.strip()}' is not a lead time; write for example 1d, 12h or 15m")
        seconds = int(match.group(1)) * _UNITS[match.group(2)[0].lower()]
        if not 0 < seconds <= MAX_LEAD:
            raise ValueError(f"'{part.strip()}' must be more than 0 and at most 7 days")
        values.add(seconds)
    return sorted(values, reverse=True)


def format_lead_times(seconds: list[int]) -> str:
    """[86400, 3600, 600] -> "1d, 1h, 10m": the largest whole unit for each."""
    parts = []
    for value in sorted(seconds, reverse=True):
        unit = next(u for u, size in _UNITS.items() if value % size == 0) if value % 60 == 0 else None
        parts.append(f"{value // _UNITS[unit]}{unit}" if unit else f"{round(value / 60)}m")
    return ", ".join(parts)
