"""What the tray shows for a refresh state: which icon, which tooltip, and the one-line problem, if any.

Plain Python (no widgets) so it is tested directly; the tray re-renders it every minute.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, NamedTuple

from pdtray.app.refresh_state import RefreshState
from pdtray.app.settings import Settings
from pdtray.app.snapshot import Snapshot
from pdtray.oncall import Ref, ScheduleOnCall, by_schedule, incidents
from pdtray.oncall.human_time import clock, format_at
from pdtray.oncall.status import OnCallState, default_watched, on_call_state
from pdtray.oncall.summary import TOOLTIP_SCHEDULES, my_status_line, schedule_line, tooltip_text

if TYPE_CHECKING:
    from pdtray.pagerduty.errors import PagerDutyError

PROBLEM = "problem"
LOADING = "loading"


class TrayLook(NamedTuple):
    """A NamedTuple, not a frozen dataclass: it is made at start-up, and a frozen dataclass takes ten times as long
    to create (0.4 ms against 0.05 ms)."""

    icon: str  # an OnCallState value, PROBLEM or LOADING
    tooltip: str
    problem: str | None
    #: open incidents assigned to me, drawn as a number on the icon; urgent: one still waits for an acknowledgement
    badge: int = 0
    badge_urgent: bool = False
    #: the first entries of the tray menu: what the tooltip says, for panels that show no tooltip (GNOME's
    #: AppIndicator extension); each with what it opens: ("schedule", ID), ("me", None) or ("incidents", None)
    menu_lines: tuple[tuple[str, tuple[str, str | None]], ...] = ()


def problem_text(error: PagerDutyError, retry_at: datetime | None, tz: tzinfo | None) -> str:
    """A short line for the tooltip and the popup's banner; the full message is in the popup and the log."""
    # here, not with the module: the first icon, drawn from the cache, has no problem to name (the error types take
    # a millisecond to create, the keyring's with the log's set-up)
    from pdtray.app.secrets import KeyringUnavailableError
    from pdtray.pagerduty.errors import (
        AccessDeniedError,
        ConfigurationError,
        NetworkError,
        RateLimitedError,
        ServerError,
        SignInAgainError,
        TokenMissingError,
        TokenRejectedError,
        UserTokenRequiredError,
    )

    again = f" — retrying at {clock(retry_at, tz)}" if retry_at else ""
    if isinstance(error, KeyringUnavailableError):
        return "The OS keyring is locked or not answering — unlock it, then Refresh now"
    if isinstance(error, TokenMissingError):
        return "No API token — open Settings"
    if isinstance(error, SignInAgainError):
        return "Signed out of PagerDuty — sign in again in Settings"
    if isinstance(error, TokenRejectedError):
        return "Token rejected — open Settings"
    if isinstance(error, UserTokenRequiredError):
        return "Account-level token: your shifts need a user token — open Settings"
    if isinstance(error, AccessDeniedError):
        return "The token lacks access — open Settings"
    if isinstance(error, ConfigurationError):
        return "Bad connection settings — open Settings"
    if isinstance(error, NetworkError):
        return "Offline: PagerDuty is unreachable" + again
    if isinstance(error, RateLimitedError):
        return "Rate limited by PagerDuty" + again
    if isinstance(error, ServerError):
        return "PagerDuty is having trouble" + again
    return "Refresh failed" + again


def watched_refs(state: RefreshState, settings: Settings) -> list[Ref]:
    """The watched schedules, named from the schedule list, or from the on-call rows until the list arrives.

    Runs on every render: its work follows the few watched schedules, not the account (building a table of all
    2,000 schedules and 6,000 rows of a large account took 9 ms, twice a render)."""
    snapshot = state.snapshot
    mine = snapshot.mine if snapshot else None
    if settings.watched_schedules:
        ids = settings.watched_schedules
    else:
        my_schedules = [r.schedule.id for r in (mine.on_call_now + mine.upcoming) if r.schedule] if mine else []
        ids = default_watched(state.schedules, mine.user.id if mine else None, my_schedules)
    wanted = set(ids)
    known: dict[str, Ref] = {s.id: s.ref for s in state.schedules if s.id in wanted}
    if len(known) < len(wanted) and snapshot is not None:
        for row in snapshot.on_call_now + snapshot.mine.on_call_now + snapshot.mine.upcoming:
            if row.schedule is not None and row.schedule.id in wanted:
                known.setdefault(row.schedule.id, row.schedule)
    return [known[i] for i in ids if i in known]


def _incidents_line(snapshot: Snapshot, now: datetime, tz: tzinfo | None) -> str | None:
    """The incident line, and any caveat about what this refresh could not read."""
    line: str | None = None
    if snapshot.incidents is not None:  # None: never read (a token without access to incidents): nothing to claim
        line = incidents.tooltip_line(snapshot.incidents)
        if snapshot.incidents_at is not None and snapshot.incidents_at < snapshot.taken_at:
            as_of = format_at(snapshot.incidents_at, now, tz)
            line = (line or "No open incidents assigned to you") + f" (as of {as_of})"
    if not snapshot.complete:
        caveat = "Account too large to read whole: only watched schedules are complete"
        line = f"{line}\n{caveat}" if line else caveat
    return line


#: the longest tooltip each platform shows whole (Windows' NOTIFYICONDATA.szTip holds 128 characters, NUL included)
TOOLTIP_LIMITS = {"win32": 127}


def tray_look(
    state: RefreshState,
    settings: Settings,
    now: datetime,
    tz: tzinfo | None,
    *,
    on_call: Mapping[str, ScheduleOnCall] | None = None,
    platform: str = sys.platform,
) -> TrayLook:
    """``on_call`` (by_schedule of the snapshot at ``now``) may be passed when the caller has it already."""
    problem = problem_text(state.error, state.next_at, tz) if state.error is not None else None
    snapshot = state.snapshot
    if snapshot is None:
        text = "pdtray\n" + (problem or "Loading who is on call…")
        return TrayLook(PROBLEM if problem else LOADING, text, problem)
    soon = timedelta(seconds=max(settings.lead_times, default=15 * 60))
    watched = watched_refs(state, settings)
    on_call = on_call if on_call is not None else by_schedule(snapshot.rows_known, now)
    tooltip = tooltip_text(
        watched,
        on_call,
        snapshot.mine,
        now,
        tz,
        updated_at=snapshot.taken_at,
        stale=state.stale,
        problem=problem,
        incidents=_incidents_line(snapshot, now, tz),
        max_chars=TOOLTIP_LIMITS.get(platform),
    )
    icon = PROBLEM if problem else on_call_state(snapshot.mine, now, soon).value
    count, urgent = incidents.badge(snapshot.incidents or ())
    lines: list[tuple[str, tuple[str, str | None]]] = [
        (schedule_line(ref, on_call.get(ref.id), now, tz), ("schedule", ref.id)) for ref in watched[:TOOLTIP_SCHEDULES]
    ]
    lines.append((my_status_line(snapshot.mine, now, tz), ("me", None)))
    incident_line = incidents.tooltip_line(snapshot.incidents or ())
    if incident_line:
        lines.append((incident_line, ("incidents", None)))
    return TrayLook(icon, tooltip, problem, count, urgent, tuple(lines))


__all__ = ["LOADING", "PROBLEM", "OnCallState", "TrayLook", "problem_text", "tray_look", "watched_refs"]
