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
#: 3: every text of the file (names, IDs, links, times) listed once, first, and named by its place everywhere else.
#: 2 listed users and references once, with rows and schedules as arrays; reading a 2,000-schedule account's file
#: still parsed 40,000 texts scattered among the arrays that held them, and the ones the state kept pinned the
#: memory of the arrays around them (Python keeps an arena while any object in it lives: 2-3 MB for good). 1 wrote
#: every row as nested objects (10 MB of dicts at once). A cache of another format is ignored.
FORMAT = 3
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


#: which fields of a user, reference and schedule are texts (named by their place in the file's list of texts)
USER_TEXTS = frozenset({"id", "name", "email", "html_url", "time_zone"})
REF_TEXTS = frozenset({"id", "name", "html_url"})
SCHEDULE_TEXTS = frozenset({"id", "name", "description", "time_zone", "html_url", "calendar_url", "kind"})


class _Tables:
    """The texts of a cache file, and the users and references of its rows, each written once; everything else
    names them by their place. Every text is noted before the file is written: its list comes first."""

    __slots__ = ("refs", "texts", "users")

    def __init__(self) -> None:
        self.texts: dict[str, int] = {}
        self.users: dict[User, int] = {}
        self.refs: dict[Ref, int] = {}

    def text(self, value: str | None) -> int | None:
        return None if value is None else self.texts.setdefault(value, len(self.texts))

    def fields(self, item: Any, names: Sequence[str], texts: frozenset[str]) -> list[Any]:
        return [self.text(getattr(item, f)) if f in texts else getattr(item, f) for f in names]

    def schedule(self, s: Schedule) -> list[Any]:
        fields = self.fields(s, SCHEDULE_FIELDS, SCHEDULE_TEXTS)
        fields[SCHEDULE_FIELDS.index("member_ids")] = [self.text(m) for m in s.member_ids]
        return fields

    def user(self, user: User) -> int:
        if user not in self.users:
            self.fields(user, USER_FIELDS, USER_TEXTS)
        return self.users.setdefault(user, len(self.users))

    def ref(self, ref: Ref | None) -> int | None:
        if ref is None:
            return None
        if ref not in self.refs:
            self.fields(ref, REF_FIELDS, REF_TEXTS)
        return self.refs.setdefault(ref, len(self.refs))

    def note(self, r: OnCall) -> None:
        """Lists the row's user, references and times: every row is noted before the tables are written."""
        self.user(r.user)
        self.ref(r.escalation_policy)
        self.ref(r.schedule)
        self.text(to_iso(r.start))
        self.text(to_iso(r.end))

    def row(self, r: OnCall) -> list[Any]:
        """As the OnCall's fields, in their order."""
        policy = self.ref(r.escalation_policy)
        user, schedule = self.user(r.user), self.ref(r.schedule)
        return [user, policy, r.escalation_level, schedule, self.text(to_iso(r.start)), self.text(to_iso(r.end))]


def _at(table: list[Any], index: Any) -> Any:
    """A table's entry; an index that is not one (negative, a bool, a string) is a damaged file."""
    if type(index) is not int or not 0 <= index < len(table):
        raise IndexError(f"no entry {index!r} in a table of {len(table)}")
    return table[index]


class _Reader:
    """A cache file's tables, read back: its texts, users and references, each one object however often named."""

    __slots__ = ("refs", "texts", "times", "users")

    def __init__(self, texts: Any) -> None:
        if not isinstance(texts, list) or not all(type(t) is str for t in texts):
            raise TypeError("a list of texts that are not all texts")
        self.texts: list[str] = texts
        self.users: list[User] = []
        self.refs: list[Ref] = []
        #: each distinct time of the file parsed once, one datetime shared by its rows
        self.times: dict[int, datetime | None] = {}

    def text(self, index: Any) -> str | None:
        return None if index is None else _at(self.texts, index)

    def fields(self, values: Sequence[Any], names: Sequence[str], texts: frozenset[str]) -> dict[str, Any]:
        return {f: self.text(v) if f in texts else v for f, v in zip(names, values, strict=True)}

    def schedule(self, values: Sequence[Any]) -> Schedule:
        fields = self.fields(values, SCHEDULE_FIELDS, SCHEDULE_TEXTS)
        schedule = Schedule(**{**fields, "member_ids": tuple(self.text(m) for m in fields["member_ids"])})
        # dataclasses take any value: a name that is missing would only fail later, sorting or drawing the list
        if not all(isinstance(v, str) for v in (schedule.id, schedule.name, schedule.time_zone, schedule.kind)):
            raise TypeError("a schedule of the wrong shape")
        return schedule

    def when(self, index: Any) -> datetime | None:
        if index not in self.times:
            self.times[index] = parse_optional(self.text(index))
        return self.times[index]

    def rows(self, items: list[Any]) -> tuple[OnCall, ...]:
        rows = []
        for user, policy, level, schedule, start, end in items:
            rows.append(
                OnCall(
                    user=_at(self.users, user),
                    escalation_policy=_at(self.refs, policy),
                    escalation_level=level,
                    schedule=None if schedule is None else _at(self.refs, schedule),
                    start=self.when(start),
                    end=self.when(end),
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
    tables = _Tables()
    for schedule in schedules:  # every text first: the file lists them before anything that names them
        tables.schedule(schedule)
    me = None
    if snapshot is not None:
        me = tables.user(snapshot.mine.user)
        for row in snapshot.rows_known:
            tables.note(row)
    data: dict[str, Any] = {"format": FORMAT, "texts": list(tables.texts)}
    data["schedules"] = _EachAsJson(schedules, tables.schedule)
    data["schedules_at"] = to_iso(schedules_at)
    if snapshot is not None:
        data["snapshot"] = {
            "taken_at": to_iso(snapshot.taken_at),
            "users": [tables.fields(u, USER_FIELDS, USER_TEXTS) for u in tables.users],
            "refs": [tables.fields(r, REF_FIELDS, REF_TEXTS) for r in tables.refs],
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
        tables = _Reader(data["texts"])
        schedules = tuple(tables.schedule(s) for s in data["schedules"])
        snapshot = None
        if "snapshot" in data:
            raw = data["snapshot"]
            tables.users = [User(**tables.fields(u, USER_FIELDS, USER_TEXTS)) for u in raw["users"]]
            tables.refs = [Ref(**tables.fields(r, REF_FIELDS, REF_TEXTS)) for r in raw["refs"]]
            snapshot = Snapshot(
                taken_at=parse_timestamp(raw["taken_at"]),
                on_call_now=tables.rows(raw["on_call_now"]),
                mine=MyShifts(
                    user=_at(tables.users, raw["me"]),
                    on_call_now=tables.rows(raw["my_now"]),
                    upcoming=tables.rows(raw["my_upcoming"]),
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
