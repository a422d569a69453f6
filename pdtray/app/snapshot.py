"""One full refresh's answer: who is on call now, my shifts and my open incidents.

Plain data, shared by the refresh and the cache."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pdtray.oncall import MyShifts, OnCall
from pdtray.oncall.incidents import Incident


@dataclass(frozen=True)
class Snapshot:
    taken_at: datetime
    on_call_now: tuple[OnCall, ...]
    mine: MyShifts
    #: my open incidents; None when they could not be fetched (the on-call data is still good)
    incidents: tuple[Incident, ...] | None = None
    #: when ``incidents`` were read, if earlier than ``taken_at``: this refresh could not read them, and the last
    #: good list is carried over (shown as such) rather than shown as "no incidents"
    incidents_at: datetime | None = None
    #: False when the account has more on-call rows than PagerDuty lets a client read (its 10,000 offset cap):
    #: the watched schedules are complete, others may be missing
    complete: bool = True
