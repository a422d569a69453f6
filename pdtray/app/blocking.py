"""Calls that may block for good (the OS keyring waiting on an unlock prompt, a stuck D-Bus service), made from the
event loop without freezing it.

asyncio.to_thread would do, but its pool's threads are joined at exit: a keyring call stuck forever would then
stop pdtray from quitting. Each call here gets a daemon thread of its own, and the caller stops waiting after
``timeout`` seconds, while the thread is left to finish (or not) on its own.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

from pdtray.pagerduty.off_loop import blocking_io, current_loop, off_the_loop

T = TypeVar("T")
__all__ = ["CallTimedOutError", "blocking_io", "call_in_thread", "current_loop", "off_the_loop"]


class CallTimedOutError(TimeoutError):
    """The call did not return within its timeout; it may still be running in its thread."""


async def call_in_thread(fn: Callable[[], T], *, timeout: float, name: str = "pdtray-blocking-call") -> T:
    loop = current_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            result = fn()
        except BaseException as exc:  # handed to the waiting coroutine, which decides
            loop.call_soon_threadsafe(settle, None, exc)
            return
        loop.call_soon_threadsafe(settle, result, None)

    # an answer that comes after the caller stopped waiting is dropped here, not reported as "never retrieved"
    future.add_done_callback(lambda done: done.cancelled() or done.exception())
    threading.Thread(target=work, name=name, daemon=True).start()
    try:
        return await asyncio.wait_for(asyncio.shield(future), timeout)
    except TimeoutError:
        raise CallTimedOutError(f"no answer within {timeout:g} s") from None
