"""Looks for coverage gaps in the watched schedules: at start, every hour, and when the watched list changes.

Not part of the regular refresh: it costs one request per watched schedule, which the per-poll budget (a fixed
handful of requests whatever the account's size) cannot carry, and a gap 20 hours ahead does not need minute
precision. Found gaps go to the reminder scheduler, which tells each once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal

from pdtray.app import queries
from pdtray.app.session import Session
from pdtray.oncall.coverage import coverage_gaps, gap_window
from pdtray.pagerduty import PagerDutyError

log = logging.getLogger(__name__)
CHECK_EVERY_MS = 60 * 60 * 1000


class CoverageWatcher(QObject):
    found = Signal(object, object)  # Timeline, list of gap TimelineEntry

    def __init__(
        self,
        session: Session,
        *,
        watched: Callable[[], list[str]],
        enabled: Callable[[], bool],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._watched = watched
        self._enabled = enabled
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self.check)
        self.checks = 0

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._task is not None:
            self._task.cancel()

    def check(self) -> None:
        if not self._enabled() or (self._task is not None and not self._task.done()):
            return
        ids = self._watched()
        if ids:
            self._task = asyncio.ensure_future(self._check(ids))

    async def _check(self, schedule_ids: list[str]) -> None:
        now = self._clock()
        since, until = gap_window(now)
        for schedule_id in schedule_ids:
            try:
                client = await self._session.client()
                timeline = await queries.timeline_between(
                    client, schedule_id, since, until, now, **self._session.window_options(schedule_id)
                )
            except asyncio.CancelledError:
                raise
            except PagerDutyError as exc:  # the next hour tries again; the tray shows real errors from the refresh
                log.info("coverage check of %s failed: %s", schedule_id, exc)
                continue
            gaps = coverage_gaps(timeline, now)
            if gaps:
                self.found.emit(timeline, gaps)
        self.checks += 1
