"""Python's full garbage collections moved to moments nobody sees.

A full collection walks every object the collector tracks and holds the interpreter lock throughout: on a
2,000-schedule account 10-30 ms, started by whatever allocation crossed the threshold, in the middle of a refresh
with the popup open, on whichever thread. pdtray turns the automatic full collections off and makes one itself
once a refresh has ended, when the popup is not on screen (or, if it stays open, at the latest ``FORCED_AFTER``
after the last one, still between refreshes). Young objects are still collected as usual (a pass over at most a
few thousand objects: about a millisecond).
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

#: a full collection this long after a refresh has ended, if the moment is quiet then
SETTLE_MS = 2_000
#: if it is not, asked again this often
RETRY_MS = 30_000
#: and made anyway once this long has passed since the last one
FORCED_AFTER = 600.0
#: the third generation's threshold: never reached, so the interpreter starts no full collection itself
NEVER = 1_000_000_000


class QuietCollector(QObject):
    def __init__(
        self,
        is_quiet: Callable[[], bool],
        *,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._is_quiet = is_quiet
        self._clock = clock
        self._last = clock()
        self._saved_threshold = gc.get_threshold()
        self.collections = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._collect_if_quiet)

    def start(self) -> None:
        young, middle, _ = self._saved_threshold
        gc.set_threshold(young, middle, NEVER)

    def stop(self) -> None:
        self._timer.stop()
        gc.set_threshold(*self._saved_threshold)

    def refresh_ended(self) -> None:
        """Refreshes that follow one another faster than SETTLE_MS do not put the collection off for ever."""
        if not self._timer.isActive():
            self._timer.start(SETTLE_MS)

    def _collect_if_quiet(self) -> None:
        if not self._is_quiet() and self._clock() - self._last < FORCED_AFTER:
            self._timer.start(RETRY_MS)
            return
        began = time.perf_counter()
        found = gc.collect()
        self._last = self._clock()
        self.collections += 1
        log.debug("full collection: %d unreachable objects in %.1f ms", found, (time.perf_counter() - began) * 1e3)
