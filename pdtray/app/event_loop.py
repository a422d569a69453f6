"""The asyncio loop on Qt's event loop: qasync's, with timers dropped as soon as they are cancelled.

qasync starts a Qt timer for every ``call_later`` and keeps the callback until that timer fires, cancelled or
not (qasync issue #35). Every refresh arms timeouts it then cancels: httpx's per request (20 s) and the refresh's
own deadline (150 s). While they wait to lapse they hold a handle, a context and a Qt timer each, about 0.5 KB: a
thousand refreshes in a row left 11,000 of them, 5 MB, and what they freed afterwards stayed in the process's
size. Here a cancelled timer is killed at once. Callbacks due now (``call_soon``) still go through qasync.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import Callable
from typing import Any

import qasync
from PySide6.QtCore import QObject, QTimerEvent

#: Qt takes a timer's interval in milliseconds as a 32-bit int; a longer wait is armed again when this lapses
LONGEST_MS = 2**31 - 1
#: Qt's timers count whole milliseconds: a callback due within one runs now (asyncio's own loop allows its clock's
#: resolution the same way)
RESOLUTION = 0.001


class _TimerHandle(asyncio.TimerHandle):
    """asyncio's TimerHandle, with the Qt timer that runs it. (TimerHandles compare equal by time and callback, so
    two of them cannot be told apart as keys: each carries its timer's ID instead.)"""

    __slots__ = ("_timer_id",)


class _Timers(QObject):
    """One Qt timer per waiting handle, killed when the handle is cancelled."""

    def __init__(self, time: Callable[[], float]) -> None:
        super().__init__()
        self._time = time
        self._handles: dict[int, _TimerHandle] = {}

    @property
    def count(self) -> int:
        return len(self._handles)

    def arm(self, handle: _TimerHandle, delay: float) -> None:
        handle._timer_id = self.startTimer(min(LONGEST_MS, max(0, round(delay * 1000))))
        self._handles[handle._timer_id] = handle

    def drop(self, handle: _TimerHandle) -> None:
        if self._handles.get(handle._timer_id) is handle:  # not yet fired (a fired one's ID may be another's now)
            del self._handles[handle._timer_id]
            self.killTimer(handle._timer_id)

    def stop(self) -> None:
        for timer_id in self._handles:
            self.killTimer(timer_id)
        self._handles.clear()

    def timerEvent(self, event: QTimerEvent) -> None:
        timer_id = event.timerId()
        self.killTimer(timer_id)
        handle = self._handles.pop(timer_id, None)
        if handle is None or handle.cancelled():
            return
        left = handle.when() - self._time()
        if left >= RESOLUTION:  # a wait longer than Qt's longest interval, or a coarse timer a little early
            self.arm(handle, left)
        else:
            handle._run()


class TrayEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """qasync's QEventLoop whose ``call_later`` and ``call_at`` return real TimerHandles: cancelling one kills its
    Qt timer and lets go of its callback at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting = _Timers(self.time)

    @property
    def timers_waiting(self) -> int:
        """Timers armed and not yet fired or cancelled (for tests and benchmarks)."""
        return self._waiting.count

    def call_later(
        self, delay: float, callback: Callable[..., object], *args: object, context: contextvars.Context | None = None
    ) -> asyncio.Handle:
        return self.call_at(self.time() + delay, callback, *args, context=context)

    def call_at(
        self, when: float, callback: Callable[..., object], *args: object, context: contextvars.Context | None = None
    ) -> asyncio.Handle:
        delay = when - self.time()
        if delay <= 0:  # due now: qasync runs it on the next turn, and nothing is left waiting
            return super().call_later(0, callback, *args, context=context)  # type: ignore[no-any-return]
        if inspect.iscoroutinefunction(callback) or inspect.iscoroutine(callback):
            raise TypeError("coroutines cannot be used with call_at or call_later")
        handle = _TimerHandle(when, callback, args, self, context=context)
        handle._scheduled = True  # so that cancel() reports to _timer_handle_cancelled
        self._waiting.arm(handle, delay)
        return handle

    def _timer_handle_cancelled(self, handle: asyncio.TimerHandle) -> None:
        if isinstance(handle, _TimerHandle):
            self._waiting.drop(handle)

    def close(self) -> None:
        self._waiting.stop()
        super().close()
