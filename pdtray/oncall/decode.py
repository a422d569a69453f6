"""Turns PagerDuty's JSON into the domain's dataclasses, tolerating the variations PagerDuty really sends.

References come in two forms: full objects (``name``, ``email``) when ``include[]`` asked for them, and bare
references (``summary`` only) otherwise. Deleted users keep their reference with ``deleted_at`` set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pdtray.oncall.display_text import one_line
from pdtray.oncall.models import (
    LAYER_BASED,
    SHIFT_BASED,
    OnCall,
    Ref,
    Schedule,
    User,
)
from pdtray.oncall.timestamps import parse_optional


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


#: PagerDuty's type discriminators for shift-based schedules and their references
SHIFT_BASED_TYPES = frozenset({"schedule_v3", "schedule_v3_reference"})


def decode_schedule(obj: Any) -> Schedule:
    """A layer-based schedule (list item or detail), or a shift-based one: a v3 list item is a bare reference
    (``summary`` only), marked ``details_known=False`` until ``GET /v3/schedules/{id}`` has been read."""
    schedule_id = _require_id(obj, "schedule")
    kind = SHIFT_BASED if obj.get("type") in SHIFT_BASED_TYPES else LAYER_BASED
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
        kind=kind,
        details_known=obj.get("type") != "schedule_v3_reference",
    )


def decode_oncall(row: Any, shared: dict[Any, Any] | None = None) -> OnCall:
    """``shared``: the users and references decoded so far from the same answer, so that equal ones are one
    object: a large account's 6,000 rows name some forty people and two thousand policies."""
    if not isinstance(row, Mapping):
        raise DecodeError("an on-call entry that is not an object")
    level = row.get("escalation_level")
    if not isinstance(level, int):
        raise DecodeError("an on-call entry without an escalation level")
    schedule = row.get("schedule")
    one = one_of(shared)
    try:
        return OnCall(
            user=one(decode_user(row.get("user"))),
            escalation_policy=one(decode_ref(row.get("escalation_policy"), "escalation policy")),
            escalation_level=level,
            # Flexible (v3) schedules arrive as schedule_v3_reference; they are still schedules to a person.
            schedule=one(decode_ref(schedule, "schedule")) if schedule else None,
            # times are not shared: equal instants in two zones are equal, and each keeps the zone it came in
            start=parse_optional(row.get("start")),
            end=parse_optional(row.get("end")),
        )
    except ValueError as exc:
        raise DecodeError(f"an on-call entry with {exc}") from None


def _itself(value: Any) -> Any:
    return value


def one_of(shared: dict[Any, Any] | None) -> Callable[[Any], Any]:
    """What makes equal values one object through ``shared`` (each value itself when None)."""
    if shared is None:
        return _itself
    return lambda value: shared.setdefault(value, value)


def decode_oncalls(rows: Iterable[Any], shared: dict[Any, Any] | None = None) -> list[OnCall]:
    """``shared`` as for decode_oncall; a new one for these rows when not given."""
    shared = {} if shared is None else shared
    return [decode_oncall(row, shared) for row in rows]
