"""Acknowledge, resolve, page the on-call and take a shift, against the demo over real HTTP: what succeeds shows up
in the next answer, and each refusal PagerDuty can give arrives as an error a person can act on."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from conftest import run

from pdtray.app import actions, queries
from pdtray.oncall.take_shift import ShiftToTake, shift_to_take
from pdtray.pagerduty import AccessDeniedError, BadRequestError

ME_EMAIL = "demo@pdtray.example"


def routing_key(service_name: str) -> str:
    """The demo's integration keys: the first 32 hex digits of the SHA-256 of the service's name."""
    return hashlib.sha256(service_name.encode()).hexdigest()[:32]


async def _mine(client):
    return await queries.my_incidents(client, await queries.me(client))


def test_acknowledge_then_resolve(make_client):
    async def go():
        async with make_client() as client:
            first = (await _mine(client))[0]
            acked = await actions.set_incident_status(client, first.id, "acknowledged", from_email=ME_EMAIL)
            after_ack = await _mine(client)
            resolved = await actions.set_incident_status(client, first.id, "resolved", from_email=ME_EMAIL)
            after_resolve = await _mine(client)
            return first, acked, after_ack, resolved, after_resolve

    first, acked, after_ack, resolved, after_resolve = run(go())
    assert (first.number, first.status) == (101, "triggered")
    assert acked.status == "acknowledged"
    assert [(i.number, i.status) for i in after_ack] == [(101, "acknowledged"), (102, "acknowledged")]
    assert resolved.status == "resolved"
    assert [i.number for i in after_resolve] == [102]


def test_read_only_token_cannot_acknowledge(demo, make_client):
    async def go():
        async with make_client() as reader:
            incident = (await _mine(reader))[0]
        async with make_client("demo-readonly-token") as client:
            await actions.set_incident_status(client, incident.id, "acknowledged", from_email=ME_EMAIL)

    with pytest.raises(AccessDeniedError, match="read-only") as caught:
        run(go())
    assert "HTTP 403" in str(caught.value)


def test_account_token_needs_from(make_client):
    async def go(from_email):
        async with make_client() as reader:
            incident = (await _mine(reader))[1]
        async with make_client("demo-account-token") as client:
            return await actions.set_incident_status(client, incident.id, "resolved", from_email=from_email)

    with pytest.raises(BadRequestError, match="From header"):
        run(go(None))
    assert run(go(ME_EMAIL)).status == "resolved"


def test_rate_limited_then_acknowledged(demo, make_client, sleeps):
    async def go():
        async with make_client() as client:
            incident = (await _mine(client))[0]
            demo.faults.rate_limit(1, reset=3)
            return await actions.set_incident_status(client, incident.id, "acknowledged", from_email=ME_EMAIL)

    assert run(go()).status == "acknowledged"
    assert len(sleeps.delays) == 1 and 3 <= sleeps.delays[0] <= 4  # waited out ratelimit-reset, then went on


def test_page_through_events_api_reaches_the_services_first_level(demo, make_client):
    async def go():
        async with make_client() as client:
            checkout = next(s for s in await actions.services(client) if s.name == "Checkout API")
            result = await actions.page_on_call(
                client,
                service_id=checkout.id,
                summary="Checkout returns 502",
                severity="critical",
                routing_key=routing_key("Checkout API"),
            )
            now = datetime.now(UTC)
            primary = [r for r in await queries.on_call_now(client, now) if r.source_name == "Payments Primary"]
            raw = await client.incidents(statuses=["triggered"])
            return result, primary, raw

    result, primary, raw = run(go())
    assert result.via == "events" and result.dedup_key
    [created] = [i for i in raw if i["title"] == "Checkout returns 502"]
    # Checkout API belongs to the Payments policy, whose level 1 is Payments Primary: its on-call now gets it.
    assert [a["assignee"]["id"] for a in created["assignments"]] == [primary[0].user.id]
    assert created["urgency"] == "high"


def test_page_with_a_bad_routing_key_says_to_check_it(make_client):
    async def go():
        async with make_client() as client:
            await actions.page_on_call(
                client, service_id="PANY", summary="down", routing_key="0" * 32, severity="error"
            )

    with pytest.raises(BadRequestError, match="does not match an integration") as caught:
        run(go())
    assert "Integrations tab" in str(caught.value)


def test_page_through_rest_needs_write_access_and_from(make_client):
    async def go(token, from_email):
        async with make_client(token) as client:
            core = next(s for s in await actions.services(client) if s.name == "Core API")
            return await actions.page_on_call(
                client, service_id=core.id, summary="Core API 500s", severity="warning", from_email=from_email
            )

    with pytest.raises(AccessDeniedError):
        run(go("demo-readonly-token", ME_EMAIL))
    with pytest.raises(BadRequestError, match="From header"):
        run(go(None, None))
    result = run(go(None, ME_EMAIL))
    assert result.via == "rest"
    assert (result.incident.title, result.incident.status, result.incident.urgency) == (
        "Core API 500s",
        "triggered",
        "low",
    )
    assert result.incident.service.name == "Core API"


def test_page_refuses_an_empty_summary_before_sending(demo, make_client):
    async def go():
        async with make_client() as client:
            await actions.page_on_call(client, service_id="PX", summary="  ", routing_key=routing_key("Core API"))

    with pytest.raises(ValueError, match="summary"):
        run(go())
    assert [r for r in demo.faults.requests if r.path == "/v2/enqueue"] == []


async def _pipeline(client):
    """The demo's Data Pipeline timeline from now, me, and now: where the take-a-shift tests start."""
    now = datetime.now(UTC)
    me = await queries.me(client)
    schedule = next(s for s in await queries.schedules(client) if s.name == "Data Pipeline")
    return await queries.timeline(client, schedule.id, now), me, now


def test_take_the_current_shift_then_the_timeline_shows_me(make_client):
    async def go():
        async with make_client() as client:
            before, me, now = await _pipeline(client)
            schedule = before.schedule
            shift = shift_to_take(before, me, now)
            taken = await actions.take_shift(client, before, me, shift)
            after = await queries.timeline(client, schedule.id, now + timedelta(seconds=1))
            return before, shift, taken, after, me

    before, shift, taken, after, me = run(go())
    assert shift.from_user is not None and shift.from_user.id != me.id
    assert shift.end == before.current.end
    assert taken.override_id.startswith("PO") and taken.end == shift.end
    current = after.current
    assert current.user.id == me.id and current.end == shift.end


def test_override_in_the_past_is_refused_with_pagerdutys_reason(make_client):
    async def go():
        async with make_client() as client:
            timeline, me, now = await _pipeline(client)
            past = ShiftToTake(now - timedelta(hours=3), now - timedelta(hours=1), None)
            await actions.take_shift(client, timeline, me, past)

    with pytest.raises(BadRequestError, match="cannot be created in the past"):
        run(go())


def test_a_refusal_inside_the_overrides_array_is_an_error(demo, make_client):
    """PagerDuty can answer 201 and still refuse an override: the bare array holds a status per override."""
    from pdtray.demo.faults import Canned

    async def go():
        async with make_client() as client:
            timeline, me, now = await _pipeline(client)
            refusal = [{"status": 400, "errors": ["User is not on this schedule's team"]}]
            path = f"/schedules/{timeline.schedule.id}/overrides"
            demo.faults.queue(Canned.json(201, refusal, path_prefix=path))
            await actions.take_shift(client, timeline, me, shift_to_take(timeline, me, now))

    with pytest.raises(BadRequestError, match="did not create the override on Data Pipeline: User is not on"):
        run(go())
