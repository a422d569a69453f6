"""The command line's actions: my incidents, acknowledge and resolve, the services, paging the on-call, taking a
shift, and exporting my shifts to an .ics file. Each prints what it did, or with ``--json`` the same as data.

Paging and taking a shift change what other people's phones do, so they ask first; ``--yes`` answers for
scripts, and without a terminal to ask on they refuse rather than guess.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdtray.app import actions, queries
from pdtray.oncall.decode import decode_user
from pdtray.oncall.human_time import format_at
from pdtray.oncall.incidents import ACKNOWLEDGED, RESOLVED, Incident, age
from pdtray.oncall.models import Ref, User
from pdtray.oncall.take_shift import ADD_RESPONDER, TAKE_OVER, NothingToTake, confirmation, shift_to_take
from pdtray.oncall.timestamps import to_iso

if TYPE_CHECKING:
    from pdtray.cli.commands import CommandContext

Result = tuple[Any, str]
AddCommon = Callable[[argparse.ArgumentParser], None]


class UsageError(Exception):
    """The command cannot go ahead as given (no confirmation, a bad time); exit code 2."""


# -- JSON and text ------------------------------------------------------------------------------------------------


def incident_json(i: Incident) -> dict[str, Any]:
    """The cache's form, with the service as the command line shows every reference: id and name."""
    from pdtray.app.cache import incident_to_json

    return {**incident_to_json(i), "service": {"id": i.service.id, "name": i.service.name}}


def incidents_text(items: list[Incident], now: datetime) -> str:
    from pdtray.cli.output import table

    if not items:
        return "No open incidents are assigned to you."
    rows = [[i.status, i.urgency, i.service.name, i.label, age(i, now), i.id] for i in items]
    return table(["STATUS", "URGENCY", "SERVICE", "INCIDENT", "AGE", "ID"], rows)


def _user_json(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "name": user.name, "email": user.email}


# -- commands -----------------------------------------------------------------------------------------------------


async def cmd_incidents(ctx: CommandContext, args: argparse.Namespace) -> Result:
    async with ctx.connection.client() as client:
        items = await queries.my_incidents(client, await queries.me(client))
    return [incident_json(i) for i in items], incidents_text(items, ctx.now)


async def _acting_email(client: Any, given: str | None) -> str | None:
    """Whose name a change goes under (PagerDuty's From header): --from, else the token's own user."""
    if given:
        return given
    from pdtray.pagerduty import UserTokenRequiredError

    try:
        return (await queries.me(client)).email
    except UserTokenRequiredError:
        raise UserTokenRequiredError(
            "This is an account-level API token, so PagerDuty needs to be told who is acting: add --from with "
            "that user's email address."
        ) from None


async def _set_status(ctx: CommandContext, args: argparse.Namespace, status: str) -> Result:
    done: list[Incident] = []
    async with ctx.connection.client() as client:
        sender = await _acting_email(client, args.from_email)
        for incident_id in args.incident_ids:
            done.append(await actions.set_incident_status(client, incident_id, status, from_email=sender))
    verb = "Acknowledged" if status == ACKNOWLEDGED else "Resolved"
    return [incident_json(i) for i in done], "\n".join(f"{verb} {i.label}." for i in done)


async def cmd_ack(ctx: CommandContext, args: argparse.Namespace) -> Result:
    return await _set_status(ctx, args, ACKNOWLEDGED)


async def cmd_resolve(ctx: CommandContext, args: argparse.Namespace) -> Result:
    return await _set_status(ctx, args, RESOLVED)


def confirm(question: str, args: argparse.Namespace) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(f"{question} Add --yes to confirm; there is no terminal to ask on.")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise UsageError("Nothing was done.")


async def cmd_page(ctx: CommandContext, args: argparse.Namespace) -> Result:
    if args.user or args.escalation_policy:
        return await _page_directly(ctx, args)
    if not args.service_id:
        raise UsageError("Say which service to page: pdtray page SERVICE_ID --summary TEXT (`pdtray services`).")
    from pdtray.app.secrets import stored_routing_key

    async with ctx.connection.client() as client:
        service = await _service(client, args.service_id)
        routing_key = stored_routing_key(service.id)
        sender = None if routing_key else await _acting_email(client, args.from_email)
        confirm(f"Page the on-call for {service.name} ({args.severity}): “{args.summary}”?", args)
        try:
            result = await actions.page_on_call(
                client,
                service_id=service.id,
                summary=args.summary,
                severity=args.severity,
                routing_key=routing_key,
                from_email=sender,
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    data = _page_json(result, service)
    if result.incident is not None:
        text = f"Triggered {result.incident.label} on {service.name}; PagerDuty is paging its on-call."
    else:
        text = f"Sent a trigger to {service.name} through Events API v2 (dedup key {result.dedup_key})."
    return data, text


async def _service(client: Any, service_id: str) -> Ref:
    found = next((s for s in await actions.services(client) if s.id == service_id), None)
    if found is None:
        from pdtray.pagerduty import NotFoundError

        raise NotFoundError(f"PagerDuty has no service with ID {service_id}; `pdtray services` lists them.")
    return found


def _page_json(result: actions.PageResult, service: Ref) -> dict[str, Any]:
    return {
        "via": result.via,
        "service": {"id": service.id, "name": service.name},
        "incident": incident_json(result.incident) if result.incident else None,
        "dedup_key": result.dedup_key,
    }


async def _page_directly(ctx: CommandContext, args: argparse.Namespace) -> Result:
    """``--user``: an incident assigned to that person; ``--escalation-policy``: one escalating through that policy.
    Either goes on a service (PagerDuty's rule): the one given, else (for a policy) a service that uses it."""
    from pdtray.app import escalation

    if args.user and args.escalation_policy:
        raise UsageError("Page a person (--user) or a policy (--escalation-policy), not both.")
    chain = None
    async with ctx.connection.client() as client:
        if args.user:
            if not args.service_id:
                raise UsageError(
                    "An incident belongs to a service: pdtray page SERVICE_ID --user USER_ID (`pdtray services`)."
                )
            target = decode_user(await client.user(args.user))
            who = target.display_name
        else:
            chain = await escalation.escalation(client, args.escalation_policy, ctx.now)
            if chain.service is not None and not args.service_id:
                raise UsageError(
                    f"{args.escalation_policy} is a service; page its on-call with pdtray page {args.escalation_policy}"
                )
            who = f"escalation policy {chain.policy.ref.name}"
        if args.service_id:
            service = await _service(client, args.service_id)
        elif chain is not None and chain.policy.services:
            service = chain.policy.services[0]
        else:
            raise UsageError(f"No service uses {who}; name one: pdtray page SERVICE_ID --escalation-policy ID")
        sender = await _acting_email(client, args.from_email)
        urgency = actions.urgency_of(args.severity)
        confirm(f"Page {who} on {service.name} ({urgency} urgency): “{args.summary}”?", args)
        try:
            result = await actions.page_directly(
                client,
                service_id=service.id,
                summary=args.summary,
                urgency=urgency,
                user_id=args.user or None,
                escalation_policy_id=None if chain is None else chain.policy.ref.id,
                from_email=sender,
                dedup_key=actions.new_dedup_key(),
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    data = {
        **_page_json(result, service),
        "paged": {"user": args.user or None, "escalation_policy": args.escalation_policy or None},
    }
    assert result.incident is not None
    return data, f"Triggered {result.incident.label} on {service.name}; PagerDuty is paging {who}."


def parse_when(text: str, now: datetime, tz: tzinfo | None) -> datetime:
    """ISO 8601 or anything dateutil reads ("2026-11-24 09:00", "tomorrow" is not); no zone means the display one."""
    from dateutil import parser as date_parser

    try:
        parsed = date_parser.parse(text, default=now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0))
    except (ValueError, OverflowError):
        raise UsageError(f"'{text}' is not a date and time pdtray understands; try 2026-11-24T09:00") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz) if tz else parsed.astimezone()
    return parsed


async def cmd_take(ctx: CommandContext, args: argparse.Namespace) -> Result:
    at = parse_when(args.at, ctx.now, ctx.tz) if args.at else None
    hours = 24 if at is None else max(1, min(744, int((at - ctx.now) / timedelta(hours=1)) + 24))
    async with ctx.connection.client() as client:
        me = await queries.me(client)
        timeline = await queries.timeline(client, args.schedule_id, ctx.now, hours=hours)
        try:
            shift = shift_to_take(timeline, me, ctx.now, at, extra=args.add)
        except NothingToTake as exc:
            raise UsageError(f"Nothing to take: {exc}.") from None
        asked = confirmation(timeline, shift, ctx.now, ctx.tz)
        confirm(f"{asked.question} {asked.detail}", args)
        taken = await actions.take_shift(client, timeline, me, shift)
    data = {
        "override_id": taken.override_id,
        "schedule": {"id": taken.schedule.id, "name": taken.schedule.name},
        "start": to_iso(taken.start),
        "end": to_iso(taken.end),
        "user": _user_json(taken.user),
        "from_user": _user_json(taken.from_user),
        # "override" (either kind of schedule) or "custom_shift" (shift-based: a gap covered, a responder added)
        "change": "override" if taken.how == TAKE_OVER else "custom_shift",
    }
    span = f"from {format_at(taken.start, ctx.now, ctx.tz)} to {format_at(taken.end, ctx.now, ctx.tz)}"
    if taken.how == TAKE_OVER and taken.from_user is not None:
        instead = f", instead of {taken.from_user.display_name}"
    elif taken.how == ADD_RESPONDER:
        instead = ", beside whoever else is on call"
    else:
        instead = ", where nobody was"
    change = "override" if taken.how == TAKE_OVER else "custom shift"
    text = f"You are on call for {taken.schedule.name} {span} ({change} {taken.override_id}){instead}."
    return data, text


async def cmd_export_ics(ctx: CommandContext, args: argparse.Namespace) -> Result:
    from pdtray.oncall.calendar_export import event_count, shifts_calendar

    async with ctx.connection.client() as client:
        mine = await queries.shifts_of(client, await queries.me(client), ctx.now)
    payload = shifts_calendar(mine, ctx.now)
    count = event_count(mine)
    if args.file == "-":
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
        return None, ""
    path = Path(args.file).expanduser()
    try:
        path.write_bytes(payload)
    except OSError as exc:
        raise UsageError(f"Could not write {path}: {exc.strerror or exc}") from None
    return {"path": str(path.resolve()), "events": count}, f"Wrote {count} shifts to {path}."


COMMANDS: dict[str, Callable[[CommandContext, argparse.Namespace], Coroutine[Any, Any, Result]]] = {
    "incidents": cmd_incidents,
    "ack": cmd_ack,
    "resolve": cmd_resolve,
    "page": cmd_page,
    "take": cmd_take,
    "export-ics": cmd_export_ics,
}


def add_parsers(sub: Any, add_common: AddCommon) -> None:
    def command(name: str, text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=text, description=text)
        add_common(parser)
        return parser

    command("incidents", "my open incidents (triggered or acknowledged)")
    for name, verb in [("ack", "acknowledge"), ("resolve", "resolve")]:
        parser = command(name, f"{verb} incidents")
        parser.add_argument("incident_ids", nargs="+", metavar="INCIDENT_ID")
        parser.add_argument("--from", dest="from_email", metavar="EMAIL", help="acting user (account-level tokens)")
    page = command("page", "trigger an incident on a service, paging its on-call, a person or a policy")
    page.add_argument("service_id", metavar="SERVICE_ID", nargs="?")
    page.add_argument("--user", metavar="USER_ID", help="page this person: an incident assigned to them")
    page.add_argument(
        "--escalation-policy", metavar="ID", help="page through this escalation policy instead of the service's"
    )
    page.add_argument("--summary", required=True, help="what is wrong, as the on-call will read it")
    page.add_argument("--severity", choices=actions.SEVERITIES, default="critical")
    page.add_argument("--from", dest="from_email", metavar="EMAIL", help="acting user, for REST with account tokens")
    page.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    take = command("take", "put yourself on call for a schedule's current (or chosen) shift")
    take.add_argument("schedule_id", metavar="SCHEDULE_ID")
    take.add_argument("--at", metavar="TIME", help="take the shift running at TIME instead of now")
    take.add_argument(
        "--add",
        action="store_true",
        help="shift-based schedules: be on call beside whoever is on call (a custom shift) instead of replacing them",
    )
    take.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    export = command("export-ics", "write my shifts of the next 7 days to an .ics calendar file")
    export.add_argument("file", metavar="FILE", help="where to write; - for standard output")


__all__ = ["COMMANDS", "UsageError", "add_parsers"]
