"""Small builders for domain tests: readable rows and users, with times in UTC unless given an offset."""

from __future__ import annotations

from datetime import UTC, datetime

from pdtray.oncall import OnCall, Ref, Schedule, ScheduledShift, User


def at(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def user(name: str, *, deleted: bool = False) -> User:
    return User(id="P" + name.upper()[:5], name=name, email=f"{name.lower()}@example.com", deleted=deleted)


def ref(name: str) -> Ref:
    return Ref(id="R" + name.upper().replace(" ", ""), name=name)


def row(
    who: User,
    start: datetime | None,
    end: datetime | None,
    *,
    schedule: str | None = "Platform Primary",
    policy: str = "Platform",
    level: int = 1,
) -> OnCall:
    return OnCall(
        user=who,
        escalation_policy=ref(policy),
        escalation_level=level,
        schedule=ref(schedule) if schedule else None,
        start=start,
        end=end,
    )


def shift(who: User, start: datetime, end: datetime) -> ScheduledShift:
    return ScheduledShift(who, start, end)


SCHEDULE = Schedule(id="PSCHED1", name="Platform Primary", time_zone="America/New_York")
