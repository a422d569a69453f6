"""A clock that stands still while the machine sleeps: set against the wall clock, it tells that the machine woke.

Linux's CLOCK_MONOTONIC and macOS's (mach_absolute_time) do not count suspended time, and Python's
time.monotonic is one of them there. On Windows time.monotonic counts suspended time too, so a wake never showed;
QueryUnbiasedInterruptTime is Windows' clock that leaves it out.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable


def awake_clock(platform: str = sys.platform) -> Callable[[], float]:
    if platform == "win32":
        return unbiased_interrupt_time
    return time.monotonic


def unbiased_interrupt_time() -> float:
    """Seconds since boot, suspended time left out (Windows 7 and later)."""
    import ctypes

    value = ctypes.c_ulonglong(0)
    ctypes.windll.kernel32.QueryUnbiasedInterruptTime(ctypes.byref(value))  # type: ignore[attr-defined]
    return value.value / 10_000_000  # in units of 100 ns
