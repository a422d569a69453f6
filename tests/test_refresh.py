"""The refresh service on a qasync loop against the demo server over real HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime

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
