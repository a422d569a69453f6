"""When the demo account "began", kept for a while so the demo is the same account across restarts.

The demo generates its schedules around its start; without this, every restart would move the demo user's
shift to ten minutes ahead again, and "a reminder is not sent twice across restarts" could not be seen.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pdtray.app.atomic_file import write_atomically
from pdtray.app.paths import cache_dir
from pdtray.oncall.timestamps import parse_timestamp

FILE = "demo-start"
#: after this long the demo starts a fresh story (a new day's `make demo` shows the 10-minute shift again)
LIFETIME = timedelta(hours=8)


def demo_start(now: datetime | None = None, directory: Path | None = None) -> datetime:
    now = now or datetime.now(UTC)
    path = (directory or cache_dir()) / FILE
    try:
        kept = parse_timestamp(path.read_text().strip())
        if timedelta(0) <= now - kept < LIFETIME:
            return kept
    except (OSError, ValueError):
        pass
    start = now.replace(second=0, microsecond=0)
    with contextlib.suppress(OSError):  # a demo that forgets its start is still a demo
        write_atomically(path, start.isoformat().encode())
    return start
