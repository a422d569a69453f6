"""The reliability soak: many full refreshes against a demo PagerDuty that misbehaves on about one request in five.

Each round takes the full refresh the tray does (on-call pages, /users/me, my shifts, my incidents) through the
RefreshService's own rules: a refresh either fails with a PagerDutyError (the tray keeps the last good data and
says it may be out of date) or succeeds, and then its answer must equal the fault-free answer for the same moment,
worked out by a second client on the same server. It prints:

- refreshes and faults injected, by kind;
- crashes: anything but a PagerDutyError escaping a refresh (must be 0);
- wrong data shown: a refresh that succeeded with an answer other than the truth (must be 0);
- recoveries: failed refreshes followed by a good one at the next fault-free try;
- the longest stall of the event loop (a 5 ms ticker) and resident memory at the start and the end.

    python benchmarks/soak.py [--refreshes 1000] [--fault-rate 0.2] [--schedules 100] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

from pdtray.app import queries
from pdtray.app.snapshot import Snapshot
from pdtray.demo import DemoServer
from pdtray.demo.faults import Canned
from pdtray.pagerduty import PagerDutyClient, PagerDutyError, RetryPolicy

PATHS = ("/oncalls", "/users/me", "/incidents")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def inject(server: DemoServer, rng: random.Random) -> str:
    """Queues one fault for one of the refresh's requests; returns its kind."""
    path = rng.choice(PATHS)
    faults = server.faults
    kind = rng.choice(
        ["reset", "5xx", "429 plain", "429 retry-after 0", "429 reset inf", "truncated", "html 200", "401", "slow"]
    )
    if kind == "reset":
        faults.lose_answer(1, status=0, method="GET", path_prefix=path)
    elif kind == "5xx":
        faults.server_error(rng.choice([1, 4]), status=rng.choice([500, 502, 503, 504]), path_prefix=path)
    elif kind == "429 plain":
        faults.rate_limit(rng.choice([1, 5]), body=False, path_prefix=path)
    elif kind == "429 retry-after 0":
        faults.rate_limit(5, retry_after=0, path_prefix=path)
    elif kind == "429 reset inf":
        faults.queue(Canned.json(429, {}, {"ratelimit-reset": "inf"}, path_prefix=path))
    elif kind == "truncated":
        faults.queue(Canned(200, b'{"oncalls": [{"user": {"id"', (("Content-Type", "application/json"),), path))
    elif kind == "html 200":
        faults.malformed(rng.choice([1, 4]), path_prefix=path)
    elif kind == "401":
        faults.queue(Canned.json(401, {"error": {"message": "Authentication failed", "code": 2006}}, path_prefix=path))
    else:  # an answer trickling in, byte by byte
        faults.trickle(0.0002, path_prefix="/users/me")
    return kind


def fingerprint(snapshot: Snapshot) -> tuple:
    rows = sorted(
        (r.schedule.id if r.schedule else "", r.escalation_policy.id, r.escalation_level, r.user.id)
        for r in snapshot.on_call_now
    )
    mine = sorted((r.escalation_policy.id, r.escalation_level, r.start, r.end) for r in snapshot.mine.upcoming)
    incidents = sorted((i.id, i.status) for i in snapshot.incidents or ())
    return rows, mine, incidents


async def soak(server: DemoServer, refreshes: int, fault_rate: float, seed: int) -> None:
    rng = random.Random(seed)
    no_wait = RetryPolicy(rng=random.Random(seed), deadline=30)

    async def instant(_: float) -> None:
        await asyncio.sleep(0)

    stalls: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            stalls.append(now - last - 0.005)
            last = now

    tick = asyncio.ensure_future(ticker())
    faults: Counter[str] = Counter()
    crashes = wrong = failed = recovered = streaks = 0
    failing = False
    async with (
        PagerDutyClient(server.token, base_url=server.url, retry=no_wait, sleep=instant) as client,
        PagerDutyClient(server.token, base_url=server.url) as truth,
    ):
        # One moment for every round: the truth is worked out once, and the demo renders the same answer each time
        now = datetime.now(UTC)
        expected = await queries.full_refresh(truth, now)
        me = expected.mine.user
        await queries.full_refresh(client, now, user=me)  # imports and connections warm before RSS is read
        rss_start = rss_mb()
        started = time.perf_counter()
        for _ in range(refreshes):
            faulty = rng.random() < fault_rate
            if faulty:
                faults[inject(server, rng)] += 1
            try:
                snapshot = await queries.full_refresh(client, now, user=me)
            except PagerDutyError:
                failed += 1
                streaks += not failing
                failing = True
                continue
            except Exception as exc:  # a crash: the tray would log it and show "failed unexpectedly"
                crashes += 1
                print(f"crash: {type(exc).__name__}: {exc}")
                continue
            finally:
                server.faults.reset()  # an unused fault must not leak into the truth or the next round
            if snapshot.incidents is None:  # the tray carries the last good incidents over; compare the rest
                snapshot = replace(snapshot, incidents=expected.incidents)
            if fingerprint(snapshot) != fingerprint(expected):
                wrong += 1
            if failing:
                recovered += 1
            failing = False
    tick.cancel()
    elapsed = time.perf_counter() - started
    stalls.sort()
    print(f"refreshes: {refreshes} in {elapsed:.1f} s, faults injected: {sum(faults.values())}")
    for kind, count in sorted(faults.items()):
        print(f"  {kind:<20} {count}")
    print(f"failed refreshes (last good data kept): {failed}")
    print(f"crashes: {crashes}")
    print(f"wrong data shown: {wrong}")
    still = " (the last one still running when the soak ended)" if failing else ""
    print(f"recovered: {recovered} of {streaks} runs of failed refreshes ended with a good one{still}")
    p99 = stalls[int(len(stalls) * 0.99)] * 1000 if stalls else 0.0
    print(f"event-loop stall: longest {stalls[-1] * 1000:.1f} ms, p99 {p99:.1f} ms (5 ms ticker)")
    print(f"RSS: {rss_start:.1f} MB at start, {rss_mb():.1f} MB at the end")
    verdict = "PASS" if crashes == 0 and wrong == 0 else "FAIL"
    print(f"soak: {verdict} (crashes 0 and wrong data 0 required)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--refreshes", type=int, default=1000)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--schedules", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.getLogger("pdtray").setLevel(logging.ERROR)  # each fault's warning is expected; the counts say it all
    with DemoServer(schedules=args.schedules) as server:
        layered, shifted = len(server.account.schedules), len(server.account.shift_schedules)
        print(f"demo account: {layered + shifted} schedules ({shifted} shift-based); {time.strftime('%Y-%m-%d')}")
        asyncio.run(soak(server, args.refreshes, args.fault_rate, args.seed))


if __name__ == "__main__":
    main()
