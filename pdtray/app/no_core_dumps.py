"""Keeps the token out of crash dumps: a core file of pdtray would hold it in clear.

POSIX: the core size limit goes to 0. Linux also marks the process not dumpable (PR_SET_DUMPABLE), which covers
core handlers that ignore the limit, such as a piped core_pattern, and stops other processes of the same user
from reading its memory through /proc or ptrace. Windows Error Reporting keeps no full dumps by default and has no
per-process switch; it is left alone.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)
PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def disable_core_dumps(platform: str = sys.platform) -> None:
    if platform == "win32":
        return
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError) as exc:
        log.debug("could not lower the core size limit: %s", exc)
    if platform.startswith("linux"):
        _prctl(PR_SET_DUMPABLE, 0)


def is_dumpable() -> bool | None:
    """Linux only (None elsewhere): what the kernel would do with a crash of this process."""
    if not sys.platform.startswith("linux"):
        return None
    return bool(_prctl(PR_GET_DUMPABLE, 0))


def _prctl(option: int, value: int) -> int:
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0))
    except (OSError, AttributeError) as exc:
        log.debug("prctl(%d) unavailable: %s", option, exc)
        return -1
