"""The last good refresh on disk, so the next start shows it at once (marked stale) instead of a blank tooltip.

One file per PagerDuty account location (region or base URL; the demo has its own), holding only PagerDuty
data: never the token. A cache that cannot be read is ignored, not trusted: it is only a head start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pdtray.app.atomic_file import write_atomically
from pdtray.app.json_file import SHAPE_ERRORS, UnusableFileError, move_aside, read_json_object
from pdtray.app.paths import cache_dir
from pdtray.app.settings import Settings
from pdtray.app.snapshot import Snapshot
from pdtray.oncall import MyShifts, OnCall, Ref, Schedule, User
from pdtray.oncall.decode import one_of
from pdtray.oncall.incidents import Incident
from pdtray.oncall.timestamps import parse_optional, parse_timestamp, to_iso

log = logging.getLogger(__name__)
FORMAT = 1


@dataclass(frozen=True)
class CachedState:
    snapshot: Snapshot | None
    schedules: tuple[Schedule, ...]
    schedules_at: datetime | None


def location_of(settings: Settings, *, demo: bool) -> str:
    """Which account the cache is for: the demo, or the API URL (environment first) or region in use."""
    if demo:
        return "demo"
    return os.environ.get("PAGERDUTY_API_URL") or settings.api_url or settings.region


def cache_file(location: str, directory: Path | None = None) -> Path:
    """``location`` is "demo" or the account's base URL/region; hashed so the file name says nothing about it."""
    digest = hashlib.sha256(location.encode()).hexdigest()[:16]
    return (directory or cache_dir()) / f"snapshot-{digest}.json"


def _user(u: User) -> dict[str, Any]:
    return {
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "html_url": u.html_url,
        "time_zone": u.time_zone,
        "deleted": u.deleted,
    }


def _ref(r: Ref | None) -> dict[str, Any] | None:
    return None if r is None else {"id": r.id, "name": r.name, "html_url": r.html_url}


def row_to_json(r: OnCall) -> dict[str, Any]:
    return {
        "user": _user(r.user),
        "escalation_policy": _ref(r.escalation_policy),
        "escalation_level": r.escalation_level,
        "schedule": _ref(r.schedule),
        "start": to_iso(r.start),
        "end": to_iso(r.end),
    }


def _schedule(s: Schedule) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "time_zone": s.time_zone,
        "html_url": s.html_url,
        "member_ids": list(s.member_ids),
        "used_by_policies": s.used_by_policies,
        "calendar_url": s.calendar_url,
        "kind": s.kind,
        "details_known": s.details_known,
    }


def row_from_json(d: dict[str, Any], shared: dict[Any, Any] | None = None) -> OnCall:
    """``shared``: equal users and references of the file are one object each, as after a refresh."""
    one = one_of(shared)
    return OnCall(
        user=one(User(**d["user"])),
        escalation_policy=one(Ref(**d["escalation_policy"])),
        escalation_level=d["escalation_level"],
        schedule=one(Ref(**d["schedule"])) if d["schedule"] else None,
        start=parse_optional(d["start"]),
        end=parse_optional(d["end"]),
    )


def incident_to_json(i: Incident) -> dict[str, Any]:
    return {
        "id": i.id,
        "number": i.number,
        "title": i.title,
        "status": i.status,
        "urgency": i.urgency,
        "service": _ref(i.service),
        "created_at": to_iso(i.created_at),
        "html_url": i.html_url,
    }


def incident_from_json(d: dict[str, Any]) -> Incident:
    return Incident(**{**d, "service": Ref(**d["service"]), "created_at": parse_timestamp(d["created_at"])})


def save(path: Path, snapshot: Snapshot | None, schedules: tuple[Schedule, ...], schedules_at: datetime | None) -> None:
    write_atomically(path, encode(snapshot, schedules, schedules_at))


def encode(snapshot: Snapshot | None, schedules: tuple[Schedule, ...], schedules_at: datetime | None) -> bytes:
    """The cache file's bytes: pure work, apart from the write (which may wait on the disk)."""
    data: dict[str, Any] = {"format": FORMAT, "schedules": _EachAsJson(schedules, _schedule)}
    data["schedules_at"] = to_iso(schedules_at)
    if snapshot is not None:
        data["snapshot"] = {
            "taken_at": to_iso(snapshot.taken_at),
            "on_call_now": _EachAsJson(snapshot.on_call_now, row_to_json),
            "me": _user(snapshot.mine.user),
            "my_now": _EachAsJson(snapshot.mine.on_call_now, row_to_json),
            "my_upcoming": _EachAsJson(snapshot.mine.upcoming, row_to_json),
            "complete": snapshot.complete,
        }
        if snapshot.incidents is not None:
            data["snapshot"]["incidents"] = [incident_to_json(i) for i in snapshot.incidents]
            data["snapshot"]["incidents_at"] = to_iso(snapshot.incidents_at)
    return _dumps_in_slices(data).encode()


#: list items encoded per json.dumps call
SLICE = 200


class _EachAsJson:
    """A list whose items become JSON objects a slice at a time while it is encoded. Turning a 2,000-schedule
    account's 6,000 rows into dicts first held 9.5 MB of them at once, the highest point of a refresh's memory.
    (A plain class: a dataclass costs a millisecond to make, and this module is imported at start-up.)"""

    __slots__ = ("items", "to_json")

    def __init__(self, items: Sequence[Any], to_json: Callable[[Any], Any]) -> None:
        self.items = items
        self.to_json = to_json


def _dumps_in_slices(value: Any) -> str:
    """``json.dumps(value)``, with long lists encoded a slice at a time. One json.dumps call holds the interpreter
    lock until it returns: for a 2,000-schedule account's cache that kept the UI thread waiting 40-50 ms."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(key)}: {_dumps_in_slices(item)}" for key, item in value.items()) + "}"
    if isinstance(value, _EachAsJson):
        items, to_json = value.items, value.to_json
        slices = (
            json.dumps([to_json(item) for item in items[at : at + SLICE]])[1:-1] for at in range(0, len(items), SLICE)
        )
        return "[" + ", ".join(slices) + "]"
    return json.dumps(value)


def load(path: Path) -> CachedState | None:
    """The cached state, or None. A cache of the wrong shape is moved aside (it is only a head start)."""
    try:
        data = read_json_object(path)
        if data is None or data.get("format") != FORMAT:
            return None
        schedules = tuple(Schedule(**{**s, "member_ids": tuple(s["member_ids"])}) for s in data["schedules"])
        snapshot = None
        if "snapshot" in data:
            raw = data["snapshot"]
            shared: dict[Any, Any] = {}
            snapshot = Snapshot(
                taken_at=parse_timestamp(raw["taken_at"]),
                on_call_now=tuple(row_from_json(r, shared) for r in raw["on_call_now"]),
                mine=MyShifts(
                    user=User(**raw["me"]),
                    on_call_now=tuple(row_from_json(r, shared) for r in raw["my_now"]),
                    upcoming=tuple(row_from_json(r, shared) for r in raw["my_upcoming"]),
                ),
                incidents=tuple(incident_from_json(i) for i in raw["incidents"]) if "incidents" in raw else None,
                incidents_at=parse_optional(raw.get("incidents_at")),
                complete=raw.get("complete", True) is not False,
            )
            _check_types(snapshot)
        return CachedState(snapshot, schedules, parse_optional(data.get("schedules_at")))
    except OSError as exc:
        log.warning("ignoring unreadable cache %s: %s", path, exc)
        return None
    except (UnusableFileError, *SHAPE_ERRORS) as exc:
        log.warning("ignoring the cache %s (%s); %s", path, exc, move_aside(path))
        return None


def _check_types(snapshot: Snapshot) -> None:
    """Dataclasses take any value: a name that is a number would only fail later, in the middle of drawing."""
    for row in (*snapshot.on_call_now, *snapshot.mine.on_call_now, *snapshot.mine.upcoming):
        if not isinstance(row.user.name, str) or not isinstance(row.escalation_level, int):
            raise TypeError("an on-call row of the wrong shape")
        if not isinstance(row.escalation_policy.name, str) or (
            row.schedule is not None and not isinstance(row.schedule.name, str)
        ):
            raise TypeError("an on-call row of the wrong shape")
    for incident in snapshot.incidents or ():
        if not isinstance(incident.title, str) or not isinstance(incident.number, int):
            raise TypeError("an incident of the wrong shape")
