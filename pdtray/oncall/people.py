"""A person as the person card shows them: how to reach them, what time it is where they are, and when they are on
call next. Contact details are the most private thing pdtray handles: they live in these objects only, are never
put into an exception's text, a log line or a cache file (their ``repr`` hides them too)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pdtray.oncall.human_time import clock, format_at, format_until
from pdtray.oncall.models import MyShifts, User

EMAIL, PHONE, SMS = "email", "phone", "sms"
_KINDS = {"email_contact_method": EMAIL, "phone_contact_method": PHONE, "sms_contact_method": SMS}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class ContactMethod:
    kind: str  # EMAIL, PHONE or SMS
    label: str
    #: as a person reads it: "alice@example.com", "+1 2125550101"
    address: str = field(repr=False)
    #: what opens it: mailto:, tel: or sms:
    url: str = field(repr=False)


def decode_contact_methods(items: Iterable[Any]) -> list[ContactMethod]:
    """Email, phone and SMS methods in PagerDuty's order; push notifications (nothing a person can use) and
    anything malformed are left out rather than failing the card."""
    found = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        kind = _KINDS.get(str(item.get("type", "")).removesuffix("_reference"))
        address = item.get("address")
        if kind is None or not isinstance(address, str) or not address.strip():
            continue
        label = str(item.get("label") or item.get("summary") or kind.capitalize())
        address = address.strip()
        if kind == EMAIL:
            found.append(ContactMethod(kind, label, address, f"mailto:{address}"))
            continue
        digits = "".join(c for c in address if c.isdigit())
        code = item.get("country_code")
        prefix = f"+{code}" if isinstance(code, int) and code > 0 else ""
        shown = f"{prefix} {digits}".strip()
        found.append(ContactMethod(kind, label, shown, f"{'tel' if kind == PHONE else 'sms'}:{prefix}{digits}"))
    return found


def their_zone(user: User) -> tzinfo | None:
    if not user.time_zone:
        return None
    try:
        return ZoneInfo(user.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def first_name(user: User) -> str:
    return user.name.split()[0] if user.name.split() else user.name


def local_time_line(user: User, now: datetime) -> str | None:
    """ "It is Tue 03:12 for Alice (America/New_York)": whether a call will wake them. None without a zone.

    In the hour a DST change repeats, the clock says which of the two it is ("01:30 EST")."""
    zone = their_zone(user)
    if zone is None:
        return None
    local = now.astimezone(zone)
    return f"It is {_WEEKDAYS[local.weekday()]} {clock(now, zone)} for {first_name(user)} ({user.time_zone})"


def shift_lines(shifts: MyShifts, now: datetime, tz: tzinfo | None, where: str = "") -> list[str]:
    """When their current shifts end and the next one starts, in the display zone: "On call for Platform Primary
    (L1, L2) until 17:00 today" (a schedule used at several levels is one line), "Next: Payments Primary (L1),
    tomorrow at 09:00"; "Not on call in the next 7 days" (``where`` says where was looked: " on your watched
    schedules")."""
    lines = [
        f"On call for {source} ({levels}) {format_until(end, now, tz)}"
        for (source, end), levels in _grouped((r.source_name, r.end, r.escalation_level) for r in shifts.on_call_now)
    ]
    upcoming = shifts.next_shift
    if upcoming is not None and upcoming.start is not None:
        same = [r for r in shifts.upcoming if r.start == upcoming.start and r.source_name == upcoming.source_name]
        [(_, levels)] = _grouped((r.source_name, r.start, r.escalation_level) for r in same)
        lines.append(f"Next: {upcoming.source_name} ({levels}), {format_at(upcoming.start, now, tz)}")
    if not lines:
        lines.append(f"Not on call{where} in the next 7 days")
    return lines


def _grouped(items: Iterable[tuple[str, datetime | None, int]]) -> list[tuple[tuple[str, datetime | None], str]]:
    groups: dict[tuple[str, datetime | None], list[int]] = {}
    for source, when, level in items:
        groups.setdefault((source, when), []).append(level)
    return [(key, ", ".join(f"L{n}" for n in sorted(set(levels)))) for key, levels in groups.items()]
