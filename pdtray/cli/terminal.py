"""What the terminal's encoding can print."""

from __future__ import annotations

import sys


def speaks_unicode(stream: object) -> bool:
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    return encoding in {"utf8", "utf16", "utf32", "utf8sig"}


def never_fail_to_print() -> None:
    """Text the output's encoding cannot hold (a name in Japanese, the ▶ marker, on a cp1252 console or pipe)
    comes out as ``?`` instead of ending the command with UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if not speaks_unicode(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
