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
    ScheduledShift,
    ShiftSource,
    User,
)
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


def computed_assignments(schedule_obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A shift-based schedule's ``final_schedule.computed_shift_assignments`` (none when absent)."""
    final = schedule_obj.get("final_schedule")
    entries = final.get("computed_shift_assignments") if isinstance(final, Mapping) else None
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise DecodeError("computed shift assignments that are not a list")
    return entries


def assignment_user_ids(schedule_obj: Mapping[str, Any]) -> list[str]:
    """The users a shift-based schedule's assignments name: they come as IDs only, to be looked up."""
    ids = []
    for entry in computed_assignments(schedule_obj):
        member = entry.get("member") if isinstance(entry, Mapping) else None
        if (
            isinstance(member, Mapping)
            and member.get("type") == "user_member"
            and isinstance(member.get("user_id"), str)
        ):
            ids.append(member["user_id"])
    return list(dict.fromkeys(ids))


def coverage_percentage(schedule_obj: Mapping[str, Any]) -> float | None:
    final = schedule_obj.get("final_schedule")
    value = final.get("rendered_coverage_percentage") if isinstance(final, Mapping) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def decode_assignments(schedule_obj: Mapping[str, Any], users: Mapping[str, User]) -> list[ScheduledShift]:
    """A shift-based schedule's computed shift assignments, with each ``user_id`` resolved through ``users``.

    An ``empty_member`` is an intentionally empty slot: a shift with nobody (a gap). A user ID that ``users`` does
    not know (deleted, or not visible to this token) keeps its place on the timeline as "Unknown user", rather
    than vanishing and turning into a gap that is not there."""
    shifts = []
    for entry in computed_assignments(schedule_obj):
        try:
            member = entry["member"]
            start, end = parse_timestamp(entry["start_time"]), parse_timestamp(entry["end_time"])
            if member.get("type") == "empty_member":
                user = None
            elif member.get("type") == "user_member" and isinstance(member.get("user_id"), str):
                user_id = member["user_id"]
                user = users.get(user_id) or User(id=user_id, name=f"Unknown user {user_id}", deleted=True)
            else:
                continue  # a member kind this version of pdtray does not know: not a person it can name
            shifts.append(ScheduledShift(user=user, start=start, end=end, source=_source(entry.get("source"))))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DecodeError(f"a shift assignment that could not be read ({exc})") from None
    return shifts


def _source(obj: Any) -> ShiftSource | None:
    if not isinstance(obj, Mapping) or not isinstance(obj.get("type"), str):
        return None
    return ShiftSource(type=obj["type"], rotation_id=_text(obj, "rotation_id"), shift_id=_text(obj, "shift_id"))
