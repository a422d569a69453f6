"""Runs the tray's actions (acknowledge, resolve, page, take a shift) off the UI's path and reports by signal.

The popup shows an action's effect at once and undoes it if ``failed`` arrives; ``failed`` carries the message a
person can act on, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from pdtray.app.session import Session
from pdtray.pagerduty import PagerDutyError

if TYPE_CHECKING:
    from pdtray.pagerduty.client import PagerDutyClient

log = logging.getLogger(__name__)
Work = Callable[["PagerDutyClient"], Awaitable[Any]]


class ActionRunner(QObject):
    succeeded = Signal(object, object)  # the action's tag, its result
    failed = Signal(object, str)  # the action's tag, what went wrong

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks: set[asyncio.Task[None]] = set()

    def run(self, tag: object, work: Work) -> None:
        """``tag`` says which action this was (say ``("ack", incident_id)``), so answers can be told apart."""
        task = asyncio.ensure_future(self._run(tag, work))
        self._tasks.add(task)  # asyncio keeps only weak references to running tasks
        task.add_done_callback(self._tasks.discard)

    async def _run(self, tag: object, work: Work) -> None:
        try:
            result = await work(await self._session.client())
        except asyncio.CancelledError:
            raise
        except (PagerDutyError, ValueError) as exc:
            log.warning("%s failed: %s", tag, exc)
            self.failed.emit(tag, str(exc))
            return
        except Exception as exc:
            log.exception("%s failed", tag)
            self.failed.emit(tag, f"That did not work ({type(exc).__name__}); the log has the details.")
            return
        self.succeeded.emit(tag, result)
