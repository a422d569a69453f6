"""The questions pdtray asks PagerDuty, answered as domain objects: one place shared by the CLI and the tray.

Each function makes the fewest requests that answer its question: "who is on call now" is a single paginated
/oncalls query across the account, never one request per schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from pdtray.app.blocking import off_the_loop
from pdtray.app.snapshot import Snapshot
from pdtray.app.user_directory import UserDirectory
from pdtray.oncall import (
    DecodeError,
    MyShifts,
    OnCall,
    Schedule,
    Timeline,
    active_rows,
    build_timeline,
    decode_oncalls,
    decode_schedule,
    decode_user,
    my_shifts,
    now_window,
    shifts_window,
    timeline_window,
)
from pdtray.oncall.decode_shifts import (
    assignment_user_ids,
    coverage_percentage,
    decode_assignments,
    decode_rendered_entries,
)
from pdtray.oncall.incidents import OPEN_STATUSES, Incident, decode_incidents, ordered
from pdtray.oncall.models import LAYER_BASED, SHIFT_BASED, User
from pdtray.oncall.timeline_models import ScheduledShift
from pdtray.pagerduty.errors import (
    AccessDeniedError,
    BadRequestError,
    InvalidResponseError,
    NotFoundError,
    TruncatedListError,
)

log = logging.getLogger(__name__)
#: pages (and schedule lists) at least this long are decoded on a worker thread: a few rows cost less than the
#: hand-over
THREAD_DECODE_ROWS = 25

if TYPE_CHECKING:
    from pdtray.pagerduty.client import PagerDutyClient

T = TypeVar("T")


async def _off_the_loop_if_many(count: int, work: Callable[..., T], *args: Any) -> T:
    """``work(*args)``, over ``count`` items, on a worker thread when they are THREAD_DECODE_ROWS or more: the UI
    thread then keeps its frames while a large account's pages are decoded and sorted; a few items cost less than
    the hand-over."""
    if count >= THREAD_DECODE_ROWS:
        return await off_the_loop(work, *args)
    return work(*args)


def invalid_answer(what: str, exc: DecodeError) -> InvalidResponseError:
    return InvalidResponseError(f"PagerDuty's answer for {what} contained {exc}, which pdtray cannot use.")


async def schedules(
    client: PagerDutyClient, *, query: str | None = None, known: Iterable[Schedule] = ()
) -> list[Schedule]:
    """The account's schedules of both kinds, by name: PagerDuty lists layer-based ones at /schedules and
    shift-based ones at /v3/schedules, and no endpoint lists both. A list cut short (PagerDuty's offset cap)
    raises TruncatedListError with every decoded schedule that did arrive in ``partial``. A schedule equal to
    one of ``known`` (the list this one replaces) is that object: an unchanged list is not held twice."""
    found: list[Schedule] = []
    problem: TruncatedListError | None = None
    same = {s: s for s in known}
    # both lists at once: their requests overlap within the token's few places
    answers = await asyncio.gather(
        _decoded_schedules(client.schedule_pages(query=query), same),
        _decoded_schedules(client.shift_schedule_pages(query=query), same),
        return_exceptions=True,
    )
    for answer in answers:
        if isinstance(answer, TruncatedListError):
            found += answer.partial
            problem = answer
        elif isinstance(answer, BaseException):
            raise answer
        else:
            found += answer
    found.sort(key=lambda s: (s.name.casefold(), s.id))
    if problem is not None:
        raise TruncatedListError(str(problem), partial=found)  # type: ignore[arg-type]
    return found


async def _decoded_schedules(
    pages: AsyncIterator[list[dict[str, Any]]], same: dict[Schedule, Schedule]
) -> list[Schedule]:
    """Each page decoded as it arrives, as the on-call rows are: a 2,000-schedule account's whole list held as
    JSON before decoding was the start's largest peak of small objects (Python keeps an arena while any object in
    it lives, so the peak stayed in the process's size). A truncated list raises with what was decoded."""
    found: list[Schedule] = []
    try:
        async with contextlib.aclosing(pages):
            async for page in pages:
                decoded = await _off_the_loop_if_many(len(page), _decode_schedules, page)
                found += [same.get(s, s) for s in decoded]
    except TruncatedListError as exc:
        raise TruncatedListError(str(exc), partial=found) from None  # type: ignore[arg-type]
    return found


def _decode_schedules(raw: list[Any]) -> list[Schedule]:
    try:
        return [decode_schedule(item) for item in raw]
    except DecodeError as exc:
        raise invalid_answer("schedules", exc) from None


async def schedule_exists(client: PagerDutyClient, schedule_id: str) -> bool:
    """Asked of the schedule itself, not looked up in the list, which a large account cannot read whole."""
    try:
        await _read_schedule(client, schedule_id, None, None, None)
    except NotFoundError:
        return False
    return True


async def _read_schedule(
    client: PagerDutyClient, schedule_id: str, since: datetime | None, until: datetime | None, kind: str | None
) -> tuple[dict[str, Any], str]:
    """The schedule's JSON and its kind. Of an ID whose kind is not known, the shift-based endpoint is asked
    first, as PagerDuty advises: it answers 400 for a layer-based schedule, which the classic endpoint then reads.
    A 400 for a schedule known to be shift-based is a real refusal and is not retried as the other kind."""
    if kind != LAYER_BASED:
        try:
            return await client.shift_schedule(schedule_id, since=since, until=until), SHIFT_BASED
        except BadRequestError:
            if kind == SHIFT_BASED:
                raise
    return await client.schedule(schedule_id, since=since, until=until), LAYER_BASED


@dataclass(frozen=True)
class ScheduleWindow:
    schedule: Schedule
    shifts: list[ScheduledShift]
    #: PagerDuty's coverage for the window (shift-based schedules)
    coverage: float | None


async def schedule_window(
    client: PagerDutyClient,
    schedule_id: str,
    since: datetime,
    until: datetime,
    *,
    kind: str | None = None,
    users: UserDirectory | None = None,
) -> ScheduleWindow:
    """Who is on call on one schedule between since and until, whichever its kind; the people of a shift-based
    one are looked up by ID through ``users`` (a new directory when none is given)."""
    raw, kind = await _read_schedule(client, schedule_id, since, until, kind)
    what = f"schedule {schedule_id}"
    try:
        schedule = replace(decode_schedule(raw), kind=kind, details_known=True)
        if kind == LAYER_BASED:
            return ScheduleWindow(schedule, decode_rendered_entries(raw), None)
        directory = users if users is not None else UserDirectory()
        known = await directory.resolve(client, assignment_user_ids(raw))
        return ScheduleWindow(schedule, decode_assignments(raw, known), coverage_percentage(raw))
    except DecodeError as exc:
        raise invalid_answer(what, exc) from None


async def decoded_oncalls(
    pages: AsyncIterator[list[dict[str, Any]]], what: str, shared: dict[object, object] | None = None
) -> list[OnCall]:
    """Decodes each page as it arrives, on a worker thread: the UI thread then holds the interpreter for at most
    a switch interval (5 ms) at a time while a large account's rows are decoded, instead of the whole page.
    ``shared``: users and references already held (the last answer's): equal ones of this answer are those."""
    rows: list[OnCall] = []
    shared = {} if shared is None else shared  # equal users and references of all pages: one object each
    try:
        async for page in pages:
            rows.extend(await _off_the_loop_if_many(len(page), decode_oncalls, page, shared))
    except DecodeError as exc:
        raise invalid_answer(what, exc) from None
    return rows


async def on_call_now(
    client: PagerDutyClient,
    now: datetime,
    *,
    schedule_ids: Iterable[str] = (),
    shared: dict[object, object] | None = None,
) -> list[OnCall]:
    """Everyone on call at ``now``, every level, in one paginated query."""
    since, until = now_window(now)
    pages = client.oncall_pages(since=since, until=until, schedule_ids=schedule_ids, include_users=True)
    return await _active(await decoded_oncalls(pages, "on-call entries", shared), now)


async def _active(rows: list[OnCall], now: datetime) -> list[OnCall]:
    """Sorting a large account's rows (6,000 for 2,000 schedules: 27 ms) is done off the UI thread too."""
    return await _off_the_loop_if_many(len(rows), active_rows, rows, now)


async def on_call_now_at_least_for(
    client: PagerDutyClient, now: datetime, watched: Iterable[str], shared: dict[object, object] | None = None
) -> tuple[list[OnCall], bool]:
    """Everyone on call now, and whether that is everyone.

    An account with more on-call rows than PagerDuty's 10,000 offset cap cannot be read whole; then the rows that
    did arrive are kept, the watched schedules are asked for by ID (so that none of them is silently missing), and
    the answer says it is incomplete."""
    try:
        return await on_call_now(client, now, shared=shared), True
    except TruncatedListError as exc:
        log.warning("%s", exc)
        try:
            partial = decode_oncalls(exc.partial)
        except DecodeError as bad:
            raise invalid_answer("on-call entries", bad) from None
    wanted = list(dict.fromkeys(watched))
    extra = await on_call_now(client, now, schedule_ids=wanted, shared=shared) if wanted else []
    return await _active([*partial, *extra], now), False


async def me(client: PagerDutyClient) -> User:
    raw = await client.me()
    try:
        return decode_user(raw)
    except DecodeError as exc:
        raise invalid_answer("the current user", exc) from None


async def shifts_of(client: PagerDutyClient, user: User, now: datetime) -> MyShifts:
    """``user``'s shifts running now or starting within the next 7 days."""
    since, until = shifts_window(now)
    pages = client.oncall_pages(since=since, until=until, user_ids=[user.id], include_users=True)
    return my_shifts(user, await decoded_oncalls(pages, "your on-call entries"), now)


async def timeline(
    client: PagerDutyClient,
    schedule_id: str,
    now: datetime,
    *,
    hours: int = 24,
    kind: str | None = None,
    users: UserDirectory | None = None,
) -> Timeline:
    since, until = timeline_window(now, hours)
    return await timeline_between(client, schedule_id, since, until, now, kind=kind, users=users)


async def timeline_between(
    client: PagerDutyClient,
    schedule_id: str,
    since: datetime,
    until: datetime,
    now: datetime,
    *,
    kind: str | None = None,
    users: UserDirectory | None = None,
) -> Timeline:
    """A timeline over any window (the coverage check looks some hours back, to see where a gap began)."""
    window = await schedule_window(client, schedule_id, since, until, kind=kind, users=users)
    return build_timeline(window.schedule, window.shifts, since, until, now, coverage=window.coverage)


async def handover(
    client: PagerDutyClient,
    schedule_id: str,
    start: datetime,
    *,
    kind: str | None = None,
    users: UserDirectory | None = None,
    me: str | None = None,
) -> User | None:
    """Who is on call on the schedule just before ``start``: the person who hands over (None: nobody, a gap).
    On a shift-based schedule several may be; the first one other than ``me`` is named."""
    since = start - timedelta(minutes=1)
    window = await schedule_window(client, schedule_id, since, start, kind=kind, users=users)
    before = [s.user for s in window.shifts if s.user is not None and s.start < start <= s.end and s.user.id != me]
    return before[-1] if before else None


async def my_incidents(client: PagerDutyClient, user: User) -> list[Incident]:
    """Triggered and acknowledged incidents assigned to ``user``, from one paginated /incidents query."""
    raw = await client.incidents(statuses=OPEN_STATUSES, user_ids=[user.id])
    try:
        return ordered(decode_incidents(raw))
    except DecodeError as exc:
        raise invalid_answer("your incidents", exc) from None


async def full_refresh(
    client: PagerDutyClient,
    now: datetime,
    *,
    user: User | None = None,
    watched: Iterable[str] = (),
    previous: Snapshot | None = None,
) -> Snapshot:
    """What the tray needs every poll. Pass ``user`` once known: who "me" is does not change between polls, and
    ``previous``, the answer this one replaces: its users and references are reused for equal ones.

    The queries do not depend on one another once "me" is known, so they run together (the client keeps a few
    requests in flight per token): a refresh costs the round trips of its longest query, not of all of them. A
    failure of the incidents (a token without access to incidents, say) leaves the on-call answer standing: the
    snapshot then says it does not know them."""
    shared = await _shared_of(previous) if previous is not None else None
    (rows, complete), (mine, incidents) = await asyncio.gather(
        on_call_now_at_least_for(client, now, watched, shared), _mine_and_incidents(client, now, user)
    )
    return Snapshot(taken_at=now, on_call_now=tuple(rows), mine=mine, incidents=incidents, complete=complete)


#: schedules asked for by ID in one /oncalls request: a few kilobytes of URL, far inside what servers and proxies take
IDS_PER_REQUEST = 100


async def refresh_of_schedules(
    client: PagerDutyClient, now: datetime, previous: Snapshot, schedule_ids: list[str], *, user: User
) -> Snapshot:
    """A refresh that reads again only the on-call rows of ``schedule_ids`` (and all of my shifts and incidents),
    keeping the other schedules' rows from ``previous``: a large account between two whole reads. The IDs go out
    a hundred to a request, the requests together."""
    chunks = [schedule_ids[at : at + IDS_PER_REQUEST] for at in range(0, len(schedule_ids), IDS_PER_REQUEST)]
    shared = await _shared_of(previous)

    async def rows_of(chunk: list[str]) -> list[OnCall]:
        since, until = now_window(now)
        pages = client.oncall_pages(since=since, until=until, schedule_ids=chunk, include_users=True)
        return await decoded_oncalls(pages, "on-call entries", shared)

    *answers, (mine, incidents) = await asyncio.gather(
        *(rows_of(chunk) for chunk in chunks), _mine_and_incidents(client, now, user)
    )
    rows = previous.rows_kept_besides(schedule_ids)
    for answer in answers:
        rows += answer
    return Snapshot(
        taken_at=now,
        on_call_now=tuple(await _active(rows, now)),
        mine=mine,
        incidents=incidents,
        complete=previous.complete,
    )


async def _shared_of(previous: Snapshot) -> dict[object, object]:
    """A large answer's shared objects are gathered on a worker thread: hashing 6,000 rows' users and references
    took 4 ms of the UI thread at the start of each of a large account's refreshes."""
    return await _off_the_loop_if_many(len(previous.on_call_now), previous.shared_objects)


async def _mine_and_incidents(
    client: PagerDutyClient, now: datetime, user: User | None
) -> tuple[MyShifts, tuple[Incident, ...] | None]:
    who = user or await me(client)

    async def incidents_of() -> tuple[Incident, ...] | None:
        try:
            return tuple(await my_incidents(client, who))
        except (AccessDeniedError, InvalidResponseError, NotFoundError, TruncatedListError) as exc:
            log.warning("could not fetch your incidents: %s", exc)
            return None

    return await asyncio.gather(shifts_of(client, who, now), incidents_of())


__all__ = [
    "Snapshot",
    "full_refresh",
    "me",
    "my_incidents",
    "on_call_now",
    "refresh_of_schedules",
    "schedules",
    "shifts_of",
    "timeline",
]
