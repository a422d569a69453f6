"""Fewer malloc arenas, so that what worker threads free goes back to a few shared heaps instead of staying in
one heap per thread for the life of the tray.

glibc gives each thread that allocates an arena of its own (up to eight per core) and keeps what is freed there
for that arena's reuse. pdtray decodes PagerDuty's pages and writes its cache on worker threads: after a
2,000-schedule account's first refresh their arenas held 5-7 MB free for good (measured: 93.0 MB resident with
glibc's default, 88.4 MB with two arenas, 88.3 MB with one). Two is the usual advice for long-running
multi-threaded Python processes; the threads take turns on the GIL anyway, so they seldom wait on an arena.

glibc only: musl, macOS and Windows allocate otherwise and have no such setting; nothing is done there. A
MALLOC_ARENA_MAX set in the environment is someone's choice and is left as it is.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)
#: mallopt's parameter number for the arena limit (malloc.h)
M_ARENA_MAX = -8
ARENAS = 2


def limit_malloc_arenas(platform: str = sys.platform, environ: dict[str, str] | None = None) -> bool:
    """Call early, before the worker threads start: arenas that exist stay. True when glibc took the limit."""
    env = os.environ if environ is None else environ
    if not platform.startswith("linux") or "MALLOC_ARENA_MAX" in env:
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        if not hasattr(libc, "gnu_get_libc_version"):  # musl's mallopt takes nothing
            return False
        return bool(libc.mallopt(M_ARENA_MAX, ARENAS))
    except (OSError, AttributeError) as exc:
        log.debug("mallopt unavailable: %s", exc)
        return False
