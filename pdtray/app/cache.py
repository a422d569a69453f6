"""The last good refresh on disk, so the next start shows it at once (marked stale) instead of a blank tooltip.

One file per PagerDuty account location (region or base URL; the demo has its own), holding only PagerDuty
data: never the token. A cache that cannot be read is ignored, not trusted: it is only a head start.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from pdtray.app.atomic_file import write_atomically
from pdtray.app.json_file import SHAPE_ERRORS, UnusableFileError, move_aside, read_json_object
from pdtray.app.paths import cache_dir, name_digest
from pdtray.app.settings import Settings
from pdtray.app.snapshot import Snapshot
from pdtray.oncall import MyShifts, OnCall, Ref, Schedule, User
from pdtray.oncall.decode import one_of
from pdtray.oncall.incidents import Incident
from pdtray.oncall.timestamps import parse_optional, parse_timestamp, to_iso

log = logging.getLogger(__name__)
#: 2: users and references listed once, rows and schedules as arrays. Format 1 wrote every row as nested objects:
#: reading a 2,000-schedule account's 6,000 rows parsed 4 MB into some 10 MB of dicts at once, a peak the process
#: kept (Python keeps an arena while any object in it lives). A cache of another format is ignored.
FORMAT = 2
#: the fields of a cached user, reference and schedule, in the order the file lists them
USER_FIELDS = ("id", "name", "email", "html_url", "time_zone", "deleted")
REF_FIELDS = ("id", "name", "html_url")
SCHEDULE_FIELDS = (
    "id",
    "name",
    "description",
    "time_zone",
    "html_url",
    "member_ids",
    "used_by_policies",
    "calendar_url",
    "kind",
    "details_known",
)


class CachedState(NamedTuple):
    """A NamedTuple, not a frozen dataclass: cheaper to create at start-up (0.05 ms against 0.4 ms)."""

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
    return (directory or cache_dir()) / f"snapshot-{name_digest(location)}.json"


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


def _schedule_fields(s: Schedule) -> list[Any]:
    return [list(s.member_ids) if f == "member_ids" else getattr(s, f) for f in SCHEDULE_FIELDS]


def _schedule_from(item: Sequence[Any]) -> Schedule:
    fields = dict(zip(SCHEDULE_FIELDS, item, strict=True))
    schedule = Schedule(**{**fields, "member_ids": tuple(fields["member_ids"])})
    # dataclasses take any value: a name that is a number would only fail later, sorting or drawing the list
    if not all(isinstance(value, str) for value in (schedule.id, schedule.name, schedule.time_zone, schedule.kind)):
        raise TypeError("a schedule of the wrong shape")
    return schedule


class _Tables:
    """The users and references of a snapshot's rows, each written once; a row names them by their place."""

    __slots__ = ("refs", "users")

    def __init__(self) -> None:
        self.users: dict[User, int] = {}
        self.refs: dict[Ref, int] = {}

    def user(self, user: User) -> int:
        return self.users.setdefault(user, len(self.users))

    def ref(self, ref: Ref | None) -> int | None:
        return None if ref is None else self.refs.setdefault(ref, len(self.refs))

    def note(self, r: OnCall) -> None:
        """Lists the row's user and references: every row is noted before the tables are written."""
        self.user(r.user)
        self.ref(r.escalation_policy)
        self.ref(r.schedule)

    def row(self, r: OnCall) -> list[Any]:
        """As the OnCall's fields, in their order."""
        policy = self.ref(r.escalation_policy)
        return [self.user(r.user), policy, r.escalation_level, self.ref(r.schedule), to_iso(r.start), to_iso(r.end)]


def _at(table: list[Any], index: Any) -> Any:
    """A table's entry; an index that is not one (negative, a bool, a string) is a damaged file."""
    if type(index) is not int or not 0 <= index < len(table):
        raise IndexError(f"no entry {index!r} in a table of {len(table)}")
    return table[index]


def _rows_from(items: list[Any], users: list[User], refs: list[Ref], times: dict[Any, Any]) -> tuple[OnCall, ...]:
    """``times``: each distinct timestamp of the file parsed once, one datetime shared by its rows."""

    def when(text: Any) -> Any:
        if text not in times:
            times[text] = parse_optional(text)
        return times[text]

    rows = []
    for user, policy, level, schedule, start, end in items:
        rows.append(
            OnCall(
                user=_at(users, user),
                escalation_policy=_at(refs, policy),
                escalation_level=level,
                schedule=None if schedule is None else _at(refs, schedule),
                start=when(start),
                end=when(end),
            )
        )
    return tuple(rows)


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
    data: dict[str, Any] = {"format": FORMAT, "schedules": _EachAsJson(schedules, _schedule_fields)}
    data["schedules_at"] = to_iso(schedules_at)
    if snapshot is not None:
        tables = _Tables()
        me = tables.user(snapshot.mine.user)
        for row in snapshot.rows_known:  # the tables first: the file lists them before the rows
            tables.note(row)
        data["snapshot"] = {
            "taken_at": to_iso(snapshot.taken_at),
            "users": [[getattr(u, f) for f in USER_FIELDS] for u in tables.users],
            "refs": [[getattr(r, f) for f in REF_FIELDS] for r in tables.refs],
            "on_call_now": _EachAsJson(snapshot.on_call_now, tables.row),
            "me": me,
            "my_now": _EachAsJson(snapshot.mine.on_call_now, tables.row),
            "my_upcoming": _EachAsJson(snapshot.mine.upcoming, tables.row),
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
        schedules = tuple(_schedule_from(s) for s in data["schedules"])
        snapshot = None
        if "snapshot" in data:
            raw = data["snapshot"]
            users = [User(**dict(zip(USER_FIELDS, u, strict=True))) for u in raw["users"]]
            refs = [Ref(**dict(zip(REF_FIELDS, r, strict=True))) for r in raw["refs"]]
            times: dict[Any, Any] = {}
            snapshot = Snapshot(
                taken_at=parse_timestamp(raw["taken_at"]),
                on_call_now=_rows_from(raw["on_call_now"], users, refs, times),
                mine=MyShifts(
                    user=_at(users, raw["me"]),
                    on_call_now=_rows_from(raw["my_now"], users, refs, times),
                    upcoming=_rows_from(raw["my_upcoming"], users, refs, times),
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
