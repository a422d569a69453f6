"""Reading back pdtray's own JSON files (settings, cache, notification state) without trusting them.

Anything can be at those paths after a crash, a sync tool, a hand edit or a hostile local process: a FIFO (which
would block a plain read for ever), a huge file, JSON nested deep enough to exhaust the parser's recursion, or valid
JSON of the wrong shape. Each is reported as UnusableFileError, and the caller moves the file aside and starts
without it: pdtray always starts.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

#: far beyond any file pdtray writes (a 10,000-schedule cache is ~3 MB)
MAX_BYTES = 32 * 1024 * 1024
#: pdtray's own files nest at most 5 deep
MAX_DEPTH = 16


class UnusableFileError(ValueError):
    """The file is there but is not one pdtray can use; the message says why, as a clause."""


def read_json_object(path: Path) -> dict[str, Any] | None:
    """The file's top-level JSON object; None when there is no file. Never blocks on a FIFO or device."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnusableFileError("it is not a regular file")
        if info.st_size > MAX_BYTES:
            raise UnusableFileError(f"it is larger than {MAX_BYTES // (1024 * 1024)} MB")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(fd)
    try:
        data = json.loads(b"".join(chunks).decode("utf-8"))
    except RecursionError:
        raise UnusableFileError("it is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnusableFileError(f"it is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise UnusableFileError("it is not a JSON object")
    if _depth(data) > MAX_DEPTH:
        raise UnusableFileError("it is nested too deeply")
    return data


def _depth(value: Any) -> int:
    """How deep the lists and objects nest (a value inside the deepest one is not a level). Iterative, so that
    measuring cannot exhaust the stack either; it steps over plain values without stacking them (a 2,000-schedule
    cache has 100,000: 41 ms of the start with each stacked, 5 ms without)."""
    deepest = 1
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > deepest:
            deepest = level
            if level > MAX_DEPTH:
                break
        for child in item.values() if type(item) is dict else item:
            if type(child) is dict or type(child) is list:
                stack.append((child, level + 1))
    return deepest


def move_aside(path: Path, clock: Callable[[], datetime] = datetime.now) -> str:
    """Keeps an unusable file under a new name (never deletes what a person may want back); returns a clause
    saying where it went, for the warning."""
    aside = path.with_name(f"{path.name}.corrupt-{clock().strftime('%Y%m%d-%H%M%S')}")
    try:
        path.replace(aside)
    except OSError:
        return "it could not be moved aside"
    return f"it was kept as {aside.name}"


#: what decoding a file of the right syntax but the wrong shape raises
SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)
