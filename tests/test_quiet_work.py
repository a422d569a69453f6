"""Work kept off the UI thread's frames: the one worker thread, the collector's full passes, the cache encoder."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import threading

import pytest
from builders import at, row, user

from pdtray.app import cache, quiet_collector
from pdtray.app.queries import Snapshot
from pdtray.app.quiet_collector import NEVER, QuietCollector
from pdtray.oncall import MyShifts, Schedule
from pdtray.oncall.timestamps import to_iso
from pdtray.pagerduty.off_loop import WORK_SWITCH_INTERVAL, off_the_loop

NOW = at(2, 12)


def test_pure_work_runs_on_one_thread_with_short_switches_while_it_runs():
    """Two jobs asked for at once run one after the other on the same worker, never on the calling thread, with
    the 1 ms switch interval only while they run."""
    seen: list[tuple[str, float]] = []
    before = sys.getswitchinterval()

    def job() -> None:
        seen.append((threading.current_thread().name, sys.getswitchinterval()))

    async def both() -> None:
        await asyncio.gather(off_the_loop(job), off_the_loop(job))

    asyncio.run(both())
    assert len(seen) == 2
    assert {name for name, _ in seen} == {seen[0][0]} and seen[0][0].startswith("pdtray-work")
    assert all(interval == WORK_SWITCH_INTERVAL for _, interval in seen)
    assert sys.getswitchinterval() == before


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def collector(qtbot, monkeypatch):
    monkeypatch.setattr(quiet_collector, "SETTLE_MS", 10)
    monkeypatch.setattr(quiet_collector, "RETRY_MS", 10)
    quiet = {"now": False}
    clock = FakeClock()
    made = QuietCollector(lambda: quiet["now"], clock=clock)
    saved = gc.get_threshold()
    made.start()
    yield made, quiet, clock
    made.stop()
    assert gc.get_threshold() == saved


def test_full_collections_wait_for_a_quiet_moment(qtbot, collector):
    made, quiet, _clock = collector
    assert gc.get_threshold()[2] == NEVER  # the interpreter starts no full collection itself
    made.refresh_ended()
    qtbot.wait(100)  # several retries, none of them quiet
    assert made.collections == 0
    quiet["now"] = True
    qtbot.waitUntil(lambda: made.collections == 1, timeout=2000)
    qtbot.wait(50)
    assert made.collections == 1  # one per refresh, not one per retry


def test_a_popup_left_open_still_gets_a_full_collection_after_ten_minutes(qtbot, collector):
    made, _quiet, clock = collector
    clock.now += quiet_collector.FORCED_AFTER - 1
    made.refresh_ended()
    qtbot.wait(60)
    assert made.collections == 0
    clock.now += 2
    qtbot.waitUntil(lambda: made.collections == 1, timeout=2000)


def test_the_cache_encoded_a_slice_at_a_time_reads_back_the_same(tmp_path):
    """450 rows (more than two slices) and 450 schedules: the bytes are what json.dumps would write, and the
    file loads back to the same snapshot."""
    me = user("Me")
    rows = tuple(
        row(user(f"U{i:03d}"), at(2, 11), at(2, 13 + i % 10, 30), schedule=f"Schedule {i}") for i in range(450)
    )
    snapshot = Snapshot(taken_at=NOW, on_call_now=rows, mine=MyShifts(me, (), ()), incidents=())
    schedules = tuple(Schedule(id=f"RSCHEDULE{i}", name=f"Schedule {i}", time_zone="UTC") for i in range(450))
    payload = cache.encode(snapshot, schedules, NOW)
    assert payload == json.dumps(json.loads(payload)).encode()
    path = tmp_path / "cache.json"
    cache.save(path, snapshot, schedules, NOW)
    loaded = cache.load(path)
    assert loaded is not None
    assert loaded.snapshot == snapshot and loaded.schedules == schedules and loaded.schedules_at == NOW


def test_the_cache_names_each_person_and_policy_once_and_reads_back_shared_objects(tmp_path):
    """A large account's rows name a few people and policies thousands of times: the file lists each once, and each
    text once, and the rows point at them, so reading it back parses small arrays rather than thousands of nested
    objects; the rows read back share one object per person, policy and moment, as after a refresh."""
    me, ann, bob = user("Me"), user("Ann"), user("Bob")
    rows = tuple(
        row(ann if i % 2 else bob, at(2, 11), at(2, 13), schedule=f"Schedule {i}", policy="Platform", level=1 + i % 3)
        for i in range(600)
    )
    mine = MyShifts(me, (), (row(me, at(3, 9), at(3, 17), schedule="Schedule 1"),))
    snapshot = Snapshot(taken_at=NOW, on_call_now=rows, mine=mine, incidents=())
    path = tmp_path / "cache.json"
    cache.save(path, snapshot, (), None)
    whole = json.loads(path.read_text())
    texts, written = whole["texts"], whole["snapshot"]
    assert sorted(texts[u[1]] for u in written["users"]) == ["Ann", "Bob", "Me"]
    # every text once, the times too: 600 rows name two moments, and my shift two more
    assert len(texts) == len(set(texts))
    moments = sorted(to_iso(a) for a in (at(2, 11), at(2, 13), at(3, 9), at(3, 17)))
    assert sorted(t for t in texts if t.startswith("2026-")) == moments
    assert len(written["refs"]) == 1 + 600  # the policy, and each schedule
    assert all(isinstance(r, list) and len(r) == 6 for r in written["on_call_now"])
    # about 115 bytes a row (its array, and its schedule's entry), against 330 as nested objects
    nested = len(json.dumps([cache.row_to_json(r) for r in rows]))
    assert len(path.read_bytes()) < nested / 2
    loaded = cache.load(path).snapshot
    assert loaded == snapshot
    assert len({id(r.user) for r in loaded.on_call_now}) == 2
    assert len({id(r.escalation_policy) for r in loaded.on_call_now}) == 1
    assert len({id(r.start) for r in loaded.on_call_now} | {id(r.end) for r in loaded.on_call_now}) == 2
    assert loaded.mine.user is not None and loaded.mine.upcoming[0].schedule == loaded.on_call_now[1].schedule


def test_a_refresh_leaves_no_answer_for_the_collector(demo):
    """Full collections wait for quiet moments, so a refresh's answers must be freed by reference counting alone:
    none of them may be left in a reference cycle (httpx's answers were, with their bodies)."""
    from datetime import UTC, datetime

    import httpx

    from pdtray.app import queries
    from pdtray.pagerduty import PagerDutyClient

    async def refresh() -> None:
        async with PagerDutyClient(demo.token, base_url=demo.url) as client:
            snapshot = await queries.full_refresh(client, datetime.now(UTC))
            assert snapshot.on_call_now and client.requests_sent >= 4

    gc.collect()
    gc.disable()
    try:
        asyncio.run(refresh())
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, httpx.Response | httpx.Request)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []


def test_a_large_answer_holds_each_person_and_policy_once(tmp_path):
    """Over a thousand rows across eleven pages of /oncalls name a few dozen people and some 350 policies and
    schedules: each is one object, whichever page it came on, and again once the cache is read back."""
    from datetime import UTC, datetime

    from pdtray.app import queries
    from pdtray.demo import DemoServer
    from pdtray.pagerduty import PagerDutyClient

    async def read(server: DemoServer) -> tuple[Snapshot, int]:
        async with PagerDutyClient(server.token, base_url=server.url) as client:
            snapshot = await queries.full_refresh(client, datetime.now(UTC))
            return snapshot, client.requests_sent

    with DemoServer(schedules=400) as server:
        snapshot, sent = asyncio.run(read(server))
    rows = snapshot.on_call_now
    assert len(rows) > 1000 and sent >= 11  # many pages

    def distinct(values) -> tuple[int, int]:
        """(how many objects, how many different values)"""
        values = list(values)
        return len({id(v) for v in values}), len(set(values))

    people = distinct(r.user for r in rows)
    policies = distinct(r.escalation_policy for r in rows)
    schedules = distinct(r.schedule for r in rows if r.schedule)
    assert people[0] == people[1] < 100
    assert policies[0] == policies[1] and schedules[0] == schedules[1]
    path = tmp_path / "cache.json"
    cache.save(path, snapshot, (), None)
    loaded = cache.load(path).snapshot
    assert loaded == snapshot
    assert distinct(r.user for r in loaded.on_call_now)[0] == people[1]
    assert distinct(r.escalation_policy for r in loaded.on_call_now)[0] == policies[1]


def test_a_refresh_searches_the_disk_for_no_module(demo):
    """httpcore asks for sniffio at each lock it makes, several times a request, on the UI thread: were it missing,
    each ask would be a failed import searching every sys.path entry on disk. Once warm, a refresh imports nothing:
    no import gets past the finders to a last one that records it."""
    import sys
    from datetime import UTC, datetime

    from pdtray.app import queries
    from pdtray.pagerduty import PagerDutyClient

    class Missed:
        def __init__(self) -> None:
            self.names: list[str] = []

        def find_spec(self, name: str, path: object, target: object = None) -> None:
            self.names.append(name)  # no finder before this one found it: an import that fails, each time
            return None

    async def refresh() -> None:
        async with PagerDutyClient(demo.token, base_url=demo.url) as client:
            await queries.full_refresh(client, datetime.now(UTC))

    asyncio.run(refresh())  # the first imports what it needs
    missed = Missed()
    sys.meta_path.append(missed)
    try:
        asyncio.run(refresh())
    finally:
        sys.meta_path.remove(missed)
    assert missed.names == []
