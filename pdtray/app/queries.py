"""The questions pdtray asks PagerDuty, answered as domain objects: one place shared by the CLI and the tray.

Each function makes the fewest requests that answer its question: "who is on call now" is a single paginated
/oncalls query across the account, never one request per schedule.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pdtray.app.snapshot import Snapshot
from pdtray.oncall import (
    DecodeError,
    MyShifts,
    OnCall,
    Schedule,
    Timeline,
    active_rows,
    build_timeline,
    decode_oncalls,
    decode_rendered_entries,
    decode_schedule,
    decode_user,
    my_shifts,
    now_window,
    shifts_window,
    timeline_window,
)
from pdtray.oncall.incidents import OPEN_STATUSES, Incident, decode_incidents, ordered
from pdtray.oncall.models import User
from pdtray.pagerduty.errors import AccessDeniedError, InvalidResponseError, NotFoundError, TruncatedListError

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from pdtray.pagerduty.client import PagerDutyClient


def _invalid(what: str, exc: DecodeError) -> InvalidResponseError:
    return InvalidResponseError(f"PagerDuty's answer for {what} contained {exc}, which pdtray cannot use.")


async def schedules(client: PagerDutyClient, *, query: str | None = None) -> list[Schedule]:
    """The account's schedules; a list cut short by PagerDuty's offset cap raises TruncatedListError with the
    decoded schedules that did arrive in ``partial``."""
    try:
        raw = await client.schedules(query=query)
    except TruncatedListError as exc:
        raise TruncatedListError(str(exc), partial=_decode_schedules(exc.partial)) from None
    return _decode_schedules(raw)


def _decode_schedules(raw: list[Any]) -> list[Schedule]:
    try:
        return [decode_schedule(item) for item in raw]
    except DecodeError as exc:
        raise _invalid("schedules", exc) from None


async def schedule_exists(client: PagerDutyClient, schedule_id: str) -> bool:
    """Asked of the schedule itself, not looked up in the list, which a large account cannot read whole."""
    try:
        await client.schedule(schedule_id)
    except NotFoundError:
        return False
    return True


async def _decoded_oncalls(pages: AsyncIterator[list[dict[str, Any]]], what: str) -> list[OnCall]:
    """Decodes each page as it arrives, so a large account's rows are not all decoded in one stretch that would
    hold up the UI."""
    rows: list[OnCall] = []
    try:
        async for page in pages:
            rows.extend(decode_oncalls(page))
    except DecodeError as exc:
        raise _invalid(what, exc) from None
    return rows


async def on_call_now(client: PagerDutyClient, now: datetime, *, schedule_ids: Iterable[str] = ()) -> list[OnCall]:
    """Everyone on call at ``now``, every level, in one paginated query."""
    since, until = now_window(now)
    pages = client.oncall_pages(since=since, until=until, schedule_ids=schedule_ids, include_users=True)
    return active_rows(await _decoded_oncalls(pages, "on-call entries"), now)


async def on_call_now_at_least_for(
    client: PagerDutyClient, now: datetime, watched: Iterable[str]
) -> tuple[list[OnCall], bool]:
    """Everyone on call now, and whether that is everyone.

    An account with more on-call rows than PagerDuty's 10,000 offset cap cannot be read whole; then the rows that
    did arrive are kept, the watched schedules are asked for by ID (so that none of them is silently missing), and
    the answer says it is incomplete."""
    try:
        return await on_call_now(client, now), True
    except TruncatedListError as exc:
        log.warning("%s", exc)
        try:
            partial = decode_oncalls(exc.partial)
        except DecodeError as bad:
            raise _invalid("on-call entries", bad) from None
    wanted = list(dict.fromkeys(watched))
    extra = await on_call_now(client, now, schedule_ids=wanted) if wanted else []
    return active_rows([*partial, *extra], now), False


async def me(client: PagerDutyClient) -> User:
    raw = await client.me()
    try:
        return decode_user(raw)
    except DecodeError as exc:
        raise _invalid("the current user", exc) from None


async def shifts_of(client: PagerDutyClient, user: User, now: datetime) -> MyShifts:
    """``user``'s shifts running now or starting within the next 7 days."""
    since, until = shifts_window(now)
    pages = client.oncall_pages(since=since, until=until, user_ids=[user.id], include_users=True)
    return my_shifts(user, await _decoded_oncalls(pages, "your on-call entries"), now)


async def timeline(client: PagerDutyClient, schedule_id: str, now: datetime, *, hours: int = 24) -> Timeline:
    since, until = timeline_window(now, hours)
    raw = await client.schedule(schedule_id, since=since, until=until)
    try:
        return build_timeline(decode_schedule(raw), decode_rendered_entries(raw), since, until, now)
    except DecodeError as exc:
        raise _invalid(f"schedule {schedule_id}", exc) from None


async def timeline_between(
    client: PagerDutyClient, schedule_id: str, since: datetime, until: datetime, now: datetime
) -> Timeline:
    """A timeline over any window (the coverage check looks some hours back, to see where a gap began)."""
    raw = await client.schedule(schedule_id, since=since, until=until)
    try:
        return build_timeline(decode_schedule(raw), decode_rendered_entries(raw), since, until, now)
    except DecodeError as exc:
        raise _invalid(f"schedule {schedule_id}", exc) from None


async def handover(client: PagerDutyClient, schedule_id: str, start: datetime) -> User | None:
    """Who is on call on the schedule just before ``start``: the person who hands over (None: nobody, a gap)."""
    raw = await client.schedule(schedule_id, since=start - timedelta(minutes=1), until=start)
    try:
        entries = decode_rendered_entries(raw)
    except DecodeError as exc:
        raise _invalid(f"schedule {schedule_id}", exc) from None
    before = [e for e in entries if e.start < start <= e.end]
    return before[-1].user if before else None


async def my_incidents(client: PagerDutyClient, user: User) -> list[Incident]:
    """Triggered and acknowledged incidents assigned to ``user``, from one paginated /incidents query."""
    raw = await client.incidents(statuses=OPEN_STATUSES, user_ids=[user.id])
    try:
        return ordered(decode_incidents(raw))
    except DecodeError as exc:
        raise _invalid("your incidents", exc) from None


async def full_refresh(
    client: PagerDutyClient, now: datetime, *, user: User | None = None, watched: Iterable[str] = ()
) -> Snapshot:
    """What the tray needs every poll. Pass ``user`` once known: who "me" is does not change between polls.

    The incidents are asked for last, and their failure (a token without access to incidents, say) leaves the
    on-call answer standing: the snapshot then says it does not know them."""
    rows, complete = await on_call_now_at_least_for(client, now, watched)
    who = user or await me(client)
    mine = await shifts_of(client, who, now)
    incidents: tuple[Incident, ...] | None
    try:
        incidents = tuple(await my_incidents(client, who))
    except (AccessDeniedError, InvalidResponseError, NotFoundError, TruncatedListError) as exc:
        log.warning("could not fetch your incidents: %s", exc)
        incidents = None
    return Snapshot(taken_at=now, on_call_now=tuple(rows), mine=mine, incidents=incidents, complete=complete)


__all__ = ["Snapshot", "full_refresh", "me", "my_incidents", "on_call_now", "schedules", "shifts_of", "timeline"]
