"""Times as a person on call reads them: "until 17:00 today", "tomorrow at 09:00", "in 2 h 15 min".

Everything is shown in the display time zone (the machine's local zone unless the user chose another): the
timestamps themselves keep whatever offset PagerDuty sent. English day names are spelled out here rather than
taken from the C locale so the output is the same on every machine.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from functools import lru_cache

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def to_display(t: datetime, tz: tzinfo | None = None) -> datetime:
    """``t`` in the display zone; None means this machine's local zone."""
    return t.astimezone(tz) if tz is not None else t.astimezone()


def clock(t: datetime, tz: tzinfo | None = None) -> str:
    """ "17:00"; in the hour a DST change repeats, with the zone's abbreviation ("02:30 CEST", "02:30 CET"), as
    the same "02:30" then names two moments an hour apart."""
    local = to_display(t, tz)
    # not strftime: it imports the time module at each call, which under PySide6's import hook is a Python call;
    # a list of thousands of schedules asks this for every row
    text = f"{local.hour:02d}:{local.minute:02d}"
    return f"{text} {local.tzname()}" if is_ambiguous(t, tz) and local.tzname() else text


@lru_cache(maxsize=1024)
def is_ambiguous(t: datetime, tz: tzinfo | None = None) -> bool:
    """True when ``t``'s wall-clock time in the display zone also names another moment (a DST change's repeated
    hour). Worked out from offsets, so that it holds for the machine's zone too, which has no fold information.
    Remembered: a list of thousands of schedules asks it again for the same few handoff times."""
    local = to_display(t, tz)
    offset = local.utcoffset()
    for probe in (t - timedelta(hours=3), t + timedelta(hours=3)):
        other_offset = to_display(probe, tz).utcoffset()
        if offset is None or other_offset is None or other_offset == offset:
            continue
        twin = t + (offset - other_offset)
        if twin != t and to_display(twin, tz).replace(tzinfo=None) == local.replace(tzinfo=None):
            return True
    return False


def day_label(t: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """ "today", "tomorrow", "yesterday", a weekday within the coming week, else a date."""
    day = to_display(t, tz).date()
    today = to_display(now, tz).date()
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    if 1 < delta < 7:
        return _WEEKDAYS[day.weekday()]
    label = f"{day.day} {_MONTHS[day.month - 1]}"
    return label if day.year == today.year else f"{label} {day.year}"


def format_until(end: datetime | None, now: datetime, tz: tzinfo | None = None) -> str:
    """ "until 17:00 today", "until tomorrow 09:00", "until Tue 09:00"; None: "until further notice"."""
    if end is None:
        return "until further notice"
    day = day_label(end, now, tz)
    if day == "today":
        return f"until {clock(end, tz)} today"
    return f"until {day} {clock(end, tz)}"


def format_at(t: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """ "today at 17:00", "tomorrow at 09:00", "Tue at 09:00", "14 Dec at 09:00"."""
    return f"{day_label(t, now, tz)} at {clock(t, tz)}"


def format_duration(delta: timedelta) -> str:
    """ "45 min", "2 h 15 min", "3 h", "1 d 4 h"; rounded to the minute (to the hour beyond a day)."""
    seconds = abs(delta.total_seconds())
    if seconds < 60:
        return "less than a minute"
    minutes = int(seconds / 60 + 0.5)  # half up: 2 min 30 s reads "3 min", not banker's "2 min"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    hours = int(minutes / 60 + 0.5)
    days, rest = divmod(hours, 24)
    return f"{days} d {rest} h" if rest else f"{days} d"


def format_relative(t: datetime, now: datetime) -> str:
    """ "in 2 h 15 min", "5 min ago", or "now" within half a minute."""
    delta = t - now
    if abs(delta) < timedelta(seconds=30):
        return "now"
    text = format_duration(delta)
    return f"in {text}" if delta > timedelta(0) else f"{text} ago"


def capitalized(text: str) -> str:
    """First letter up, for phrases that start a sentence ("Tomorrow at 09:00")."""
    return text[:1].upper() + text[1:]
