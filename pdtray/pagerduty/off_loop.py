"""Pure work moved off the event loop's thread: decoding a large answer, building a long list.

Lives in the wire layer because the client decodes large answers with it; the layers above use it too.

All such work runs on one worker thread, one job at a time, with the interpreter's switch interval at 1 ms while a
job runs. Measured on a 2,000-schedule account: with a pool of workers, two or three of them passed the interpreter
lock among themselves while the UI thread waited (stalls of 80-170 ms with the UI thread using no CPU), and every
call the UI thread makes into Qt gives the lock away and waits a switch interval (5 ms by default) to get it back.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

#: the interpreter's switch interval while pure work runs: how long the UI thread may wait for the lock
WORK_SWITCH_INTERVAL = 0.001

_worker: ThreadPoolExecutor | None = None
_worker_lock = threading.Lock()


def current_loop() -> asyncio.AbstractEventLoop:
    """The loop this coroutine runs on. Under qasync ``get_running_loop`` can fail for a moment (the running loop
    is not registered while Qt dispatches some events); the loop set for the thread is the same loop."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


def _work_thread() -> ThreadPoolExecutor:
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdtray-work")
        return _worker


def _with_short_switches(fn: Callable[..., T], *args: object) -> T:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, WORK_SWITCH_INTERVAL))
    try:
        return fn(*args)
    finally:
        sys.setswitchinterval(previous)


async def off_the_loop(fn: Callable[..., T], *args: object) -> T:
    """Pure work (decoding thousands of rows, building a long list) on the worker thread, so that the UI thread
    keeps its frames meanwhile. Unlike asyncio.to_thread it does not depend on ``get_running_loop`` (see
    :func:`current_loop`). Not for calls that may block on I/O: they would hold up every job behind them."""
    return await current_loop().run_in_executor(_work_thread(), _with_short_switches, fn, *args)


async def blocking_io(fn: Callable[..., T], *args: object) -> T:
    """A call that waits on the disk (an fsync) on a thread of the loop's pool, so that a slow disk holds up
    neither the UI nor the pure work."""
    return await current_loop().run_in_executor(None, fn, *args)
