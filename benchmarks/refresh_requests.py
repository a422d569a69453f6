"""Requests and wall time of one full refresh (who is on call now, my shifts, my open incidents) on a
300-schedule demo account, 73 of whose schedules are shift-based (PagerDuty's v3 schedules).

The baseline, run in the same process against the same server, is the naive refresh a tray app could do: one
/oncalls request per schedule. The goal is that pdtray's refresh stays at pagination only: at most 12 requests.

    python benchmarks/refresh_requests.py [--schedules 300] [--latency 0.1] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from pdtray.app import queries
from pdtray.app.refresh import LARGE_ACCOUNT_ROWS, WHOLE_EVERY
from pdtray.demo import DemoServer
from pdtray.oncall import now_window
from pdtray.pagerduty import PagerDutyClient


async def pdtray_refresh(server: DemoServer, now: datetime) -> tuple[int, float, int]:
    async with PagerDutyClient(server.token, base_url=server.url) as client:
        began = time.perf_counter()
        snapshot = await queries.full_refresh(client, now)
        return client.requests_sent, time.perf_counter() - began, len(snapshot.on_call_now)


async def naive_refresh(server: DemoServer, now: datetime) -> tuple[int, float, int]:
    """Both schedule lists, one /oncalls request per schedule of either kind, then /users/me, my shifts and my
    incidents."""
    async with PagerDutyClient(server.token, base_url=server.url) as client:
        began = time.perf_counter()
        schedules = await client.schedules() + await client.shift_schedules()
        since, until = now_window(now)
        rows = 0
        for schedule in schedules:
            rows += len(await client.oncalls(since=since, until=until, schedule_ids=[schedule["id"]]))
        me = await queries.me(client)
        await queries.shifts_of(client, me, now)
        await queries.my_incidents(client, me)
        return client.requests_sent, time.perf_counter() - began, rows


def measure(fn, server: DemoServer, rounds: int) -> tuple[int, float, int]:
    results = []
    for _ in range(rounds):
        results.append(asyncio.run(fn(server, datetime.now(UTC))))
    counts = {r[0] for r in results}
    assert len(counts) == 1, f"request count varied between rounds: {counts}"
    return results[0][0], statistics.median(r[1] for r in results), results[0][2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schedules", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.1, help="simulated API latency per request, seconds")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--slow-latency", type=float, default=2.0, help="latency for the round-trip figure, seconds")
    parser.add_argument("--large", type=int, default=2000, help="the large account for the scaling figure")
    parser.add_argument("--watched", type=int, default=5, help="schedules watched on the large account")
    args = parser.parse_args()

    with DemoServer(schedules=args.schedules) as server:
        asyncio.run(pdtray_refresh(server, datetime.now(UTC)))  # warm the server's caches and the imports
        layered, shifted = len(server.account.schedules), len(server.account.shift_schedules)
        print(
            f"demo account: {layered + shifted} schedules ({layered} layer-based, {shifted} shift-based), "
            f"{len(server.account.policies)} policies"
        )
        rows = []
        for latency in (0.0, args.latency):
            server.faults.latency = latency
            ours = measure(pdtray_refresh, server, args.rounds if latency == 0 else 1)
            naive = measure(naive_refresh, server, 1)
            rows.append((latency, ours, naive))
        print(f"{'latency':>8} {'':6} {'requests':>9} {'wall time':>10} {'on-call rows':>13}")
        for latency, ours, naive in rows:
            for label, (count, seconds, found) in (("pdtray", ours), ("naive", naive)):
                print(f"{latency * 1000:>6.0f}ms {label:6} {count:>9} {seconds:>9.3f}s {found:>13}")
            print(
                f"{'':8} ratio  {ours[0] / naive[0]:>9.3f} {ours[1] / naive[1]:>10.3f}  (pdtray / naive, same process)"
            )
        count = rows[0][1][0]
        verdict = "OK" if count <= 12 else "OVER BUDGET"
        print(f"pdtray full refresh: {count} requests (budget 12): {verdict}")
        # A slow link (a VPN from another continent, a struggling proxy): pdtray's refresh alone, as the naive one
        # would take minutes. The goal is at most 4 round trips of wall time.
        server.faults.latency = args.slow_latency
        slow = measure(pdtray_refresh, server, 1)
        trips = slow[1] / args.slow_latency
        goal = 4.5 * args.slow_latency  # four round trips and change: 9 s at 2 s
        verdict = "PASS" if slow[1] <= goal else "MISS"
        print(
            f"{args.slow_latency * 1000:>6.0f}ms pdtray {slow[0]:>9} {slow[1]:>9.3f}s  = {trips:.1f} round trips "
            f"(goal: at most {goal:.0f} s): {verdict}"
        )
    # Scaling: a much larger account at the same latency (goal: its refresh within 1.5x the small one's). Above
    # LARGE_ACCOUNT_ROWS on-call rows the tray reads the whole account every WHOLE_EVERY (and when the popup shows
    # it); the minute's refresh between reads the watched schedules and those whose handover passed.
    with DemoServer(schedules=args.large) as large:
        began = datetime.now(UTC)
        asyncio.run(pdtray_refresh(large, began))
        large.faults.latency = args.slow_latency
        whole = measure(pdtray_refresh, large, 1)
        print(
            f"{args.slow_latency * 1000:>6.0f}ms pdtray {whole[0]:>9} {whole[1]:>9.3f}s  {args.large} schedules, "
            f"{whole[2]} on-call rows, read whole (every {WHOLE_EVERY.seconds // 60} min and when the popup opens): "
            f"{whole[1] / slow[1]:.2f}x"
        )
        minute = asyncio.run(minute_refresh(large, began, args.watched))
        ratio = minute[1] / slow[1]
        print(
            f"{args.slow_latency * 1000:>6.0f}ms pdtray {minute[0]:>9} {minute[1]:>9.3f}s  {args.large} schedules, "
            f"the minute's refresh at the busiest handover ({args.watched} watched, {minute[2]} handed over): "
            f"{ratio:.2f}x the {args.schedules}-schedule refresh (goal: at most 1.5x): "
            f"{'PASS' if ratio <= 1.5 else 'MISS'}"
        )


async def minute_refresh(server: DemoServer, began: datetime, watched: int) -> tuple[int, float, int]:
    """The tray's refresh on a large account at its busiest minute of the coming day (the moment most schedules
    hand over), as RefreshService makes it a minute after a whole read: the watched schedules and those that
    changed hands by then. The whole reads before it are made at no latency."""
    latency, server.faults.latency = server.faults.latency, 0.0
    async with PagerDutyClient(server.token, base_url=server.url) as client:
        ends = Counter(r.end for r in (await queries.full_refresh(client, began)).on_call_now if r.end is not None)
        busiest = max((end for end in ends if end < began + timedelta(days=1)), key=lambda end: ends[end])
        previous = await queries.full_refresh(client, busiest - timedelta(minutes=1))
        assert len(previous.on_call_now) > LARGE_ACCOUNT_ROWS, "the large account is not large"
        server.faults.latency = latency
        now = busiest + timedelta(seconds=1)
        ids = sorted({r.schedule.id for r in previous.on_call_now if r.schedule})[:watched]
        part = previous.schedules_to_read_again(now, ids)
        sent, start = client.requests_sent, time.perf_counter()
        await queries.refresh_of_schedules(client, now, previous, part, user=previous.mine.user)
        return client.requests_sent - sent, time.perf_counter() - start, len(part) - len(ids)


if __name__ == "__main__":
    main()
