"""What the tray icon says at a glance, and which schedules a person watches when they have not chosen."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from pdtray.oncall.models import MyShifts, Schedule


class OnCallState(StrEnum):
    ON_CALL = "on-call"
    SOON = "soon"
    OFF = "off"


def on_call_state(mine: MyShifts, now: datetime, soon_within: timedelta) -> OnCallState:
    """On call now; else "soon" when my next shift starts within ``soon_within`` (the first reminder's lead)."""
    # A shift that started since the last refresh is running now, even if the refresh has not said so yet; and on
    # call now wins over a further shift starting soon.
    if any(row.is_active(now) for row in (*mine.on_call_now, *mine.upcoming)):
        return OnCallState.ON_CALL
    starts = [row.start for row in mine.upcoming if row.start is not None and row.start > now]
    if starts and min(starts) - now <= soon_within:
        return OnCallState.SOON
    return OnCallState.OFF


def default_watched(
    schedules: Sequence[Schedule], my_id: str | None, my_schedule_ids: Iterable[str] = (), *, fallback: int = 3
) -> list[str]:
    """The schedules I am in (a member of, or with a shift of mine); if none, the first few by name.

    Before the schedule list has arrived (it comes after who is on call, and hourly), the schedules of my own
    shifts are what is known, and they are watched meanwhile rather than nothing."""
    if not schedules:
        return list(dict.fromkeys(my_schedule_ids))
    mine = set(my_schedule_ids)
    chosen = [s.id for s in schedules if s.id in mine or (my_id is not None and my_id in s.member_ids)]
    if chosen:
        return chosen
    return [s.id for s in sorted(schedules, key=lambda s: s.name.casefold())[:fallback]]
