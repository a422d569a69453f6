"""What the refresh loop knows, as one immutable value the tray and popup draw from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pdtray.app.snapshot import Snapshot
from pdtray.oncall import Schedule

if TYPE_CHECKING:  # the type only: the first icon, drawn from the cache, has no error
    from pdtray.pagerduty.errors import PagerDutyError


@dataclass(frozen=True)
class RefreshState:
    snapshot: Snapshot | None = None
    schedules: tuple[Schedule, ...] = ()
    schedules_at: datetime | None = None
    #: the last refresh's failure; None after a success
    error: PagerDutyError | None = None
    #: the data came from the disk cache and no refresh has succeeded yet
    from_cache: bool = False
    refreshing: bool = False
    next_at: datetime | None = None

    @property
    def updated_at(self) -> datetime | None:
        return self.snapshot.taken_at if self.snapshot else None

    @property
    def stale(self) -> bool:
        return self.snapshot is not None and (self.from_cache or self.error is not None)
