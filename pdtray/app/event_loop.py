"""The asyncio loop on Qt's event loop: qasync's, with timers dropped as soon as they are cancelled.

qasync starts a Qt timer for every ``call_later`` and keeps the callback until that timer fires, cancelled or
not (qasync issue #35). Every refresh arms timeouts it then cancels: httpx's per request (20 s) and the refresh's
own deadline (150 s). While they wait to lapse they hold a handle, a context and a Qt timer each, about 0.5 KB: a
thousand refreshes in a row left 11,000 of them, 5 MB, and what they freed afterwards stayed in the process's
size. Here a cancelled timer is stopped at once.

Callbacks due now (``call_soon``) wait in one queue, run in order on the next turn of Qt's loop by one QTimer's
signal, as asyncio's own loop runs its ready callbacks; qasync starts and kills a Qt timer for each. Killing one
with ``QObject.killTimer`` also made PySide6 build Qt's whole enum namespace (its Qt 6.8 overload takes a
``Qt.TimerId``): 15 ms on the way to a first start's first answer. The timers for later callbacks are
``QBasicTimer``s, stopped without it.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import qasync
from PySide6.QtCore import QBasicTimer, QObject, QTimer

if TYPE_CHECKING:
    from PySide6.QtCore import QTimerEvent

#: Qt takes a timer's interval in milliseconds as a 32-bit int; a longer wait is armed again when this lapses
LONGEST_MS = 2**31 - 1
#: Qt's timers count whole milliseconds: a callback due within one runs now (asyncio's own loop allows its clock's
#: resolution the same way)
RESOLUTION = 0.001


class _TimerHandle(asyncio.TimerHandle):
    """asyncio's TimerHandle, with the Qt timer that runs it. (TimerHandles compare equal by time and callback, so
    two of them cannot be told apart as keys: each carries its timer's ID instead.)"""

    __slots__ = ("_timer", "_timer_id")


class _Timers(QObject):
    """One Qt timer per waiting handle, stopped when the handle is cancelled."""

    def __init__(self, time: Callable[[], float]) -> None:
        super().__init__()
        self._time = time
        self._handles: dict[int, _TimerHandle] = {}

    @property
    def count(self) -> int:
        return len(self._handles)

    def arm(self, handle: _TimerHandle, delay: float) -> None:
        handle._timer = QBasicTimer()
        handle._timer.start(min(LONGEST_MS, max(0, round(delay * 1000))), self)
        handle._timer_id = handle._timer.timerId()
        self._handles[handle._timer_id] = handle

    def drop(self, handle: _TimerHandle) -> None:
        if self._handles.get(handle._timer_id) is handle:  # not yet fired (a fired one's ID may be another's now)
            del self._handles[handle._timer_id]
            handle._timer.stop()

    def stop(self) -> None:
        for handle in self._handles.values():
            handle._timer.stop()
        self._handles.clear()

    def timerEvent(self, event: QTimerEvent) -> None:
        handle = self._handles.pop(event.timerId(), None)
        if handle is None:
            return
        handle._timer.stop()
        if handle.cancelled():
            return
        left = handle.when() - self._time()
        if left >= RESOLUTION:  # a wait longer than Qt's longest interval, or a coarse timer a little early
            self.arm(handle, left)
        else:
            handle._run()


class _Soon:
    """Callbacks due now, in the order they came: those queued when Qt's loop turns run then; any they queue run on
    the next turn, after Qt has drawn and read its sockets, as asyncio's own loop does with its ready callbacks.

    A QTimer's signal rather than a timer event: the first event handed to Python builds QEvent's type, with its
    enum of some 180 event kinds (2 ms), which a start has no other need of before its first answer."""

    def __init__(self) -> None:
        self._queue: deque[asyncio.Handle] = deque()
        self._timer = QTimer()
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._run)

    def add(self, handle: asyncio.Handle) -> asyncio.Handle:
        self._queue.append(handle)
        if not self._timer.isActive():
            self._timer.start()
        return handle

    def stop(self) -> None:
        self._timer.stop()
        self._queue.clear()

    def _run(self) -> None:
        for _ in range(len(self._queue)):
            handle = self._queue.popleft()
            if not handle.cancelled():
                handle._run()
        if not self._queue:
            self._timer.stop()


class TrayEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """qasync's QEventLoop whose ``call_later`` and ``call_at`` return real TimerHandles: cancelling one stops its
    Qt timer and lets go of its callback at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting = _Timers(self.time)
        self._soon = _Soon()

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
        if delay <= 0:  # due now: qasync checks it and hands it to _add_callback, for the next turn
            return super().call_later(0, callback, *args, context=context)  # type: ignore[no-any-return]
        if inspect.iscoroutinefunction(callback) or inspect.iscoroutine(callback):
            raise TypeError("coroutines cannot be used with call_at or call_later")
        handle = _TimerHandle(when, callback, args, self, context=context)
        handle._scheduled = True  # so that cancel() reports to _timer_handle_cancelled
        self._waiting.arm(handle, delay)
        return handle

    def _add_callback(self, handle: asyncio.Handle, delay: float = 0) -> asyncio.Handle:
        """qasync's way in for callbacks due now (``call_soon``, ``call_later`` with no delay): the only way, since
        ``call_at`` above takes every later one, so ``delay`` is always 0 here."""
        return self._soon.add(handle)

    def _timer_handle_cancelled(self, handle: asyncio.TimerHandle) -> None:
        if isinstance(handle, _TimerHandle):
            self._waiting.drop(handle)

    def close(self) -> None:
        self._waiting.stop()
        self._soon.stop()
        super().close()
