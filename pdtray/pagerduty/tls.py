"""The TLS context all clients share, and getting the network stack ready off the UI thread."""

from __future__ import annotations

import ssl
import threading

_lock = threading.Lock()
_context: ssl.SSLContext | None = None


def tls_context() -> ssl.SSLContext:
    """Built once: loading the CA bundle takes ~20-30 ms."""
    global _context
    with _lock:
        if _context is None:
            import certifi

            _context = ssl.create_default_context(cafile=certifi.where())
        return _context


def _prepare() -> None:
    tls_context()
    import httpcore  # noqa: F401 - httpx imports it only when the first client is made
    import httpx  # noqa: F401 - imported here while Qt starts, instead of on the UI's path at the first refresh


def prepare_in_background() -> None:
    """Gets the network stack ready on a worker thread while the app shows its tray icon."""
    threading.Thread(target=_prepare, name="pdtray-prepare-network", daemon=True).start()
