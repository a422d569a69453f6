"""The refresh service on a qasync loop against the demo server over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import finish
from PySide6.QtCore import QTimer

from pdtray.app import cache
from pdtray.app.connection import Connection
from pdtray.app.refresh import CREDENTIALS_RETRY, RefreshService, backoff_delay
from pdtray.app.secrets import Token, TokenOrigin
from pdtray.app.session import Session
from pdtray.pagerduty import (
    NetworkError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    TokenMissingError,
    TokenRejectedError,
)

NO_RETRIES = {"retry": RetryPolicy(max_server_retries=0, max_rate_limit_retries=0)}


def connection(demo, token=None) -> Connection:
    return Connection(Token(token or demo.token, TokenOrigin.DEMO), base_url=demo.url)


@pytest.fixture
def make_service(qloop, demo, tmp_path):
    made = []

    def factory(connect=None, **kw) -> RefreshService:
        kw.setdefault("cache_path", tmp_path / "snapshot.json")
        session = Session(connect or (lambda: connection(demo)), client_options=NO_RETRIES)
        service = RefreshService(session, **kw)
        made.append(service)
        return service

    yield factory
    for service in made:
        finish(qloop, service.stop())


def wait_for(qtbot, service, predicate, timeout=10_000):
    qtbot.waitUntil(lambda: predicate(service.state), timeout=timeout)
    return service.state


def test_first_refresh_fills_the_state_and_the_cache(qtbot, make_service, tmp_path):
    service = make_service()
    seen = []
    service.changed.connect(seen.append)
    service.start()
    state = wait_for(qtbot, service, lambda s: s.snapshot is not None and not s.refreshing)
    assert state.error is None and not state.stale and not state.from_cache
    assert state.snapshot.mine.user.name == "Demo User"
    assert len(state.schedules) == 17
    assert state.next_at is not None
    assert 55 <= (state.next_at - datetime.now(UTC)).total_seconds() <= 60
    assert seen[0].refreshing  # "refreshing" was shown before the data arrived
    cached = cache.load(tmp_path / "snapshot.json")
    assert cached.snapshot.on_call_now == state.snapshot.on_call_now
    assert cached.snapshot.mine == state.snapshot.mine
    assert cached.schedules == state.schedules


def test_memory_is_given_back_once_the_cache_is_written_not_before(qtbot, make_service, tmp_path):
    path = tmp_path / "snapshot.json"
    released = []  # whether the cache was on disk each time memory was given back
    service = make_service(release_memory=lambda: released.append(path.exists()))
    service.start()
    qtbot.waitUntil(lambda: len(released) == 1, timeout=10_000)
    assert released == [True]
    service.refresh_now()
    qtbot.waitUntil(lambda: len(released) == 2, timeout=10_000)  # after every refresh's write
    assert released == [True, True]


def test_next_start_shows_the_cache_at_once_marked_stale(qtbot, make_service, demo):
    first = make_service()
    first.start()
    good = wait_for(qtbot, first, lambda s: s.snapshot is not None and not s.refreshing)
    demo.faults.latency = 0.5  # the second start's refresh takes a while: the cache shows meanwhile
    second = make_service()
    seen = []
    second.changed.connect(seen.append)
    second.start()
    assert seen[0].from_cache and seen[0].stale
    assert seen[0].snapshot.on_call_now == good.snapshot.on_call_now
    state = wait_for(qtbot, second, lambda s: not s.from_cache and not s.refreshing)
    assert not state.stale


def test_failure_keeps_the_last_good_data_and_backs_off(qtbot, make_service, demo):
    service = make_service()
    service.start()
    good = wait_for(qtbot, service, lambda s: s.snapshot is not None and not s.refreshing)
    demo.faults.server_error(1, status=502)
    service.refresh_now()
    state = wait_for(qtbot, service, lambda s: s.error is not None and not s.refreshing)
    assert isinstance(state.error, ServerError)
    assert state.snapshot == good.snapshot and state.stale
    assert 25 <= (state.next_at - datetime.now(UTC)).total_seconds() <= 30
    # and it recovers on the next try
    service.refresh_now()
    state = wait_for(qtbot, service, lambda s: s.error is None and not s.refreshing)
    assert not state.stale


def test_backoff_doubles_to_fifteen_minutes():
    assert [backoff_delay(n) for n in (1, 2, 3, 4, 5, 6, 9)] == [30, 60, 120, 240, 480, 900, 900]


def test_429_waits_as_long_as_pagerduty_says(qtbot, make_service, demo):
    demo.faults.rate_limit(1, reset=600)
    service = make_service()
    service.start()
    state = wait_for(qtbot, service, lambda s: s.error is not None and not s.refreshing)
    assert isinstance(state.error, RateLimitedError)
    assert 595 <= (state.next_at - datetime.now(UTC)).total_seconds() <= 600


def test_rejected_token_is_an_error_retried_slowly(qtbot, make_service, demo):
    service = make_service(lambda: connection(demo, "wrong-token"))
    service.start()
    state = wait_for(qtbot, service, lambda s: s.error is not None and not s.refreshing)
    assert isinstance(state.error, TokenRejectedError)
    assert state.snapshot is None
    assert (state.next_at - datetime.now(UTC)).total_seconds() >= CREDENTIALS_RETRY - 5


def test_missing_token_is_an_error(qtbot, make_service):
    def no_token() -> Connection:
        raise TokenMissingError("No PagerDuty API token")

    service = make_service(no_token)
    service.start()
    state = wait_for(qtbot, service, lambda s: s.error is not None)
    assert isinstance(state.error, TokenMissingError)


def test_network_down_then_back(qtbot, make_service, demo):
    down = Connection(Token("x", TokenOrigin.DEMO), base_url="http://127.0.0.1:9")
    target = {"conn": down}
    service = make_service(lambda: target["conn"])
    service.start()
    state = wait_for(qtbot, service, lambda s: s.error is not None and not s.refreshing)
    assert isinstance(state.error, NetworkError)
    target["conn"] = connection(demo)
    service.reconnect()
    state = wait_for(qtbot, service, lambda s: s.snapshot is not None and s.error is None)
    assert state.snapshot.mine.user.name == "Demo User"


def test_refresh_requests_during_a_refresh_coalesce_into_one_more(qtbot, make_service, demo):
    demo.faults.latency = 0.2
    service = make_service()
    service.start()
    for _ in range(5):
        service.refresh_now()
    qtbot.waitUntil(lambda: service.cycles == 2 and not service.state.refreshing, timeout=10_000)
    qtbot.wait(300)
    assert service.cycles == 2


def test_the_event_loop_keeps_running_during_a_slow_refresh(qtbot, make_service, demo):
    # each request takes 0.8 s: a refresh, three round trips long (its queries overlap), takes 2.4 s or more
    demo.faults.latency = 0.8
    ticks = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    service = make_service()
    timer.start()
    service.start()
    wait_for(qtbot, service, lambda s: s.snapshot is not None and not s.refreshing)
    timer.stop()
    duration = ticks[-1] - ticks[0]
    assert duration >= 1.5
    # the UI's timer kept firing all along: nothing blocked the loop while the network was slow
    assert len(ticks) >= duration / 0.02 * 0.5


def test_a_clock_jump_refreshes_and_says_so(qtbot, make_service):
    service = make_service()
    service.start()
    wait_for(qtbot, service, lambda s: s.snapshot is not None and not s.refreshing)
    jumped = []
    service.clock_jumped.connect(lambda: jumped.append(True))
    before = service.cycles
    wall, mono = service._marks
    service._marks = (wall - 3600, mono)  # as after an hour asleep: the wall clock moved, the monotonic one not
    service._check_clock()
    assert jumped == [True]
    qtbot.waitUntil(lambda: service.cycles == before + 1, timeout=10_000)


def test_schedules_are_fetched_rarely(qtbot, make_service, demo):
    service = make_service()
    service.start()
    wait_for(qtbot, service, lambda s: s.snapshot is not None and not s.refreshing)
    service.refresh_now()
    qtbot.waitUntil(lambda: service.cycles == 2 and not service.state.refreshing, timeout=10_000)
    paths = [r.path for r in demo.faults.requests]
    assert paths.count("/schedules") == 1
    assert paths.count("/users/me") == 1  # who "me" is does not change between refreshes
    service.refresh_now(schedules=True)
    qtbot.waitUntil(lambda: service.cycles == 3 and not service.state.refreshing, timeout=10_000)
    assert [r.path for r in demo.faults.requests].count("/schedules") == 2


def test_cache_never_holds_the_token(qtbot, make_service, tmp_path, demo):
    service = make_service()
    service.start()
    wait_for(qtbot, service, lambda s: s.snapshot is not None and not s.refreshing)
    assert demo.token not in (tmp_path / "snapshot.json").read_text()


def test_unreadable_cache_is_ignored(tmp_path):
    path = tmp_path / "snapshot.json"
    path.write_text("{broken")
    assert cache.load(path) is None
    path.write_text('{"format": 99}')
    assert cache.load(path) is None


def test_cache_file_names_do_not_reveal_the_location(tmp_path):
    name = cache.cache_file("https://api.eu.pagerduty.com", tmp_path).name
    assert "pagerduty" not in name and name.startswith("snapshot-")
    assert cache.cache_file("demo", tmp_path) != cache.cache_file("https://api.pagerduty.com", tmp_path)


def test_stale_means_old_data_is_shown():
    from pdtray.app.queries import Snapshot
    from pdtray.app.refresh import RefreshState
    from pdtray.oncall import MyShifts, User

    snap = Snapshot(datetime(2026, 11, 22, tzinfo=UTC), (), MyShifts(User("P1", "Me"), (), ()))
    assert not RefreshState().stale  # nothing shown, nothing stale
    assert not RefreshState(error=ServerError("x")).stale
    assert RefreshState(snapshot=snap, from_cache=True).stale
    assert RefreshState(snapshot=snap, error=ServerError("x")).stale
    assert not RefreshState(snapshot=snap).stale
    assert RefreshState(snapshot=snap).updated_at == datetime(2026, 11, 22, tzinfo=UTC)


# -- a large account between whole reads ------------------------------------------------------------------------


class MovableClock:
    """The service's clock, set by the test: the demo answers /oncalls for the ``since`` it is sent."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def oncalls_asked(demo, since: int) -> list[dict[str, list[str]]]:
    """The /oncalls requests after the first ``since`` requests, each as its filters."""
    asked = []
    for request in demo.faults.requests[since:]:
        if request.path == "/oncalls":
            filters: dict[str, list[str]] = {}
            for key, value in request.query:
                if key.endswith("_ids[]"):
                    filters.setdefault(key, []).append(value)
            asked.append(filters)
    return asked


def refreshed(qtbot, service, cycles: int):
    qtbot.waitUntil(lambda: service.cycles == cycles and not service.state.refreshing, timeout=10_000)
    assert service.state.error is None
    return service.state.snapshot


def truth(qloop, demo, at: datetime):
    """Everyone on call at ``at``, read whole, by a client of the test's own."""
    from pdtray.app import queries
    from pdtray.pagerduty import PagerDutyClient

    async def read():
        async with PagerDutyClient(demo.token, base_url=demo.url) as client:
            return await queries.on_call_now(client, at)

    return tuple(finish(qloop, read()))


def test_a_large_account_reads_again_the_watched_and_handed_over_schedules_between_whole_reads(
    qtbot, qloop, make_service, demo, monkeypatch
):
    from pdtray.app import refresh

    monkeypatch.setattr(refresh, "LARGE_ACCOUNT_ROWS", 10)  # the 17-schedule demo account counts as large
    watched = demo.account.schedule_by_name("Payments Secondary").id
    clock = MovableClock(datetime.now(UTC).replace(microsecond=0))
    service = make_service(clock=clock, watched=lambda: [watched])
    service.start()
    first = refreshed(qtbot, service, 1)
    # the first handover after the start on a schedule other than the watched one
    ends = [r.end for r in first.on_call_now if r.schedule and r.schedule.id != watched and r.end is not None]
    handover = min(ends)
    handed_over = {r.schedule.id for r in first.on_call_now if r.end == handover and r.schedule}
    # a whole read five minutes before it (asked for, as a person's "Refresh now" would), then one just after it
    clock.at = handover - timedelta(minutes=5)
    service.refresh_now(whole=True)
    before = refreshed(qtbot, service, 2)
    assert [f for f in oncalls_asked(demo, 0)[-2:] if "schedule_ids[]" not in f and "user_ids[]" not in f]
    sent = len(demo.faults.requests)
    clock.at = handover + timedelta(seconds=1)
    service.refresh_now()
    after = refreshed(qtbot, service, 3)
    asked = oncalls_asked(demo, sent)
    # one /oncalls request for the schedules (the watched one first, then those that changed hands), one for my
    # shifts; none for the whole account
    assert len(asked) == 2
    by_schedule = next(f for f in asked if "schedule_ids[]" in f)
    assert by_schedule["schedule_ids[]"][0] == watched
    assert set(by_schedule["schedule_ids[]"]) >= {watched, *handed_over}
    assert any(f.get("user_ids[]") == [demo.account.me] for f in asked)
    # and what it shows is what a whole read at that moment says: the kept rows are still right, the new ones new
    assert after.on_call_now == truth(qloop, demo, clock.at)
    assert after.on_call_now != before.on_call_now


def test_between_whole_reads_an_unwatched_schedules_override_waits_for_the_next_whole_read(
    qtbot, qloop, make_service, demo, monkeypatch
):
    from pdtray.app import refresh
    from pdtray.pagerduty import PagerDutyClient

    monkeypatch.setattr(refresh, "LARGE_ACCOUNT_ROWS", 10)
    clock = MovableClock(datetime.now(UTC).replace(microsecond=0))
    watched_id: list[str] = []
    service = make_service(clock=clock, watched=lambda: watched_id)
    service.start()
    first = refreshed(qtbot, service, 1)
    me = demo.account.me
    # three layer-based schedules on which nobody hands over in the next half hour, and not mine
    mine = {r.schedule.id for r in first.mine.on_call_now + first.mine.upcoming if r.schedule}
    calm = [
        s
        for s in demo.account.schedules.values()
        if s.id not in mine
        and all(
            r.end is None or r.end > clock.at + timedelta(minutes=30)
            for r in first.on_call_now
            if r.schedule and r.schedule.id == s.id
        )
        and any(r.schedule and r.schedule.id == s.id for r in first.on_call_now)
    ]
    assert len(calm) >= 3, "the demo account should have three schedules with no handover in the next half hour"
    watched, other, third = calm[:3]
    watched_id.append(watched.id)

    async def take(schedule) -> None:
        async with PagerDutyClient(demo.token, base_url=demo.url) as client:
            start = clock.at - timedelta(minutes=1)
            await client.create_override(schedule.id, user_id=me, start=start, end=start + timedelta(hours=6))

    def mine_on(snapshot, schedule) -> bool:
        return any(r.user.id == me and r.schedule and r.schedule.id == schedule.id for r in snapshot.on_call_now)

    clock.at += timedelta(seconds=30)
    finish(qloop, take(watched))
    finish(qloop, take(other))
    service.refresh_now()
    partial = refreshed(qtbot, service, 2)
    assert mine_on(partial, watched)  # a watched schedule is read every time
    assert not mine_on(partial, other)  # the other one's line waits (no handover of its own was due)
    # the popup opening within the poll interval of the whole read does not read it again...
    service.looked_at()
    qtbot.wait(200)
    assert service.cycles == 2
    # ...after it, it does
    clock.at += timedelta(seconds=31)
    service.looked_at()
    assert mine_on(refreshed(qtbot, service, 3), other)
    # and ten minutes after a whole read, the poll itself reads the account whole
    clock.at += timedelta(minutes=4)
    finish(qloop, take(third))
    service.refresh_now()
    assert not mine_on(refreshed(qtbot, service, 4), third)
    clock.at += refresh.WHOLE_EVERY
    service.refresh_now()
    assert mine_on(refreshed(qtbot, service, 5), third)


def test_while_the_popup_shows_the_account_every_refresh_reads_it_whole(qtbot, make_service, demo, monkeypatch):
    from pdtray.app import refresh

    monkeypatch.setattr(refresh, "LARGE_ACCOUNT_ROWS", 10)
    looking = [False]
    service = make_service(looking=lambda: looking[0])
    service.start()
    refreshed(qtbot, service, 1)
    sent = len(demo.faults.requests)
    service.refresh_now()
    refreshed(qtbot, service, 2)
    assert all("schedule_ids[]" in f or "user_ids[]" in f for f in oncalls_asked(demo, sent))
    looking[0] = True
    sent = len(demo.faults.requests)
    service.refresh_now()
    refreshed(qtbot, service, 3)
    assert [f for f in oncalls_asked(demo, sent) if not f]  # an /oncalls request with no filter: the whole account


def test_a_small_account_is_read_whole_every_time(qtbot, make_service, demo):
    service = make_service(watched=lambda: [demo.account.schedule_by_name("Payments Secondary").id])
    service.start()
    refreshed(qtbot, service, 1)
    sent = len(demo.faults.requests)
    service.refresh_now()
    refreshed(qtbot, service, 2)
    asked = oncalls_asked(demo, sent)
    assert [f for f in asked if not f] and not [f for f in asked if "schedule_ids[]" in f]


def test_a_refused_read_of_some_schedules_is_followed_by_a_whole_read(qtbot, make_service, demo, monkeypatch):
    from pdtray.app import refresh
    from pdtray.pagerduty import BadRequestError

    monkeypatch.setattr(refresh, "LARGE_ACCOUNT_ROWS", 10)
    service = make_service(watched=lambda: [demo.account.schedule_by_name("Payments Secondary").id])
    service.start()
    refreshed(qtbot, service, 1)
    demo.faults.server_error(1, status=400, path_prefix="/oncalls")  # say, an ID PagerDuty no longer knows
    service.refresh_now()
    qtbot.waitUntil(lambda: service.cycles == 2 and not service.state.refreshing, timeout=10_000)
    assert isinstance(service.state.error, BadRequestError)
    sent = len(demo.faults.requests)
    service.refresh_now()
    refreshed(qtbot, service, 3)
    assert [f for f in oncalls_asked(demo, sent) if not f]  # the whole account, not the same IDs again


class CancelDroppingSession(Session):
    """Connecting finishes even when cancelled: what Python 3.11's ``asyncio.wait_for`` does when a cancel arrives
    together with the answer (the race that once let a stopped service's timer fire into a later test)."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.connecting = False

    async def client(self):
        self.connecting = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0.5)
        return await super().client()


def test_a_stopped_service_stays_stopped_even_when_its_refresh_finishes_anyway(qtbot, qloop, demo, tmp_path):
    session = CancelDroppingSession(lambda: connection(demo), client_options=NO_RETRIES)
    service = RefreshService(session, cache_path=tmp_path / "snapshot.json", poll_interval=1)
    service.start()
    qtbot.waitUntil(lambda: session.connecting, timeout=5_000)
    finish(qloop, service.stop())
    # the refresh ran to its end (its answer is kept) but armed no next refresh
    assert service.cycles == 1 and service.state.snapshot is not None
    assert service.state.next_at is None
    asked = len(demo.faults.requests)
    service.refresh_now()
    service.set_poll_interval(1)
    qtbot.wait(1_500)  # past the one-second poll a running service would have refreshed on
    assert service.cycles == 1 and len(demo.faults.requests) == asked
