"""Where pdtray keeps its files: PDTRAY_CONFIG_DIR, else the platform's per-user config location."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import platformdirs

from pdtray import APP_NAME

CONFIG_DIR_ENV = "PDTRAY_CONFIG_DIR"
CACHE_DIR_ENV = "PDTRAY_CACHE_DIR"


def config_dir() -> Path:
    """~/.config/pdtray on Linux, ~/Library/Application Support/pdtray on macOS, %APPDATA%\\pdtray on Windows."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False, roaming=True))


def cache_dir() -> Path:
    """Last good data, safe to delete: ~/.cache/pdtray on Linux (PDTRAY_CACHE_DIR overrides)."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def name_digest(text: str) -> str:
    """16 hex digits standing for ``text`` in a file or socket name, which then says nothing of it (an account's
    URL, a home folder's path). Names, not secrets: two checksums rather than SHA-256, whose import loads OpenSSL
    (2.2 ms of every start, before the icon); the inputs are few and known, so a collision is not a concern."""
    data = text.encode()
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"
