"""Turns PagerDuty's JSON into the domain's dataclasses, tolerating the variations PagerDuty really sends.

References come in two forms: full objects (``name``, ``email``) when ``include[]`` asked for them, and bare
references (``summary`` only) otherwise. Deleted users keep their reference with ``deleted_at`` set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pdtray.oncall.display_text import one_line
from pdtray.oncall.models import OnCall, Ref, Schedule, ScheduledShift, User
from pdtray.oncall.timestamps import parse_optional, parse_timestamp


class DecodeError(ValueError):
    """PagerDuty's JSON lacked something pdtray cannot do without."""


def _require_id(obj: Any, kind: str) -> str:
    if not isinstance(obj, Mapping) or not isinstance(obj.get("id"), str) or not obj["id"]:
        raise DecodeError(f"a {kind} without an id")
    return obj["id"]


def _name(obj: Mapping[str, Any]) -> str | None:
    """A name as a person reads it: one line, of a sane length (see display_text)."""
    for key in ("name", "summary"):
        value = obj.get(key)
        if isinstance(value, str) and one_line(value):
            return one_line(value)
    return None


def _text(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) and value else None


def decode_user(obj: Any) -> User:
    user_id = _require_id(obj, "user")
    deleted = bool(obj.get("deleted_at"))
    return User(
        id=user_id,
        name=_name(obj) or ("Deleted user" if deleted else f"User {user_id}"),
        email=_text(obj, "email"),
        html_url=_text(obj, "html_url"),
        time_zone=_text(obj, "time_zone"),
        deleted=deleted,
    )


def decode_ref(obj: Any, kind: str) -> Ref:
    ref_id = _require_id(obj, kind)
    return Ref(id=ref_id, name=_name(obj) or f"{kind.capitalize()} {ref_id}", html_url=_text(obj, "html_url"))


def decode_schedule(obj: Any) -> Schedule:
    schedule_id = _require_id(obj, "schedule")
    return Schedule(
        id=schedule_id,
        name=_name(obj) or f"Schedule {schedule_id}",
        description=one_line(_text(obj, "description") or "", 1024),
        time_zone=_text(obj, "time_zone") or "UTC",
        html_url=_text(obj, "html_url"),
        member_ids=tuple(
            u["id"] for u in obj.get("users") or () if isinstance(u, Mapping) and isinstance(u.get("id"), str)
        ),
        # absent (an older or trimmed answer): assume used, rather than claim a schedule is idle
        used_by_policies=bool(obj.get("escalation_policies", True)),
        calendar_url=_text(obj, "web_cal_url") or _text(obj, "http_cal_url"),
    )


def decode_oncall(row: Any) -> OnCall:
    if not isinstance(row, Mapping):
        raise DecodeError("an on-call entry that is not an object")
    level = row.get("escalation_level")
    if not isinstance(level, int):
        raise DecodeError("an on-call entry without an escalation level")
    schedule = row.get("schedule")
    try:
        return OnCall(
            user=decode_user(row.get("user")),
            escalation_policy=decode_ref(row.get("escalation_policy"), "escalation policy"),
            escalation_level=level,
            # Flexible (v3) schedules arrive as schedule_v3_reference; they are still schedules to a person.
            schedule=decode_ref(schedule, "schedule") if schedule else None,
            start=parse_optional(row.get("start")),
            end=parse_optional(row.get("end")),
        )
    except ValueError as exc:
        raise DecodeError(f"an on-call entry with {exc}") from None


def decode_oncalls(rows: Iterable[Any]) -> list[OnCall]:
    return [decode_oncall(row) for row in rows]


def decode_rendered_entries(schedule_obj: Mapping[str, Any]) -> list[ScheduledShift]:
    """The final schedule's rendered entries; a schedule with nobody in it has none (or no final_schedule)."""
    final = schedule_obj.get("final_schedule")
    entries = final.get("rendered_schedule_entries") if isinstance(final, Mapping) else None
    shifts = []
    for entry in entries or []:
        try:
            shifts.append(
                ScheduledShift(
                    user=decode_user(entry.get("user")),
                    start=parse_timestamp(entry["start"]),
                    end=parse_timestamp(entry["end"]),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DecodeError(f"a schedule entry that could not be read ({exc})") from None
    return shifts
