"""A thin async client for the parts of PagerDuty's REST and Events v2 APIs that pdtray uses.

It returns PagerDuty's JSON as dicts; turning them into on-call facts is the domain's job (``pdtray.oncall``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from hashlib import sha256
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import httpx

from pdtray import __version__
from pdtray.pagerduty.errors import (
    InvalidResponseError,
    NetworkError,
    PagerDutyError,
    RateLimitedError,
    TLSVerificationError,
    TokenMissingError,
    TruncatedListError,
    UncertainOutcomeError,
    error_for_response,
)
from pdtray.pagerduty.off_loop import off_the_loop
from pdtray.pagerduty.retry import RETRYABLE_STATUSES, RetryPolicy, rate_limit_wait
from pdtray.pagerduty.service_urls import Region, ServiceURLs, is_loopback_host, resolve
from pdtray.pagerduty.tls import tls_context
from pdtray.pagerduty.token_format import check_token

if TYPE_CHECKING:
    from pdtray.pagerduty.oauth import OAuthCredentials

log = logging.getLogger(__name__)

ACCEPT = "application/vnd.pagerduty+json;version=2"
PAGE_LIMIT = 100
#: PagerDuty answers 400 when offset + limit goes past this.
OFFSET_CAP = 10_000

Json = dict[str, Any]
Sleep = Callable[[float], Awaitable[None]]
Params = Mapping[str, str | int | bool | datetime | Iterable[str] | None]

#: requests in flight at once for one token: a refresh's pages and queries overlap (a few round trips instead of
#: one per page), far inside PagerDuty's 960 requests a minute per key and per user
PER_TOKEN_CONCURRENCY = 4
#: pages of a list asked for beyond the one being handed over: enough to keep the token's places busy while the
#: caller decodes one, few enough that pages do not pile up undecoded
PAGES_AHEAD = 2 * PER_TOKEN_CONCURRENCY


class _TokenGate:
    """What every client using one token shares: at most PER_TOKEN_CONCURRENCY requests at once, and a pause for
    all of them when PagerDuty says the token's rate limit is spent (a 429 seen by one request holds the others
    back too, rather than each of them running into it). Gates belong to an event loop, hence one table per loop."""

    def __init__(self, concurrency: int) -> None:
        self.slots = asyncio.Semaphore(concurrency)
        #: monotonic time before which no request of this token starts
        self.paused_until = 0.0


_token_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _TokenGate]] = weakref.WeakKeyDictionary()


def _gate_for(key: str, concurrency: int) -> _TokenGate:
    table = _token_gates.setdefault(asyncio.get_running_loop(), {})
    return table.setdefault(key, _TokenGate(concurrency))


def authorization_header(token: str) -> str:
    """``Token token=...`` for API keys, ``Bearer ...`` for OAuth tokens (pasted with or without the word)."""
    stripped = check_token(token)
    if stripped.lower().startswith("bearer "):
        return "Bearer " + stripped[7:].strip()
    if stripped.lower().startswith("token token="):
        return "Token token=" + stripped[12:].strip()
    if stripped.startswith(("pdus+", "pdoa+")):  # PagerDuty's OAuth access-token prefixes
        return "Bearer " + stripped
    return "Token token=" + stripped


def _encode_params(params: Params) -> list[tuple[str, str]]:
    """PagerDuty wants repeated ``key[]=`` for sets, lower-case booleans and ISO 8601 times."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            pairs.append((key, "true" if value else "false"))
        elif isinstance(value, datetime):
            pairs.append((key, value.isoformat()))
        elif isinstance(value, str | int):
            pairs.append((key, str(value)))
        else:
            pairs.extend((key, str(item)) for item in value)
    return pairs


#: answers at least this large are parsed on a worker thread (a page of 100 schedules is about 100 KB)
THREAD_DECODE_BYTES = 32_768


class PagerDutyClient:
    """Async PagerDuty client: pagination, bounded retries, rate-limit waits and typed, token-free errors.

    Use as ``async with PagerDutyClient(token) as pd: ...`` (or call :meth:`aclose`).
    """

    def __init__(
        self,
        token: str | OAuthCredentials,
        *,
        region: str | Region = Region.US,
        base_url: str | None = None,
        events_url: str | None = None,
        timeout: float = 20.0,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """``timeout`` bounds each attempt as a whole (a server trickling bytes resets httpx's own read timeout
        with every byte); the retry policy's ``deadline`` bounds the request with all its retries."""
        self.urls: ServiceURLs = resolve(region, base_url, events_url)
        #: signed in with OAuth: the header comes from the credentials, renewed as they say
        self._oauth: OAuthCredentials | None = None
        if isinstance(token, str):
            if not token or not token.strip():
                raise TokenMissingError("No PagerDuty API token was given.")
            self._auth = authorization_header(token)
            self._token_digest = sha256(token.strip().encode()).hexdigest()
        else:
            self._oauth = token
            self._auth = ""
            self._token_digest = token.identity
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._attempt_deadline = timeout
        self._http = httpx.AsyncClient(
            verify=tls or tls_context(),
            timeout=timeout,
            transport=transport,
            # Proxy variables are for reaching the internet: a loopback API (the demo, a local proxy) is reached
            # directly, or the token would travel in clear through HTTP_PROXY.
            trust_env=not is_loopback_host(httpx.URL(self.urls.rest).host),
            headers={"Accept": ACCEPT, "User-Agent": f"pdtray/{__version__}"},
            follow_redirects=False,
        )
        #: Requests sent over the wire (retries included): what the benchmarks count.
        self.requests_sent = 0

    def __repr__(self) -> str:
        return f"PagerDutyClient(rest={self.urls.rest!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- transport ---------------------------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        url: str,
        *,
        what: str,
        params: Params | None = None,
        body: Json | None = None,
        headers: Mapping[str, str] | None = None,
        me: bool = False,
        auth: bool = True,
        once: bool = False,
        shape: tuple[str, type] | None = None,
    ) -> Any:
        """Sends one logical request, retrying as the policy allows; returns the decoded JSON body.

        ``once``: a write that must not be repeated once it may have reached PagerDuty. A connection that was never
        made and a 429 (PagerDuty refused it unread) are retried; a reset, a timeout or a 5xx after sending raise
        UncertainOutcomeError instead, because PagerDuty may have carried the write out.
        ``shape``: the top-level key and type a good answer has; a 2xx without it (a proxy's page, a cut body) is
        retried like a 5xx for requests that may be repeated.
        The whole request, retries and waits included, gives up after the policy's ``deadline``.
        """
        request_headers = {"Authorization": self._auth} if auth else {}
        request_headers.update(headers or {})
        renewed_after_401 = False
        give_up_at = self._clock() + self._retry.deadline
        # the Events API is keyed by routing key, not the token: its events go one at a time
        gate = _gate_for(self._token_digest, PER_TOKEN_CONCURRENCY) if auth else _gate_for("events:" + url, 1)
        async with gate.slots:
            server_tries = 0
            rate_tries = 0

            async def retry_or(error: PagerDutyError, delay: float, reason: str) -> None:
                """Waits for the next try, or raises ``error`` when none is left or the deadline would pass."""
                nonlocal server_tries
                if server_tries >= self._retry.max_server_retries or self._clock() + delay > give_up_at:
                    raise error
                server_tries += 1
                log.info("%s on %s %s; retry in %.1fs", reason, method, what, delay)
                await self._sleep(delay)

            while True:
                paused = gate.paused_until - self._clock()
                if paused > 0:  # another request of this token met the rate limit: wait with it
                    await self._sleep(paused)
                if auth and self._oauth is not None:
                    request_headers["Authorization"] = "Bearer " + await self._oauth.current()
                self.requests_sent += 1
                attempt_budget = max(0.1, min(self._attempt_deadline, give_up_at - self._clock()))
                try:
                    response = await asyncio.wait_for(
                        self._http.request(
                            method,
                            url,
                            params=_encode_params(params or {}),
                            json=body,
                            headers=request_headers,
                        ),
                        attempt_budget,
                    )
                except (httpx.TransportError, TimeoutError, RuntimeError) as exc:
                    if isinstance(exc, RuntimeError) and not _lost_event_loop(exc):
                        raise
                    if isinstance(exc, TimeoutError):
                        exc = httpx.ReadTimeout("no complete answer within the deadline")
                    elif not isinstance(exc, httpx.TransportError):
                        # anyio (inside httpcore) did not see the event loop for a moment under qasync; the next
                        # try does. Whether the request went out is unknown.
                        exc = httpx.ReadError(f"{type(exc).__name__}: the event loop was not found")
                    never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
                    if once and not never_sent:
                        raise self._uncertain(what, _describe_transport_error(exc)) from None
                    await retry_or(_network_error(url, exc), self._retry.backoff(server_tries), f"{type(exc).__name__}")
                    continue
                _unlink(response)
                status = response.status_code
                if status == 429:
                    wait = rate_limit_wait(response.headers)
                    if wait is not None and wait > self._retry.max_rate_limit_wait:
                        raise RateLimitedError(
                            f"PagerDuty's rate limit for this token resets in {wait:.0f} s; "
                            "pdtray will try again then.",
                            retry_after=wait,
                        )
                    delay = wait if wait is not None else self._retry.backoff(rate_tries)
                    if rate_tries < self._retry.max_rate_limit_retries and self._clock() + delay <= give_up_at:
                        rate_tries += 1
                        log.info("rate limited on %s %s; waiting %.1fs", method, what, delay)
                        ours = max(gate.paused_until, self._clock() + delay)
                        gate.paused_until = ours
                        await self._sleep(delay)
                        if gate.paused_until == ours:  # this wait is over (unless another 429 set a later one)
                            gate.paused_until = self._clock()
                        continue
                    raise RateLimitedError(
                        f"PagerDuty kept answering 'rate limit exceeded' (HTTP 429) after {rate_tries + 1} tries; "
                        "pdtray will try again later.",
                        retry_after=wait,
                    )
                if status in RETRYABLE_STATUSES:
                    if once:
                        raise self._uncertain(what, f"HTTP {status}")
                    await retry_or(
                        error_for_response(response, what=what, me=me),
                        self._retry.backoff(server_tries),
                        f"HTTP {status}",
                    )
                    continue
                if status == 401 and auth and self._oauth is not None and not renewed_after_401:
                    # an access token revoked or expired early: renew once and try again (PagerDuty did nothing
                    # with a 401, so even a write is safe to send again)
                    renewed_after_401 = True
                    await self._oauth.after_rejection(request_headers["Authorization"].removeprefix("Bearer "))
                    continue
                if status >= 400:
                    raise error_for_response(response, what=what, me=me)
                if status == 204 or not response.content:
                    decoded: Any = None
                else:
                    try:
                        if len(response.content) >= THREAD_DECODE_BYTES:
                            decoded = await off_the_loop(json.loads, response.content)
                        else:
                            decoded = response.json()
                    except (ValueError, RecursionError):
                        decoded = _UNREADABLE
                problem = _shape_problem(decoded, shape, what, status)
                if problem is None:
                    return decoded
                if once:
                    # It was carried out (2xx); only the answer is unreadable. Sending it again would repeat it.
                    raise InvalidResponseError(
                        f"PagerDuty accepted {what} (HTTP {status}), but its answer could not be read; check in "
                        "PagerDuty before trying again."
                    )
                await retry_or(problem, self._retry.backoff(server_tries), f"unreadable answer (HTTP {status})")

    def _uncertain(self, what: str, reason: str) -> UncertainOutcomeError:
        return UncertainOutcomeError(
            f"The answer to {what} was lost ({reason}), so PagerDuty may have carried it out. pdtray did not send "
            "it again; check in PagerDuty before trying again."
        )

    async def _get_object(
        self, path: str, key: str, *, what: str, params: Params | None = None, me: bool = False
    ) -> Json:
        body = await self._send("GET", self.urls.rest + path, what=what, params=params, me=me, shape=(key, dict))
        return body[key]

    async def pages(self, path: str, key: str, *, what: str, params: Params | None = None) -> AsyncIterator[list[Json]]:
        """Classic offset pagination. The first page asks for the ``total``; when PagerDuty gives it, the other
        pages' offsets are known and they are asked for together (a few round trips instead of one per page, at
        most PER_TOKEN_CONCURRENCY at once and PAGES_AHEAD beyond the one being handed over), handed over in
        order. Without a total (v3 lists have none) the pages follow one another. A list that cannot be read to
        its end (PagerDuty's 10,000 offset cap, or an empty page that still says ``more``) raises
        TruncatedListError after the last page it could read: never a silent short list."""
        first = await self._send(
            "GET",
            self.urls.rest + path,
            what=what,
            params={**(params or {}), "limit": PAGE_LIMIT, "offset": 0, "total": True},
            shape=(key, list),
        )
        yield first[key]
        if not first.get("more"):
            return
        if not first[key]:
            raise TruncatedListError(
                f"PagerDuty said there were more {what} after the first 0 but sent an empty page; "
                "the list is incomplete.",
                partial=[],
            )
        offset = len(first[key])
        total = first.get("total")
        if isinstance(total, int) and not isinstance(total, bool) and total > offset:
            offsets = list(range(offset, min(total, OFFSET_CAP), PAGE_LIMIT))
            # asked for a few pages ahead of the one handed over (the token's gate lets PER_TOKEN_CONCURRENCY
            # through at once) and handed over in order: asking for all of them at once held up to sixty pages of
            # JSON waiting for their turn on a 2,000-schedule account (24 MB), and that peak stayed in the
            # process's memory after they were freed
            asked: list[asyncio.Future[Any] | None] = [None] * len(offsets)

            def ask(index: int) -> None:
                if index < len(offsets):
                    at = offsets[index]
                    asked[index] = asyncio.ensure_future(
                        self._send(
                            "GET",
                            self.urls.rest + path,
                            what=what,
                            params={**(params or {}), "limit": min(PAGE_LIMIT, OFFSET_CAP - at), "offset": at},
                            shape=(key, list),
                        )
                    )

            for index in range(PAGES_AHEAD):
                ask(index)
            try:
                for index, at in enumerate(offsets):
                    task = asked[index]
                    assert task is not None
                    body = await task
                    asked[index] = task = None  # the task holds its result: let the page go once decoded
                    ask(index + PAGES_AHEAD)
                    page, more = body[key], bool(body.get("more"))
                    del body
                    yield page
                    offset = at + len(page)
                    if not more:
                        return
                    if len(page) < PAGE_LIMIT:
                        break  # the list shrank while it was read: the pages after this one start elsewhere
            finally:
                _abandon(asked)
            # more than the total said (the list grew while it was read), or a short page: go on one by one
        while True:
            limit = min(PAGE_LIMIT, OFFSET_CAP - offset)
            if limit <= 0:
                raise TruncatedListError(
                    f"PagerDuty gives at most the first {OFFSET_CAP:,} {what} through its API; the rest could not "
                    "be read.",
                    partial=[],
                )
            body = await self._send(
                "GET",
                self.urls.rest + path,
                what=what,
                params={**(params or {}), "limit": limit, "offset": offset},
                shape=(key, list),
            )
            page = body[key]
            yield page
            if not body.get("more"):
                return
            if not page:
                raise TruncatedListError(
                    f"PagerDuty said there were more {what} after the first {offset:,} but sent an empty page; "
                    "the list is incomplete.",
                    partial=[],
                )
            # Advance by what came back: PagerDuty may return fewer than asked for.
            offset += len(page)

    async def _paginate(self, path: str, key: str, *, what: str, params: Params | None = None) -> list[Json]:
        return await collect(self.pages(path, key, what=what, params=params))

    # -- REST endpoints ----------------------------------------------------------------------------------------

    async def me(self) -> Json:
        """The token's user; an account-level token raises UserTokenRequiredError."""
        return await self._get_object("/users/me", "user", what="the current user (/users/me)", me=True)

    async def user(self, user_id: str) -> Json:
        return await self._get_object(f"/users/{user_id}", "user", what=f"user {user_id}")

    async def contact_methods(self, user_id: str) -> list[Json]:
        """A user's email, phone, SMS and push contact methods (one answer, not paged). A token whose role may not
        see them gets 403, which is :class:`ForbiddenError`."""
        body = await self._send(
            "GET",
            f"{self.urls.rest}/users/{user_id}/contact_methods",
            what=f"the contact methods of user {user_id}",
            shape=("contact_methods", list),
        )
        return body["contact_methods"]

    async def escalation_policy(self, policy_id: str) -> Json:
        return await self._get_object(
            f"/escalation_policies/{policy_id}", "escalation_policy", what=f"escalation policy {policy_id}"
        )

    async def service(self, service_id: str) -> Json:
        return await self._get_object(f"/services/{service_id}", "service", what=f"service {service_id}")

    async def change_events(self, service_id: str, *, since: datetime, until: datetime) -> list[Json]:
        return await self._paginate(
            f"/services/{service_id}/change_events",
            "change_events",
            what=f"the change events of service {service_id}",
            params={"since": since, "until": until},
        )

    async def schedules(self, *, query: str | None = None) -> list[Json]:
        return await collect(self.schedule_pages(query=query))

    def schedule_pages(self, *, query: str | None = None) -> AsyncIterator[list[Json]]:
        """Layer-based schedules, a page at a time (``GET /schedules``)."""
        return self.pages("/schedules", "schedules", what="schedules", params={"query": query})

    async def schedule(
        self,
        schedule_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        time_zone: str | None = None,
    ) -> Json:
        """One schedule, with ``final_schedule.rendered_schedule_entries`` between since and until if given."""
        return await self._schedule_object("", schedule_id, "schedule", since, until, time_zone)

    async def _schedule_object(
        self,
        prefix: str,
        schedule_id: str,
        what: str,
        since: datetime | None,
        until: datetime | None,
        time_zone: str | None,
        include: Iterable[str] = (),
    ) -> Json:
        """A schedule of either kind: the two endpoints take the same window and zone."""
        return await self._get_object(
            f"{prefix}/schedules/{schedule_id}",
            "schedule",
            what=f"{what} {schedule_id}",
            params={"since": since, "until": until, "time_zone": time_zone, "include[]": list(include)},
        )

    async def shift_schedules(self, *, query: str | None = None) -> list[Json]:
        """Shift-based schedules (``GET /v3/schedules``), as bare references; /schedules lists only layer-based
        ones, and no endpoint lists both."""
        return await collect(self.shift_schedule_pages(query=query))

    def shift_schedule_pages(self, *, query: str | None = None) -> AsyncIterator[list[Json]]:
        return self.pages("/v3/schedules", "schedules", what="shift-based schedules", params={"query": query})

    async def shift_schedule(
        self,
        schedule_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        time_zone: str | None = None,
    ) -> Json:
        """One shift-based schedule with ``final_schedule.computed_shift_assignments`` between since and until.

        PagerDuty answers 400 when the ID is a layer-based schedule (BadRequestError)."""
        include = ["final_schedule"] if since is not None else []
        return await self._schedule_object("/v3", schedule_id, "shift-based schedule", since, until, time_zone, include)

    async def create_shift_override(
        self,
        schedule_id: str,
        *,
        start: datetime,
        end: datetime,
        overridden_user_id: str,
        overriding_user_id: str,
        rotation_id: str | None = None,
        custom_shift_id: str | None = None,
    ) -> Json:
        """An override on a shift-based schedule: it replaces one member of one source (a rotation or a custom
        shift), not the schedule's on-call as a whole, so both the source and the member replaced are named."""
        if (rotation_id is None) == (custom_shift_id is None):
            raise ValueError("an override names exactly one of rotation_id and custom_shift_id")
        override: Json = {
            "type": "override_shift",
            "start_time": start.isoformat(),
            "end_time": end.isoformat(),
            "overridden_member": {"type": "user_member", "user_id": overridden_user_id},
            "overriding_member": {"type": "user_member", "user_id": overriding_user_id},
        }
        if rotation_id is not None:
            override["rotation_id"] = rotation_id
        else:
            override["custom_shift_id"] = custom_shift_id
        body = await self._send(
            "POST",
            f"{self.urls.rest}/v3/schedules/{schedule_id}/overrides",
            what=f"an override on schedule {schedule_id}",
            body={"overrides": [override]},
            once=True,
        )
        return _only(_field(body, "overrides", list, f"the override on schedule {schedule_id}"), "override")

    async def create_custom_shift(self, schedule_id: str, *, start: datetime, end: datetime, user_id: str) -> Json:
        """A custom shift on a shift-based schedule: adds ``user_id`` for [start, end) without replacing anyone,
        which is how a gap is filled or an extra responder added. PagerDuty takes exactly one assignment."""
        shift: Json = {
            "type": "custom_shift",
            "start_time": start.isoformat(),
            "end_time": end.isoformat(),
            "assignments": [{"type": "shift_assignment", "member": {"type": "user_member", "user_id": user_id}}],
        }
        body = await self._send(
            "POST",
            f"{self.urls.rest}/v3/schedules/{schedule_id}/custom_shifts",
            what=f"a custom shift on schedule {schedule_id}",
            body={"custom_shifts": [shift]},
            once=True,
        )
        return _only(_field(body, "custom_shifts", list, f"the custom shift on schedule {schedule_id}"), "custom shift")

    def oncall_pages(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        user_ids: Iterable[str] = (),
        schedule_ids: Iterable[str] = (),
        escalation_policy_ids: Iterable[str] = (),
        include_users: bool = True,
        earliest: bool = False,
    ) -> AsyncIterator[list[Json]]:
        params: dict[str, Any] = {
            "since": since,
            "until": until,
            "user_ids[]": list(user_ids),
            "schedule_ids[]": list(schedule_ids),
            "escalation_policy_ids[]": list(escalation_policy_ids),
            "include[]": ["users"] if include_users else [],
            "earliest": True if earliest else None,
        }
        return self.pages("/oncalls", "oncalls", what="on-call entries", params=params)

    async def oncalls(self, **filters: Any) -> list[Json]:
        """All /oncalls rows for the filters of :meth:`oncall_pages`."""
        return await collect(self.oncall_pages(**filters))

    async def incidents(
        self,
        *,
        statuses: Iterable[str] = ("triggered", "acknowledged"),
        user_ids: Iterable[str] = (),
        urgencies: Iterable[str] = (),
    ) -> list[Json]:
        params = {"statuses[]": list(statuses), "user_ids[]": list(user_ids), "urgencies[]": list(urgencies)}
        return await self._paginate("/incidents", "incidents", what="incidents", params=params)

    async def services(self, *, query: str | None = None) -> list[Json]:
        return await self._paginate(
            "/services", "services", what="services", params={"query": query} if query else None
        )

    async def create_incident(
        self,
        *,
        service_id: str,
        title: str,
        urgency: str = "high",
        details: str | None = None,
        from_email: str | None = None,
        assignee_ids: Iterable[str] = (),
        escalation_policy_id: str | None = None,
        incident_key: str | None = None,
    ) -> Json:
        """REST POST /incidents: needs a token allowed to write, and ``From`` (the acting user's email).

        The incident goes to the service's escalation policy, or to the users of ``assignee_ids``, or to another
        policy (one or the other, as PagerDuty allows). ``incident_key`` makes PagerDuty refuse a second open
        incident with the same key on the service: what keeps a "Page" pressed again from paging twice."""
        incident: Json = {
            "type": "incident",
            "title": title,
            "urgency": urgency,
            "service": {"id": service_id, "type": "service_reference"},
        }
        assignees = list(assignee_ids)
        if assignees and escalation_policy_id:
            raise ValueError("an incident goes to assignees or to an escalation policy, not both")
        if assignees:
            incident["assignments"] = [{"assignee": {"id": u, "type": "user_reference"}} for u in assignees]
        if escalation_policy_id:
            incident["escalation_policy"] = {"id": escalation_policy_id, "type": "escalation_policy_reference"}
        if incident_key:
            incident["incident_key"] = incident_key
        if details:
            incident["body"] = {"type": "incident_body", "details": details}
        body = await self._send(
            "POST",
            f"{self.urls.rest}/incidents",
            what=f"a new incident on service {service_id}",
            body={"incident": incident},
            headers={"From": from_email} if from_email else None,
            once=True,
        )
        return _field(body, "incident", dict, "the new incident")

    async def incident(self, incident_id: str) -> Json:
        return await self._get_object(f"/incidents/{incident_id}", "incident", what=f"incident {incident_id}")

    async def update_incident(self, incident_id: str, *, status: str, from_email: str | None = None) -> Json:
        """Acknowledge or resolve; ``from_email`` is the ``From`` header account-level tokens must send."""
        body = await self._send(
            "PUT",
            f"{self.urls.rest}/incidents/{incident_id}",
            what=f"incident {incident_id}",
            body={"incident": {"type": "incident_reference", "status": status}},
            headers={"From": from_email} if from_email else None,
        )
        return _field(body, "incident", dict, f"incident {incident_id}")

    async def create_override(
        self, schedule_id: str, *, user_id: str, start: datetime, end: datetime, time_zone: str | None = None
    ) -> list[Json]:
        """Creates one override; PagerDuty answers with a bare array of ``{status, override | errors}``."""
        override: Json = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "user": {"id": user_id, "type": "user_reference"},
        }
        if time_zone:
            override["time_zone"] = time_zone
        body = await self._send(
            "POST",
            f"{self.urls.rest}/schedules/{schedule_id}/overrides",
            what=f"overrides on schedule {schedule_id}",
            body={"overrides": [override]},
            once=True,
        )
        if not isinstance(body, list):
            raise InvalidResponseError(f"PagerDuty's answer for overrides on schedule {schedule_id} was not a list.")
        return body

    # -- Events API v2 -----------------------------------------------------------------------------------------

    async def send_event(
        self,
        *,
        routing_key: str,
        action: str,
        summary: str | None = None,
        source: str | None = None,
        severity: str = "error",
        dedup_key: str | None = None,
    ) -> Json:
        """Events API v2: authenticated by the routing key in the body, not by the API token."""
        event: Json = {"routing_key": routing_key, "event_action": action}
        if dedup_key:
            event["dedup_key"] = dedup_key
        if action == "trigger":
            event["payload"] = {"summary": summary or "", "source": source or "pdtray", "severity": severity}
        # Retried as a read would be only with a dedup_key: PagerDuty folds repeats of one key into one alert.
        body = await self._send(
            "POST", self.urls.events, what="an Events API v2 event", body=event, auth=False, once=not dedup_key
        )
        if not isinstance(body, dict):
            raise InvalidResponseError("The Events API answer was not a JSON object.")
        return body


def _field(body: Any, key: str, kind: type, what: str) -> Any:
    if not isinstance(body, dict) or not isinstance(body.get(key), kind):
        raise InvalidResponseError(
            f"PagerDuty's answer for {what} lacked the expected '{key}' field; if a proxy sits between you and "
            "PagerDuty, check the API URL."
        )
    return body[key]


_UNREADABLE = object()


def _only(items: list[Any], what: str) -> Json:
    if len(items) != 1 or not isinstance(items[0], dict):
        raise InvalidResponseError(f"PagerDuty's answer held {len(items)} results for one new {what}.")
    return items[0]


def _shape_problem(body: Any, shape: tuple[str, type] | None, what: str, status: int) -> InvalidResponseError | None:
    if body is _UNREADABLE:
        return InvalidResponseError(
            f"PagerDuty's answer for {what} was not valid JSON (HTTP {status}); if a proxy sits between you and "
            "PagerDuty, check the API URL."
        )
    if shape is None:
        return None
    key, kind = shape
    try:
        _field(body, key, kind, what)
    except InvalidResponseError as exc:
        return exc
    return None


def _unlink(response: httpx.Response) -> None:
    """httpx leaves a read answer in a reference cycle with its spent stream (the stream refers back to the
    answer), so the body is freed only by the collector's next full pass. pdtray makes those at quiet moments
    only, and a 2,000-schedule account's 60 pages are about 9 MB a refresh: with the stream replaced, an answer is
    freed as soon as pdtray lets go of it. Its body stays readable (``content`` is kept apart)."""
    response.stream = httpx.ByteStream(b"")


def _abandon(tasks: list[asyncio.Future[Any] | None]) -> None:
    """Pages no longer wanted (the list ended early, a page failed, the refresh was cancelled): those still on
    their way are cancelled, and a failure among those already back is taken, so nothing logs it as unread."""
    for task in tasks:
        if task is None:
            continue
        if not task.done():
            task.cancel()
        elif not task.cancelled():
            task.exception()


async def collect(pages: AsyncIterator[list[Json]]) -> list[Json]:
    """Every item of a paginated list; a truncated one raises with what did arrive in ``partial``."""
    items: list[Json] = []
    try:
        async for page in pages:
            items.extend(page)
    except TruncatedListError as exc:
        raise TruncatedListError(str(exc), partial=items) from None
    return items


def _lost_event_loop(exc: RuntimeError) -> bool:
    return type(exc).__name__ == "NoEventLoopError" and type(exc).__module__.startswith("anyio")


def _tls_problem(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _network_error(url: str, exc: httpx.TransportError) -> NetworkError:
    host = httpx.URL(url).host
    tls = _tls_problem(exc)
    if tls is not None:
        reason = getattr(tls, "verify_message", None) or getattr(tls, "reason", None) or str(tls)
        return TLSVerificationError(
            f"The secure connection to {host} failed: {reason}. If your network inspects TLS traffic, its CA "
            "must be in this computer's trust store (or point SSL_CERT_FILE at it); otherwise check the API URL."
        )
    return NetworkError(
        f"Could not reach PagerDuty at {host} ({_describe_transport_error(exc)}). "
        "Check the network connection, and the API URL or region in Settings."
    )


def _describe_transport_error(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection was closed mid-answer"
    return type(exc).__name__


__all__ = ["PagerDutyClient", "PagerDutyError", "authorization_header"]
