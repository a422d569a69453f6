"""The command line's people and escalation commands: a person's card, a service's escalation chain, services
with who is on call, paging a person or a policy, and who is on call as a chat line.

Contact details are printed only where asked for (``pdtray person``), to the terminal; they are never logged.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from pdtray.app import escalation, people
from pdtray.cli.output import oncall_json, ref_json, table, user_json
from pdtray.oncall.escalation import Level, level_next_text, level_now_text, target_names
from pdtray.oncall.human_time import format_at, format_until
from pdtray.oncall.people import local_time_line, shift_lines
from pdtray.oncall.timestamps import to_iso

if TYPE_CHECKING:
    from pdtray.cli.commands import CommandContext

Result = tuple[Any, str]


def level_json(level: Level, chain: list[Level]) -> dict[str, Any]:
    return {
        "level": level.number,
        "targets": [{"type": t.kind, **ref_json(t.ref)} for t in level.targets],
        "on_call": [oncall_json(r) for r in level.now],
        "next": [oncall_json(r) for r in level.next],
        # where a page goes when nobody is on call here: the next level with someone, or null
        "escalates_to": None
        if level.now
        else next((lv.number for lv in chain if lv.number > level.number and lv.now), None),
    }


async def cmd_escalation(ctx: CommandContext, args: argparse.Namespace) -> Result:
    async with ctx.connection.client() as client:
        found = await escalation.escalation(client, args.target, ctx.now)
        changes = (
            await escalation.recent_changes(client, found.service.ref.id, ctx.now)
            if args.changes and found.service
            else None
        )
    chain = found.levels
    data: dict[str, Any] = {
        "service": ref_json(found.service.ref) if found.service else None,
        "escalation_policy": {**ref_json(found.policy.ref), "html_url": found.policy.ref.html_url},
        "levels": [level_json(level, chain) for level in chain],
    }
    title = f"{found.service.ref.name} — " if found.service else ""
    lines = [f"{title}escalation policy {found.policy.ref.name}"]
    rows = []
    for level in chain:
        rows.append(
            [
                f"L{level.number}",
                target_names(level),
                level_now_text(level, chain, ctx.now, ctx.tz),
                level_next_text(level, ctx.now, ctx.tz) if level.next else "",
            ]
        )
    lines.append(table(["LEVEL", "TARGETS", "ON CALL NOW", "NEXT"], rows, max_width=60))
    if changes is not None:
        data["change_events"] = [
            {"summary": c.summary, "timestamp": to_iso(c.at), "source": c.source, "link": c.link} for c in changes
        ]
        lines.append("")
        lines.append("Changes in the last 24 h:" if changes else "No changes in the last 24 h.")
        lines += [f"  {format_at(c.at, ctx.now, ctx.tz)}  {c.summary}" for c in changes]
    return data, "\n".join(lines)


async def cmd_person(ctx: CommandContext, args: argparse.Namespace) -> Result:
    async with ctx.connection.client() as client:
        card = await people.person_card(client, args.user_id, ctx.now, people.ContactBook())
    user = card.user
    data = {
        "user": {**user_json(user), "time_zone": user.time_zone, "html_url": user.html_url},
        "contact_methods": None
        if card.contacts is None
        else [{"type": c.kind, "label": c.label, "address": c.address} for c in card.contacts],
        "on_call_now": [oncall_json(r) for r in card.shifts.on_call_now],
        "upcoming": [oncall_json(r) for r in card.shifts.upcoming],
    }
    lines = [user.display_name]
    if user.email:
        lines.append(f"Email: {user.email}")
    if card.contacts is None:
        lines.append(people.HIDDEN_NOTE)
    else:
        lines += [
            f"{c.kind.upper() if c.kind == 'sms' else c.kind.capitalize()} ({c.label}): {c.address}"
            for c in card.contacts
            if c.kind != "email"
        ]
        if not card.contacts:
            lines.append("No contact methods set up in PagerDuty.")
    local = local_time_line(user, ctx.now)
    if local:
        lines.append(local)
    lines += shift_lines(card.shifts, ctx.now, ctx.tz)
    return data, "\n".join(lines)


async def cmd_services(ctx: CommandContext, args: argparse.Namespace) -> Result:
    async with ctx.connection.client() as client:
        if not args.oncall:
            found = await escalation.services(client)
            pairs = [(s, None) for s in found]
        else:
            pairs = [(s, rows) for s, rows in await escalation.services_on_call(client, ctx.now)]
    data = []
    rows = []
    for service, on_call in pairs:
        item: dict[str, Any] = {
            "id": service.ref.id,
            "name": service.ref.name,
            "html_url": service.ref.html_url,
            "escalation_policy": ref_json(service.policy),
        }
        row = [service.ref.name, service.policy.name, service.ref.id]
        if on_call is not None:
            item["on_call"] = [oncall_json(r) for r in on_call]
            row.insert(
                2,
                ", ".join(f"{r.user.display_name} {format_until(r.end, ctx.now, ctx.tz)}" for r in on_call)
                or "nobody at L1",
            )
        data.append(item)
        rows.append(row)
    headers = ["SERVICE", "ESCALATION POLICY", *(["L1 ON CALL NOW"] if args.oncall else []), "ID"]
    return data, table(headers, rows) if rows else "No services in this account."


COMMANDS: dict[str, Callable[[CommandContext, argparse.Namespace], Coroutine[Any, Any, Result]]] = {
    "escalation": cmd_escalation,
    "person": cmd_person,
    "services": cmd_services,
}


def add_parsers(sub: Any, add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    def command(name: str, text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=text, description=text)
        add_common(parser)
        return parser

    chain = command("escalation", "who is on call now and next at every level of a service's escalation policy")
    chain.add_argument("target", metavar="SERVICE_OR_POLICY", help="a service ID or name, or an escalation policy ID")
    chain.add_argument("--changes", action="store_true", help="also the service's change events of the last 24 h")
    person = command("person", "how to reach someone, their local time and their shifts")
    person.add_argument("user_id", metavar="USER_ID")
    services = command("services", "the account's services and their escalation policies")
    services.add_argument("--oncall", action="store_true", help="with who is on call now at each one's first level")


__all__ = ["COMMANDS", "add_parsers"]
