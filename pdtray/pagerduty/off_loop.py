"""Pure work moved off the event loop's thread: decoding a large answer, building a long list.

The UI thread then holds the interpreter for at most a switch interval (5 ms) at a time while the work runs, so
the tray keeps its frames. Lives in the wire layer because the client decodes large answers with it; the layers
above use it too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def current_loop() -> asyncio.AbstractEventLoop:
    """The loop this coroutine runs on. Under qasync ``get_running_loop`` can fail for a moment (the running loop
    is not registered while Qt dispatches some events); the loop set for the thread is the same loop."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


async def off_the_loop(fn: Callable[..., T], *args: object) -> T:
    """Pure work (decoding thousands of rows, building a long list) on a worker thread, so that the UI thread
    holds the interpreter for at most a switch interval (5 ms) at a time meanwhile. Unlike asyncio.to_thread it
    does not depend on ``get_running_loop`` (see :func:`current_loop`)."""
    return await current_loop().run_in_executor(None, fn, *args)
