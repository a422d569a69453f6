"""My open incidents: the domain rules with hand-made incidents, and the refresh's one /incidents query against
the demo over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import at, ref
from conftest import run

from pdtray.app import cache, queries
from pdtray.demo import DemoServer, build_account
from pdtray.oncall.decode import DecodeError
from pdtray.oncall.incidents import (
    Incident,
    age,
    apply_status,
    badge,
    decode_incident,
    ordered,
    tooltip_line,
)
from pdtray.pagerduty import PagerDutyClient

NOW = at(23, 12, 0)


def incident(n: int, status: str, *, urgency: str = "high", minutes_ago: int = 10) -> Incident:
    return Incident(
        id=f"PI{n}",
        number=n,
        title=f"Problem {n}",
        status=status,
        urgency=urgency,
        service=ref("Checkout API"),
        created_at=NOW - timedelta(minutes=minutes_ago),
    )


def test_decode_reads_pagerdutys_incident():
    raw = {
        "id": "PABC123",
        "type": "incident",
        "incident_number": 4711,
        "title": "Checkout latency",
        "summary": "[#4711] Checkout latency",
        "status": "acknowledged",
        "urgency": "low",
        "created_at": "2026-11-23T11:50:00Z",
        "html_url": "https://acme.pagerduty.com/incidents/PABC123",
        "service": {"id": "PSVC1", "type": "service_reference", "summary": "Checkout API"},
    }
    got = decode_incident(raw)
    assert got == Incident(
        id="PABC123",
        number=4711,
        title="Checkout latency",
        status="acknowledged",
        urgency="low",
        service=ref("Checkout API").__class__(id="PSVC1", name="Checkout API"),
        created_at=at(23, 11, 50),
        html_url="https://acme.pagerduty.com/incidents/PABC123",
    )
    assert got.label == "#4711 Checkout latency"


def test_decode_refuses_an_unknown_status():
    with pytest.raises(DecodeError, match="unknown status"):
        decode_incident({"id": "P1", "status": "snoozed", "created_at": "2026-11-23T11:50:00Z", "service": {"id": "S"}})


def test_order_is_triggered_then_acknowledged_high_first_newest_first():
    a = incident(1, "acknowledged", minutes_ago=1)
    b = incident(2, "triggered", urgency="low", minutes_ago=2)
    c = incident(3, "triggered", minutes_ago=30)
    d = incident(4, "triggered", minutes_ago=5)
    e = incident(5, "resolved", minutes_ago=0)
    assert [i.number for i in ordered([a, b, c, d, e])] == [4, 3, 2, 1]


def test_badge_counts_open_ones_and_is_urgent_while_one_waits():
    assert badge([]) == (0, False)
    assert badge([incident(1, "acknowledged"), incident(2, "acknowledged")]) == (2, False)
    assert badge([incident(1, "acknowledged"), incident(2, "triggered")]) == (2, True)
    assert badge([incident(1, "resolved")]) == (0, False)


def test_tooltip_line():
    assert tooltip_line([]) is None
    assert tooltip_line([incident(1, "triggered")]) == "1 open incident assigned to you — not acknowledged"
    assert tooltip_line([incident(1, "acknowledged")]) == "1 open incident assigned to you"
    both = [incident(1, "triggered"), incident(2, "acknowledged")]
    assert tooltip_line(both) == "2 open incidents assigned to you (1 not acknowledged)"
    assert tooltip_line([incident(1, "triggered"), incident(2, "triggered")]) == (
        "2 open incidents assigned to you — none acknowledged"
    )


def test_age_and_optimistic_status():
    assert age(incident(1, "triggered", minutes_ago=125), NOW) == "2 h 5 min"
    listed = (incident(1, "triggered"), incident(2, "acknowledged"))
    acked = apply_status(listed, {"PI1": "acknowledged"})
    assert [(i.number, i.status) for i in acked] == [(1, "acknowledged"), (2, "acknowledged")]
    assert [i.number for i in apply_status(listed, {"PI2": "resolved"})] == [1]  # resolved ones leave the list
    # ...once PagerDuty agreed; while the request is out, the row stays and shows the change
    pending = apply_status(listed, {"PI2": "resolved"}, pending={"PI2"})
    assert [(i.number, i.status) for i in pending] == [(1, "triggered"), (2, "resolved")]


def test_full_refresh_brings_my_open_incidents_in_one_query():
    start = at(22, 14, 24)
    with DemoServer(build_account(start)) as server:

        async def go():
            async with PagerDutyClient(server.token, base_url=server.url) as client:
                return await queries.full_refresh(client, start)

        snapshot = run(go())
        incident_requests = [r for r in server.faults.requests if r.path == "/incidents"]
    # The demo user has #101 (triggered, 7 min old) and #102 (acknowledged, 3 h old); other people's are left out.
    assert [(i.number, i.status, i.urgency, i.service.name) for i in snapshot.incidents] == [
        (101, "triggered", "high", "Checkout API"),
        (102, "acknowledged", "low", "Core API"),
    ]
    assert [age(i, start) for i in snapshot.incidents] == ["7 min", "3 h"]
    assert len(incident_requests) == 1
    query = incident_requests[0].query
    assert [v for k, v in query if k == "user_ids[]"] == [snapshot.mine.user.id]
    assert sorted(v for k, v in query if k == "statuses[]") == ["acknowledged", "triggered"]


def test_incidents_survive_the_cache(tmp_path):
    from builders import user

    from pdtray.app.snapshot import Snapshot
    from pdtray.oncall import MyShifts

    snapshot = Snapshot(NOW, (), MyShifts(user("Demo"), (), ()), (incident(1, "triggered"),))
    path = tmp_path / "c.json"
    cache.save(path, snapshot, (), None)
    assert cache.load(path).snapshot.incidents == snapshot.incidents
    unknown = Snapshot(NOW, (), MyShifts(user("Demo"), (), ()), None)
    cache.save(path, unknown, (), None)
    assert cache.load(path).snapshot.incidents is None
