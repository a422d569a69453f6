"""The TLS context all clients share, and getting the network stack ready off the UI thread.

Certificates are checked against the operating system's trust store (through ``truststore``), so that a company's
TLS-inspecting proxy whose CA IT installed on the machine works as it does in the browser. ``SSL_CERT_FILE`` (or
``SSL_CERT_DIR``), when set, is a CA bundle chosen on purpose and is used instead.
"""

from __future__ import annotations

import os
import ssl
import threading

_lock = threading.Lock()
_context: ssl.SSLContext | None = None


def build_context(environ: dict[str, str] | None = None) -> ssl.SSLContext:
    """The context for ``environ`` (the process environment by default); separate from the cache for tests."""
    env = os.environ if environ is None else environ
    cafile = env.get("SSL_CERT_FILE") or None
    capath = env.get("SSL_CERT_DIR") or None
    if cafile or capath:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    try:
        import truststore

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except ImportError:  # pragma: no cover - a dependency; kept working without it rather than failing to start
        import certifi

        return ssl.create_default_context(cafile=certifi.where())


def tls_context() -> ssl.SSLContext:
    """Built once: loading the trust store takes ~20-30 ms."""
    global _context
    with _lock:
        if _context is None:
            _context = build_context()
        return _context


def _prepare() -> None:
    tls_context()
    import httpcore  # noqa: F401 - httpx imports it only when the first client is made
    import httpx  # noqa: F401 - imported here while Qt starts, instead of on the UI's path at the first refresh


def prepare_in_background() -> None:
    """Gets the network stack ready on a worker thread while the app shows its tray icon."""
    threading.Thread(target=_prepare, name="pdtray-prepare-network", daemon=True).start()
