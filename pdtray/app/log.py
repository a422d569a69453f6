"""pdtray's log: a rotating file for the tray app, stderr for the command line, and the token never in either.

A tray app has no terminal, so when someone reports "it stopped updating" the file is what they can send. Every
line passes through redaction: secrets pdtray has loaded (the API token, routing keys) are replaced wherever they
appear, in messages and tracebacks alike, and so are Authorization headers whatever their value.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
import threading
from pathlib import Path
from types import TracebackType

import platformdirs

from pdtray import APP_NAME, __version__

LOG_DIR_ENV = "PDTRAY_LOG_DIR"
LOG_FILE = "pdtray.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
LEVELS = ("debug", "info", "warning", "error")
REDACTED = "[redacted]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: shapes that carry a credential whatever its value, for values pdtray never loaded itself
_SHAPES = (
    r"(Token token=)[^\s\"',;]+",
    r"(Bearer\s+)[^\s\"',;]+",
    r"(Authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\n,;}]+",
    r"([\"']?routing_key[\"']?\s*[:=]\s*[\"']?)[^\s\"',;]+",
)


@functools.cache
def _patterns() -> list[re.Pattern[str]]:
    """Compiled when the first message is written, not with the module, which loads before the tray's first icon
    (0.4 ms there)."""
    return [re.compile(shape, re.IGNORECASE) for shape in _SHAPES]


_secrets: set[str] = set()
_secrets_lock = threading.Lock()
#: shorter values would turn ordinary words into "[redacted]"
_MIN_SECRET = 8


def remember_secret(value: str | None) -> None:
    """From now on, ``value`` never appears in the log. Called wherever a token or key is loaded or typed.

    A pasted value may hold a line break or other odd characters (it is then refused, but may be logged on the
    way): its escaped form (as repr and tracebacks show it) and each of its pieces are remembered too."""
    if not value or len(value.strip()) < _MIN_SECRET:
        return
    stripped = value.strip()
    forms = {stripped, stripped.encode("unicode_escape").decode("ascii"), repr(stripped)[1:-1]}
    forms.update(piece for piece in re.split(r"\s+", stripped) if len(piece) >= _MIN_SECRET)
    with _secrets_lock:
        _secrets.update(forms)


def redact(text: str) -> str:
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, REDACTED)
    for pattern in _patterns():
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Redacts the finished line, so that arguments, exception messages and tracebacks are all covered."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def log_dir() -> Path:
    """~/.local/state/pdtray/log on Linux, ~/Library/Logs/pdtray on macOS, %LOCALAPPDATA%\\pdtray\\Logs on Windows."""
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def log_file() -> Path:
    return log_dir() / LOG_FILE


def setup(level: str | None, *, to_file: bool, hold: bool = False) -> Path | None:
    """Configures the root logger. ``level`` None: info in the file and warnings on stderr, the quiet default;
    a level given with --log-level applies to both. Returns the log file, or None when it cannot be written (the
    app still runs; the reason goes to stderr).

    ``hold``: the file is opened by :func:`open_file` (the tray calls it once its icon is up), and records logged
    before then are kept and written to it first. Opening it imports ``logging.handlers``, and with it sockets and
    pickle: 6 ms of the tray's start that its first look does not need."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    chosen = getattr(logging, (level or "info").upper())
    root.setLevel(chosen)

    console = logging.StreamHandler(sys.stderr)
    console.setLevel(chosen if level else logging.WARNING)
    console.setFormatter(RedactingFormatter("pdtray: %(levelname)s %(name)s: %(message)s"))
    root.addHandler(console)
    # httpx logs every request at info: useful only when asked for
    for noisy in ("httpx", "httpcore", "hpack", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if chosen <= logging.DEBUG else logging.WARNING)
    # desktop-notifier logs an undelivered notification as a warning with a traceback; pdtray says it in one line
    # and shows the notification another way, so the traceback is only for --log-level debug.
    logging.getLogger("desktop_notifier").setLevel(logging.DEBUG if chosen <= logging.DEBUG else logging.ERROR)

    path: Path | None = None
    if to_file:
        held = _HeldRecords(chosen)
        root.addHandler(held)
        path = log_file() if hold else open_file()
    sys.excepthook = _log_uncaught
    logging.getLogger(__name__).info("pdtray %s, Python %s on %s", __version__, sys.version.split()[0], sys.platform)
    return path


class _HeldRecords(logging.Handler):
    """Stands in for the log file until it is opened; what it holds is written there first."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def open_file() -> Path | None:
    """Opens the log file set up by :func:`setup` and writes the records held until now to it. Does nothing
    when there is none to open (no file wanted, or opened already)."""
    root = logging.getLogger()
    held = next((h for h in root.handlers if isinstance(h, _HeldRecords)), None)
    if held is None:
        return None
    root.removeHandler(held)
    path = log_file()
    from logging.handlers import RotatingFileHandler  # here: the command line does not need it

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError as exc:
        logging.getLogger(__name__).warning("cannot write the log file %s: %s", path, exc.strerror or exc)
        return None
    handler.setFormatter(RedactingFormatter(FORMAT))
    handler.setLevel(held.level)
    for record in held.records:
        handler.handle(record)
    root.addHandler(handler)
    return path


def _log_uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """Exceptions escaping a Qt slot end up here; they go to the log (redacted) instead of only a lost stderr."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    logging.getLogger(APP_NAME).critical("uncaught exception", exc_info=(kind, value, tb))
