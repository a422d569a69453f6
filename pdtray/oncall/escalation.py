"""A service's escalation chain: who is on call now at each level of its policy, and who comes next.

The policy's levels and targets come from ``GET /escalation_policies/{id}``; who holds them from one ``/oncalls``
answer for that policy over the coming days. A level with nobody on call is kept and said so ("nobody — escalates
to L3"): it is what a person paging the service most needs to know.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from pdtray.oncall.decode import DecodeError, decode_ref, decode_schedule
from pdtray.oncall.human_time import format_at, format_until
from pdtray.oncall.models import OnCall, Ref
from pdtray.oncall.shifts import merge_shifts

SCHEDULE, USER = "schedule", "user"


@dataclass(frozen=True)
class Target:
    kind: str  # SCHEDULE or USER
    ref: Ref


@dataclass(frozen=True)
class EscalationPolicy:
    ref: Ref
    #: the targets of each level, level 1 first
    levels: tuple[tuple[Target, ...], ...]
    services: tuple[Ref, ...] = ()
    #: how many times PagerDuty runs through the levels again before it stops
    loops: int = 0


def decode_escalation_policy(obj: Any) -> EscalationPolicy:
    if not isinstance(obj, Mapping):
        raise DecodeError("an escalation policy that is not an object")
    rules = obj.get("escalation_rules")
    if not isinstance(rules, list):
        raise DecodeError("an escalation policy without escalation_rules")
    levels = []
    for rule in rules:
        targets = []
        listed = rule.get("targets") if isinstance(rule, Mapping) else None
        for target in listed if isinstance(listed, list) else ():
            if not isinstance(target, Mapping):
                continue
            kind = str(target.get("type", ""))
            if kind.startswith("user"):
                targets.append(Target(USER, decode_ref(target, "user")))
            elif kind.startswith("schedule"):
                schedule = decode_schedule(target)
                targets.append(Target(SCHEDULE, Ref(schedule.id, schedule.name, schedule.html_url)))
        levels.append(tuple(targets))
    services = tuple(decode_ref(s, "service") for s in obj.get("services") or () if isinstance(s, Mapping))
    loops = obj.get("num_loops")
    return EscalationPolicy(
        decode_ref(obj, "escalation policy"), tuple(levels), services, loops if isinstance(loops, int) else 0
    )


@dataclass(frozen=True)
class Level:
    number: int
    targets: tuple[Target, ...]
    #: on call now at this level (a directly targeted user is always on call)
    now: tuple[OnCall, ...]
    #: whoever takes over next at this level, with the handoff as their ``start``
    next: tuple[OnCall, ...]


def escalation_chain(policy: EscalationPolicy, rows: Iterable[OnCall], now: datetime) -> list[Level]:
    """Every level of ``policy``, with the rows (already limited to this policy) that hold it now and next."""
    by_user: dict[str, list[OnCall]] = {}
    for row in rows:
        if row.escalation_policy.id == policy.ref.id:
            by_user.setdefault(row.user.id, []).append(row)
    # one person's back-to-back rows at a level are one shift (PagerDuty splits them at layer seams)
    merged = [shift for person_rows in by_user.values() for shift in merge_shifts(person_rows)]
    chain = []
    for number, targets in enumerate(policy.levels, start=1):
        at_level = [row for row in merged if row.escalation_level == number]
        current = sorted((r for r in at_level if r.is_active(now)), key=lambda r: r.user.name.casefold())
        later = [r for r in at_level if r.start is not None and r.start > now]
        handoff = min((r.start for r in later if r.start is not None), default=None)
        following = sorted((r for r in later if r.start == handoff), key=lambda r: r.user.name.casefold())
        chain.append(Level(number, targets, tuple(current), tuple(following)))
    return chain


def level_lines(chain: list[Level], now: datetime, tz: tzinfo | None) -> list[str]:
    """One line per level, as the CLI and the copy action write it:
    "L1 Frontend Shifts: Emma Schulz until tomorrow 08:00; next Hiro Tanaka, tomorrow at 08:00"."""
    lines = []
    for level in chain:
        lines.append(f"L{level.number} {target_names(level)}: {level_now_text(level, chain, now, tz)}")
        if level.next:
            lines[-1] += f"; {level_next_text(level, now, tz)}"
    return lines


def target_names(level: Level) -> str:
    return ", ".join(t.ref.name for t in level.targets) or "no targets"


def level_now_text(level: Level, chain: list[Level], now: datetime, tz: tzinfo | None) -> str:
    if not level.now:
        later = [lv.number for lv in chain if lv.number > level.number and lv.now]
        return f"nobody — escalates to L{later[0]}" if later else "nobody on call"
    return ", ".join(
        f"{row.user.display_name} {'(always)' if row.end is None else format_until(row.end, now, tz)}"
        for row in level.now
    )


def level_next_text(level: Level, now: datetime, tz: tzinfo | None) -> str:
    first = level.next[0]
    assert first.start is not None
    names = " + ".join(row.user.display_name for row in level.next)
    return f"next {names}, {format_at(first.start, now, tz)}"
