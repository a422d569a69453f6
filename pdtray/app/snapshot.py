"""One full refresh's answer: who is on call now, and my shifts. Plain data, shared by the refresh and the cache."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pdtray.oncall import MyShifts, OnCall


@dataclass(frozen=True)
class Snapshot:
    taken_at: datetime
    on_call_now: tuple[OnCall, ...]
    mine: MyShifts
