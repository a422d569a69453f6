"""What pdtray has already notified, the shifts it last saw and the pause, kept in the config dir.

This is what makes "exactly once" hold across restarts, and lets a change to my shifts made while pdtray was
closed be noticed at the next start. Keys older than two weeks are dropped: their shifts are long over.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pdtray.app.atomic_file import write_atomically
from pdtray.app.cache import row_from_json, row_to_json
from pdtray.app.json_file import SHAPE_ERRORS, UnusableFileError, move_aside, read_json_object
from pdtray.app.paths import config_dir
from pdtray.oncall import OnCall
from pdtray.oncall.timestamps import parse_optional, parse_timestamp, to_iso

log = logging.getLogger(__name__)
STATE_FILE = "notifications.json"
KEEP = timedelta(days=14)


@dataclass
class NotificationState:
    #: notice key -> when it was sent
    sent: dict[str, datetime] = field(default_factory=dict)
    #: my shift rows from the last refresh, and where its window ended
    rows: list[OnCall] = field(default_factory=list)
    window_end: datetime | None = None
    paused_until: datetime | None = None

    def sent_keys(self) -> set[str]:
        return set(self.sent)


def state_path(directory: Path | None = None) -> Path:
    return (directory or config_dir()) / STATE_FILE


def load_state(path: Path) -> NotificationState:
    try:
        data = read_json_object(path)
        if data is None:
            return NotificationState()
        sent = data.get("sent", {})
        rows = data.get("rows", [])
        if not isinstance(sent, dict) or not all(isinstance(k, str) for k in sent) or not isinstance(rows, list):
            raise TypeError("'sent' must map keys to times and 'rows' must be a list")
        return NotificationState(
            sent={k: parse_timestamp(v) for k, v in sent.items()},
            rows=[row_from_json(r) for r in rows],
            window_end=parse_optional(data.get("window_end")),
            paused_until=parse_optional(data.get("paused_until")),
        )
    except OSError as exc:
        log.warning("could not read %s (%s); starting with no record of sent notifications", path, exc)
        return NotificationState()
    except (UnusableFileError, *SHAPE_ERRORS) as exc:
        # Starting afresh may repeat a reminder; refusing to start would lose all of them.
        log.warning(
            "could not use %s (%s; %s); starting with no record of sent notifications", path, exc, move_aside(path)
        )
        return NotificationState()


def save_state(path: Path, state: NotificationState, now: datetime) -> None:
    sent = {k: t for k, t in state.sent.items() if now - t < KEEP}
    data: dict[str, Any] = {
        "sent": {k: to_iso(t) for k, t in sent.items()},
        "rows": [row_to_json(r) for r in state.rows],
        "window_end": to_iso(state.window_end),
        "paused_until": to_iso(state.paused_until),
    }
    write_atomically(path, json.dumps(data, indent=1).encode())
