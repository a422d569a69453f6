"""Turns a schedule's shifts, as PagerDuty sends them, into the timeline's dataclasses: a layer-based schedule's
rendered entries, and a shift-based schedule's computed assignments, whose people come as IDs to be looked up.

Apart from ``decode``, which the cache and the incidents use at start-up: these are needed only once a timeline
is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pdtray.oncall.decode import DecodeError, _text, decode_user
from pdtray.oncall.models import User
from pdtray.oncall.timeline_models import ScheduledShift, ShiftSource
from pdtray.oncall.timestamps import parse_timestamp


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
