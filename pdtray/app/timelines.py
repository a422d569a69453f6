"""Loads one schedule's timeline for the popup, off the UI's path: the popup asks, this answers by signal."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal

from pdtray.app import queries
from pdtray.app.session import Session
from pdtray.pagerduty import PagerDutyError, ServiceError

log = logging.getLogger(__name__)


class TimelineLoader(QObject):
    loaded = Signal(object)  # Timeline
    failed = Signal(str, object)  # schedule ID, PagerDutyError

    def __init__(
        self,
        session: Session,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    def request(self, schedule_id: str, hours: int) -> None:
        """Loads the timeline; a newer request replaces one still running (only the latest is shown)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.ensure_future(self._load(schedule_id, hours))

    async def _load(self, schedule_id: str, hours: int) -> None:
        try:
            client = await self._session.client()
            timeline = await queries.timeline(
                client, schedule_id, self._clock(), hours=hours, **self._session.window_options(schedule_id)
            )
        except asyncio.CancelledError:
            raise
        except PagerDutyError as exc:
            self.failed.emit(schedule_id, exc)
            return
        except Exception as exc:
            log.exception("loading the timeline of %s failed", schedule_id)
            self.failed.emit(schedule_id, ServiceError(f"Loading the timeline failed ({type(exc).__name__})."))
            return
        self.loaded.emit(timeline)
