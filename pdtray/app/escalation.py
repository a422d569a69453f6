"""A service's escalation chain and recent changes, for the Services page and ``pdtray escalation``.

The chain costs two requests at once (the policy, and /oncalls for that policy over the next 7 days), plus one to
find the policy when a service is named. Services with who is on call at their first level cost two (the
services, and /oncalls now for the account).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pdtray.app.queries import decoded_oncalls, invalid_answer, on_call_now
from pdtray.oncall import DecodeError, OnCall, shifts_window
from pdtray.oncall.decode import decode_ref
from pdtray.oncall.escalation import EscalationPolicy, Level, decode_escalation_policy, escalation_chain
from pdtray.oncall.models import Ref
from pdtray.oncall.timestamps import parse_timestamp
from pdtray.pagerduty.errors import NotFoundError

if TYPE_CHECKING:
    from pdtray.pagerduty.client import PagerDutyClient

CHANGES_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Service:
    ref: Ref
    policy: Ref


@dataclass(frozen=True)
class Escalation:
    service: Service | None
    policy: EscalationPolicy
    levels: list[Level]


@dataclass(frozen=True)
class ChangeEvent:
    summary: str
    at: datetime
    source: str | None
    link: str | None


def decode_service(obj: Any) -> Service:
    if not isinstance(obj, dict):
        raise DecodeError("a service that is not an object")
    return Service(decode_ref(obj, "service"), decode_ref(obj.get("escalation_policy"), "escalation policy"))


async def services(client: PagerDutyClient, *, query: str | None = None) -> list[Service]:
    try:
        return sorted(
            (decode_service(s) for s in await client.services(query=query)), key=lambda s: s.ref.name.casefold()
        )
    except DecodeError as exc:
        raise invalid_answer("services", exc) from None


async def services_on_call(client: PagerDutyClient, now: datetime) -> list[tuple[Service, list[OnCall]]]:
    """Every service with who is on call now at its policy's first level."""
    found, rows = await asyncio.gather(services(client), on_call_now(client, now))
    by_policy: dict[str, list[OnCall]] = {}
    for row in rows:
        if row.escalation_level == 1:
            by_policy.setdefault(row.escalation_policy.id, []).append(row)
    return [(s, sorted(by_policy.get(s.policy.id, []), key=lambda r: r.user.name.casefold())) for s in found]


async def _service_or_policy(client: PagerDutyClient, wanted: str) -> tuple[Service | None, str]:
    """A service ID, an escalation policy ID, or a service's name (exactly one service containing it)."""
    try:
        service = decode_service(await client.service(wanted))
        return service, service.policy.id
    except NotFoundError:
        pass
    except DecodeError as exc:
        raise invalid_answer(f"service {wanted}", exc) from None
    try:
        await client.escalation_policy(wanted)
        return None, wanted
    except NotFoundError:
        pass
    named = [s for s in await services(client, query=wanted) if wanted.casefold() in s.ref.name.casefold()]
    exact = [s for s in named if s.ref.name.casefold() == wanted.casefold()]
    if len(exact) == 1 or len(named) == 1:
        chosen = (exact or named)[0]
        return chosen, chosen.policy.id
    if named:
        raise NotFoundError(
            f"'{wanted}' matches {len(named)} services ({', '.join(s.ref.name for s in named[:5])}); give its ID."
        )
    raise NotFoundError(
        f"PagerDuty has no service or escalation policy '{wanted}'; `pdtray services` lists the services."
    )


async def escalation(client: PagerDutyClient, wanted: str, now: datetime) -> Escalation:
    """The chain of a service (by ID or name) or of an escalation policy (by ID), now and next."""
    service, policy_id = await _service_or_policy(client, wanted)
    since, until = shifts_window(now)
    pages = client.oncall_pages(since=since, until=until, escalation_policy_ids=[policy_id], include_users=True)
    raw, rows = await asyncio.gather(
        client.escalation_policy(policy_id), decoded_oncalls(pages, "the policy's on-call entries")
    )
    try:
        policy = decode_escalation_policy(raw)
    except DecodeError as exc:
        raise invalid_answer(f"escalation policy {policy_id}", exc) from None
    return Escalation(service, policy, escalation_chain(policy, rows, now))


async def recent_changes(client: PagerDutyClient, service_id: str, now: datetime) -> list[ChangeEvent]:
    """The service's change events of the last 24 hours, newest first (deploys, flags: what may explain a page)."""
    found = []
    for item in await client.change_events(service_id, since=now - CHANGES_WINDOW, until=now):
        try:
            at = parse_timestamp(item["timestamp"])
        except (KeyError, TypeError, ValueError):
            continue
        links = [link.get("href") for link in item.get("links") or () if isinstance(link, dict)]
        found.append(
            ChangeEvent(
                str(item.get("summary") or "Change"),
                at,
                item.get("source") if isinstance(item.get("source"), str) else None,
                next((h for h in links if isinstance(h, str)), None),
            )
        )
    return sorted(found, key=lambda e: e.at, reverse=True)
