"""The PagerDuty client against the demo server over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import socket
from datetime import UTC, datetime, timedelta

import pytest
from conftest import run

from pdtray.demo import DemoServer
from pdtray.demo.faults import Canned
from pdtray.pagerduty import (
    AccessDeniedError,
    BadRequestError,
    ConfigurationError,
    InsecureURLError,
    InvalidResponseError,
    NetworkError,
    NotFoundError,
    PagerDutyClient,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    TokenMissingError,
    TokenRejectedError,
    TruncatedListError,
    UserTokenRequiredError,
)
from pdtray.pagerduty.client import OFFSET_CAP, authorization_header

NOW_WINDOW = timedelta(seconds=1)


async def _call(client: PagerDutyClient, method: str, *args, **kwargs):
    async with client:
        return await getattr(client, method)(*args, **kwargs)


def _api_requests(demo: DemoServer) -> list:
    return demo.faults.requests


# -- requests as sent -------------------------------------------------------------------------------------------


def test_sends_token_and_v2_accept_header(demo, make_client):
    me = run(_call(make_client(), "me"))
    assert me["email"] == "demo@pdtray.example"
    [request] = _api_requests(demo)
    assert request.auth_scheme == "Token"
    assert request.accept == "application/vnd.pagerduty+json;version=2"


@pytest.mark.parametrize(
    ("given", "header"),
    [
        ("abc123", "Token token=abc123"),
        ("  abc123\n", "Token token=abc123"),
        ("Bearer xyz", "Bearer xyz"),
        ("pdus+_0XBPWCC", "Bearer pdus+_0XBPWCC"),
        ("Token token=abc", "Token token=abc"),
    ],
)
def test_authorization_header_forms(given, header):
    assert authorization_header(given) == header


def test_bearer_token_is_accepted_by_the_demo(demo, make_client):
    me = run(_call(make_client(f"Bearer {demo.token}"), "me"))
    assert me["name"] == "Demo User"
    assert _api_requests(demo)[0].auth_scheme == "Bearer"


def test_many_pages_follow_more_and_offset(make_client):
    with DemoServer(schedules=317) as big:  # the base account's 17 and 300 synthetic ones
        client = PagerDutyClient(big.token, base_url=big.url)
        now = datetime.now(UTC)
        rows = run(_call(client, "oncalls", since=now, until=now + NOW_WINDOW))
        requests = big.faults.requests
    # 300 synthetic schedules, each at levels 1-3 of three policies and never in a gap: 900 rows, plus the base
    # account's rows (at least 15).
    assert len(rows) >= 915
    assert len(requests) == math.ceil(len(rows) / 100)
    # the first page asks for the total; the others, their offsets then known, go out together (in any order)
    assert ("total", "true") in requests[0].query and int(dict(requests[0].query)["offset"]) == 0
    offsets = sorted(int(dict(r.query)["offset"]) for r in requests)
    assert offsets == [100 * i for i in range(len(requests))]
    assert all(dict(r.query)["limit"] == "100" for r in requests)
    # the include[] set filter goes out in PagerDuty's repeated-bracket form
    assert ("include[]", "users") in requests[0].query
    # every row came once: no page was skipped or fetched twice
    keys = {(r["escalation_policy"]["id"], r["escalation_level"], r["user"]["id"], r["start"]) for r in rows}
    assert len(keys) == len(rows)


def test_pages_are_asked_for_a_few_ahead_of_the_one_taken_and_not_after_the_list_is_left(caplog):
    # 600 synthetic schedules: 1,800 rows and the base account's, so 19 pages or more
    with DemoServer(schedules=617) as big:
        now = datetime.now(UTC)

        async def read(taken: int, *, leave: bool):
            async with PagerDutyClient(big.token, base_url=big.url) as client:
                pages = client.oncall_pages(since=now, until=now + NOW_WINDOW)
                got = [await anext(pages) for _ in range(taken)]
                await asyncio.sleep(0.5)  # whatever was asked for has arrived by now
                asked = len(big.faults.requests)
                if leave:
                    await pages.aclose()
                    await asyncio.sleep(0.5)
                    return got, asked, len(big.faults.requests)
                return got + [page async for page in pages], asked, len(big.faults.requests)

        with caplog.at_level(logging.ERROR):
            rows, asked, in_all = run(read(2, leave=False))
        rows = [row for page in rows for row in page]
        # two pages taken: the first, eight asked ahead of page 1 (pages 1-8), and page 9 once page 1 was taken
        assert asked == 10
        assert in_all == math.ceil(len(rows) / 100) >= 19
        keys = {(r["escalation_policy"]["id"], r["escalation_level"], r["user"]["id"], r["start"]) for r in rows}
        assert len(keys) == len(rows)
        # a list left after its third page: nothing more is asked for, and nothing is left to fail unread
        big.faults.clear_requests()
        _, asked, in_all = run(read(3, leave=True))
        assert asked == in_all == 11
    assert "never retrieved" not in caplog.text


def test_offset_advances_by_what_came_back(demo, make_client):
    short_page = {"schedules": [{"id": "PX1", "name": "a"}, {"id": "PX2", "name": "b"}], "more": True, "limit": 100}
    demo.faults.queue(Canned.json(200, short_page))
    items = run(_call(make_client(), "schedules"))
    assert [i["id"] for i in items[:2]] == ["PX1", "PX2"]
    # then the real account's 14 schedules from offset 2 on: the 3rd by name is "Database On-Call"
    assert len(items) == 2 + 12
    assert items[2]["name"] == "Database On-Call"
    assert [dict(r.query)["offset"] for r in _api_requests(demo)] == ["0", "2"]


def test_pagination_stops_at_the_offset_cap_and_says_the_list_is_cut(demo, make_client):
    page = {"schedules": [{"id": f"P{i}", "name": str(i)} for i in range(100)], "more": True, "limit": 100}
    demo.faults.queue(*[Canned.json(200, page)] * 101)
    with pytest.raises(TruncatedListError, match="at most the first 10,000 schedules") as caught:
        run(_call(make_client(), "schedules"))
    requests = _api_requests(demo)
    # what did arrive is handed over, never as the whole list
    assert len(caught.value.partial) == OFFSET_CAP
    assert len(requests) == 100
    assert max(int(dict(r.query)["offset"]) + int(dict(r.query)["limit"]) for r in requests) == OFFSET_CAP


def test_set_filters_and_booleans(demo, make_client):
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    run(_call(make_client(), "oncalls", since=now, until=now, user_ids=["PA", "PB"], earliest=True))
    query = _api_requests(demo)[0].query
    assert [v for k, v in query if k == "user_ids[]"] == ["PA", "PB"]
    assert ("earliest", "true") in query
    assert ("since", "2026-11-22T12:00:00+00:00") in query


# -- rate limits and retries ------------------------------------------------------------------------------------


def test_429_waits_for_ratelimit_reset(demo, make_client, sleeps):
    demo.faults.rate_limit(2, reset=7)
    me = run(_call(make_client(), "me"))
    assert me["name"] == "Demo User"
    assert sleeps.delays == [7, 7]
    assert len(_api_requests(demo)) == 3


def test_429_uses_retry_after_when_no_ratelimit_headers(demo, make_client, sleeps):
    demo.faults.rate_limit(1, retry_after=3)
    run(_call(make_client(), "me"))
    assert sleeps.delays == [3]


def test_429_without_headers_or_body_backs_off_exponentially_with_jitter(demo, make_client, sleeps):
    demo.faults.rate_limit(3, body=False)
    policy = RetryPolicy(base_backoff=1.0, rng=random.Random(7))
    run(_call(make_client(retry=policy), "me"))
    # attempt n waits within [half, all] of 1 s * 2**n
    assert len(sleeps.delays) == 3
    for attempt, delay in enumerate(sleeps.delays):
        assert 0.5 * 2**attempt <= delay <= 2**attempt
    assert len(set(sleeps.delays)) == 3


def test_429_that_persists_gives_up_with_a_rate_limited_error(demo, make_client, sleeps):
    demo.faults.rate_limit(10, reset=1)
    with pytest.raises(RateLimitedError) as caught:
        run(_call(make_client(retry=RetryPolicy(max_rate_limit_retries=2)), "me"))
    assert len(_api_requests(demo)) == 3
    assert sleeps.delays == [1, 1]
    assert "rate limit" in str(caught.value)


def test_429_with_a_distant_reset_is_not_waited_for(demo, make_client, sleeps):
    demo.faults.rate_limit(1, reset=600)
    with pytest.raises(RateLimitedError) as caught:
        run(_call(make_client(), "me"))
    assert caught.value.retry_after == 600
    assert sleeps.delays == []
    assert "600 s" in str(caught.value)


def test_5xx_then_success(demo, make_client, sleeps):
    demo.faults.server_error(2, status=503)
    schedules = run(_call(make_client(), "schedules"))
    assert len(schedules) == 14
    assert len(sleeps.delays) == 2
    assert len(_api_requests(demo)) == 3


def test_408_is_retried(demo, make_client, sleeps):
    demo.faults.queue(Canned(408, b""))
    run(_call(make_client(), "me"))
    assert len(_api_requests(demo)) == 2


def test_5xx_that_persists_raises_server_error_after_bounded_retries(demo, make_client, sleeps):
    demo.faults.server_error(10, status=500)
    with pytest.raises(ServerError) as caught:
        run(_call(make_client(retry=RetryPolicy(max_server_retries=3)), "me"))
    assert len(_api_requests(demo)) == 4
    assert "HTTP 500" in str(caught.value)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_other_4xx_are_never_retried(demo, make_client, sleeps, status):
    demo.faults.queue(Canned.json(status, {"error": {"message": "no", "code": 2001}}))
    with pytest.raises(Exception):  # noqa: B017 - the type is checked per status elsewhere
        run(_call(make_client(), "schedules"))
    assert len(_api_requests(demo)) == 1
    assert sleeps.delays == []


def test_network_error_after_retries_names_the_host(sleeps):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    client = PagerDutyClient("tok", base_url=f"http://127.0.0.1:{port}", sleep=sleeps)
    with pytest.raises(NetworkError) as caught:
        run(_call(client, "me"))
    assert len(sleeps.delays) == 3
    assert "127.0.0.1" in str(caught.value)
    assert "network" in str(caught.value)


def test_at_most_four_requests_in_flight_per_token(demo):
    demo.faults.latency = 0.15

    async def scenario() -> None:
        a = PagerDutyClient(demo.token, base_url=demo.url)
        b = PagerDutyClient(demo.token, base_url=demo.url)
        async with a, b:
            await asyncio.gather(*(c.me() for c in (a, b) * 4), a.schedules(), b.user(demo.account.me))

    run(scenario())
    assert len(demo.faults.requests) == 10
    # two clients of one token share its four places: PagerDuty's limit is per token (and per user)
    assert demo.faults.max_in_flight == 4


def test_a_429_holds_back_the_tokens_other_requests_too(demo, sleeps):
    """One request meets the rate limit; the others of the same token wait out the same reset instead of each
    running into a 429 of its own."""
    demo.faults.latency = 0.05
    demo.faults.rate_limit(1, reset=3, path_prefix="/users/me")

    async def scaled(delay: float) -> None:  # a twentieth of each wait, really waited: the others must overlap it
        sleeps.delays.append(delay)
        await asyncio.sleep(delay / 20)

    async def scenario() -> None:
        client = PagerDutyClient(demo.token, base_url=demo.url, sleep=scaled)

        async def user_a_moment_later() -> object:
            # /users/me goes out first, so its 429 comes back before the first users' answers, however loaded the
            # machine (without this the order of answers arriving together decided the test)
            await asyncio.sleep(0.025)
            return await client.user(demo.account.me)

        async with client:
            await asyncio.gather(client.me(), *(user_a_moment_later() for _ in range(6)))

    run(scenario())
    assert sum(1 for r in demo.faults.requests if r.path == "/users/me") == 2  # the 429, then the retry
    assert sleeps.delays[0] == 3.0
    # requests that had not started when the 429 came waited for the reset rather than sending
    assert len(sleeps.delays) > 1 and all(0 < d <= 3.0 for d in sleeps.delays)


def test_different_tokens_do_not_wait_for_each_other(demo):
    demo.faults.latency = 0.15

    async def scenario() -> None:
        a = PagerDutyClient(demo.token, base_url=demo.url)
        b = PagerDutyClient("demo-account-token", base_url=demo.url)
        async with a, b:
            await asyncio.gather(a.schedules(), b.schedules())

    run(scenario())
    assert demo.faults.max_in_flight == 2


# -- typed errors -----------------------------------------------------------------------------------------------


def test_401_says_token_rejected_or_wrong_region(make_client):
    with pytest.raises(TokenRejectedError) as caught:
        run(_call(make_client("not-a-real-token"), "schedules"))
    message = str(caught.value)
    assert "rejected the API token" in message
    assert "region" in message
    assert caught.value.status == 401


def test_401_with_a_non_json_body(demo, make_client):
    demo.faults.queue(Canned(401, b"Unauthorized", (("Content-Type", "text/plain"),)))
    with pytest.raises(TokenRejectedError) as caught:
        run(_call(make_client(), "schedules"))
    assert "PagerDuty said" not in str(caught.value)


def test_403_read_only_token(demo, make_client):
    incident = next(iter(demo.account.incidents))
    with pytest.raises(AccessDeniedError) as caught:
        run(_call(make_client("demo-readonly-token"), "update_incident", incident, status="acknowledged"))
    assert f"incident {incident}" in str(caught.value)
    assert "read-only" in str(caught.value)


def test_404_names_the_missing_schedule(make_client):
    now = datetime.now(UTC)
    with pytest.raises(NotFoundError) as caught:
        run(_call(make_client(), "schedule", "PNOSUCH", since=now, until=now + timedelta(hours=1)))
    assert "schedule PNOSUCH" in str(caught.value)
    assert "Schedule Not Found" in str(caught.value)


def test_account_token_on_users_me_asks_for_a_user_token(make_client):
    with pytest.raises(UserTokenRequiredError) as caught:
        run(_call(make_client("demo-account-token"), "me"))
    assert "user token" in str(caught.value)


def test_errors_as_a_string_from_override_creation(demo, make_client):
    schedule = demo.account.schedule_by_name("Platform Primary")
    past = datetime.now(UTC) - timedelta(days=2)
    with pytest.raises(BadRequestError) as caught:
        run(
            _call(
                make_client(),
                "create_override",
                schedule.id,
                user_id=demo.account.me,
                start=past,
                end=past + timedelta(hours=1),
            )
        )
    assert "Invalid Input Provided — Overrides cannot be created in the past" in str(caught.value)


def test_error_as_a_list(demo, make_client):
    demo.faults.queue(Canned.json(400, {"error": ["first problem", "second problem"]}))
    with pytest.raises(BadRequestError) as caught:
        run(_call(make_client(), "schedules"))
    assert "first problem — second problem" in str(caught.value)


def test_a_malformed_success_body_is_retried_like_a_server_error(demo, make_client, sleeps):
    demo.faults.malformed(1)
    items = run(_call(make_client(), "schedules"))
    assert len(items) == len(demo.account.schedules)
    assert len(_api_requests(demo)) == 2
    assert len(sleeps.delays) == 1


def test_malformed_success_bodies_fail_after_the_retries(demo, make_client):
    demo.faults.malformed(4)  # the first try and 3 retries
    with pytest.raises(InvalidResponseError) as caught:
        run(_call(make_client(), "schedules"))
    assert "not valid JSON" in str(caught.value)
    assert len(_api_requests(demo)) == 4


def test_success_body_without_the_expected_field(demo, make_client):
    demo.faults.queue(*[Canned.json(200, {"something": "else"})] * 4)
    with pytest.raises(InvalidResponseError, match="lacked the expected 'user' field"):
        run(_call(make_client(), "me"))


def test_a_deeply_nested_answer_is_an_unreadable_answer_not_a_crash(demo, make_client):
    nested = b"[" * 100_000 + b"]" * 100_000
    demo.faults.queue(*[Canned(200, nested, (("Content-Type", "application/json"),))] * 4)
    with pytest.raises(InvalidResponseError, match="not valid JSON"):
        run(_call(make_client(), "me"))


def test_override_creation_returns_the_bare_array(demo, make_client):
    schedule = demo.account.schedule_by_name("Payments Secondary")
    start = datetime.now(UTC) + timedelta(days=1)
    answer = run(
        _call(
            make_client(),
            "create_override",
            schedule.id,
            user_id=demo.account.me,
            start=start,
            end=start + timedelta(hours=2),
        )
    )
    assert answer[0]["status"] == 201
    assert answer[0]["override"]["user"]["id"] == demo.account.me


def test_incident_update_needs_from_with_an_account_token(demo, make_client):
    incident = next(i for i in demo.account.incidents.values() if i.status == "triggered")
    with pytest.raises(BadRequestError) as caught:
        run(_call(make_client("demo-account-token"), "update_incident", incident.id, status="acknowledged"))
    assert "From header" in str(caught.value)
    updated = run(
        _call(
            make_client("demo-account-token"), "update_incident", incident.id, status="acknowledged", from_email="a@b.c"
        )
    )
    assert updated["status"] == "acknowledged"
    assert _api_requests(demo)[-1].from_header == "a@b.c"


def test_events_api(demo, make_client):
    key = next(iter(demo.account.services.values())).routing_key
    ok = run(
        _call(make_client(), "send_event", routing_key=key, action="trigger", summary="Disk full", severity="critical")
    )
    assert ok["status"] == "success"
    with pytest.raises(BadRequestError) as caught:
        run(_call(make_client(), "send_event", routing_key="short", action="trigger", summary="x"))
    assert "routing_key" in str(caught.value)


# -- URLs -------------------------------------------------------------------------------------------------------


def test_regions_and_custom_url():
    assert PagerDutyClient("t").urls.rest == "https://api.pagerduty.com"
    eu = PagerDutyClient("t", region="eu").urls
    assert (eu.rest, eu.events) == ("https://api.eu.pagerduty.com", "https://events.eu.pagerduty.com/v2/enqueue")
    custom = PagerDutyClient("t", base_url="https://pd-proxy.example.com/api/").urls
    assert custom.rest == "https://pd-proxy.example.com/api"
    assert custom.events == "https://pd-proxy.example.com/api/v2/enqueue"
    with pytest.raises(ConfigurationError, match="'us' or 'eu'"):
        PagerDutyClient("t", region="apac")


@pytest.mark.parametrize("url", ["http://api.pagerduty.com", "http://10.0.0.5:8080", "http://[2001:db8::1]/"])
def test_plain_http_is_refused_except_to_loopback(url):
    with pytest.raises(InsecureURLError, match="plain http"):
        PagerDutyClient("t", base_url=url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9", "http://localhost:8080", "http://[::1]:8080", "http://127.5.0.1"]
)
def test_plain_http_to_loopback_is_allowed(url):
    assert PagerDutyClient("t", base_url=url).urls.rest == url.rstrip("/")


def test_custom_url_with_trailing_slash_reaches_the_demo(demo):
    me = run(_call(PagerDutyClient(demo.token, base_url=demo.url + "/"), "me"))
    assert me["name"] == "Demo User"


def test_empty_token_is_refused():
    with pytest.raises(TokenMissingError):
        PagerDutyClient("   ")


# -- the token stays secret -------------------------------------------------------------------------------------


def test_token_never_in_logs_errors_or_repr(demo, sleeps, caplog):
    secret = "s3cr3t-T0KEN-value"
    caplog.set_level(logging.DEBUG)
    client = PagerDutyClient(secret, base_url=demo.url, sleep=sleeps)
    messages = [repr(client)]
    demo.faults.server_error(1)
    demo.faults.rate_limit(1, body=False)
    for method, args in [("me", ()), ("schedules", ()), ("user", ("PX",))]:
        try:
            run(_call(PagerDutyClient(secret, base_url=demo.url, sleep=sleeps), method, *args))
        except Exception as exc:
            messages += [str(exc), repr(exc), repr(exc.__cause__), repr(exc.__context__)]
    dead = PagerDutyClient(secret, base_url="http://127.0.0.1:9", sleep=sleeps)
    with pytest.raises(NetworkError) as caught:
        run(_call(dead, "me"))
    messages += [str(caught.value), repr(caught.value.__cause__), repr(caught.value.__context__)]
    assert "HTTP Request" in caplog.text  # httpx did log at DEBUG/INFO, so the check below means something
    everything = caplog.text + "\n".join(messages) + json.dumps([r.query for r in demo.faults.requests])
    assert secret not in everything


def test_httpx_is_used_without_its_command_line_tool():
    """httpx imports click, rich and pygments for its own command line when they are installed (fake-winreg
    brings them into the test environment): about 250 ms of start-up pdtray does not need."""
    import subprocess
    import sys

    code = (
        "import sys, pdtray.pagerduty, httpx; "
        "print(sorted(m for m in ('click', 'rich', 'pygments') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    plain = subprocess.run(
        [sys.executable, "-c", "import sys, httpx; print('rich' in sys.modules)"], capture_output=True, text=True
    )
    assert plain.stdout.strip() == "True"  # without pdtray's stand-in, the test environment's httpx loads rich
