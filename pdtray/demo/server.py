"""The demo PagerDuty as a real HTTP server on 127.0.0.1, run in a background thread.

A real socket (not a mocked transport) so that the app, the command line and the tests exercise the same HTTP
path they use against PagerDuty. Control endpoints under ``/_demo/`` let a test in another process turn the
fault knobs.
"""

from __future__ import annotations

import html
import json
import logging
import os
import socket
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit

from pdtray.demo.account import Account, build_account
from pdtray.demo.api import DEMO_TOKEN, DemoAPI, Reply
from pdtray.demo.faults import Faults, LoggedRequest

log = logging.getLogger(__name__)

#: Environment knobs read by ``pdtray --demo`` (tests set them for a subprocess).
ENV_SCHEDULES = "PDTRAY_DEMO_SCHEDULES"
ENV_FAULTS = "PDTRAY_DEMO_FAULTS"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the client's delayed ACK
    # add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        log.debug("demo %s", format % args)

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        demo = self.server.demo
        if parts.path.startswith("/_demo/"):
            self._send(demo.control(method, parts.path, body))
            return
        if parts.path.startswith("/web/"):
            self._send(demo.web_page(parts.path))
            return
        auth = headers.get("authorization", "")
        demo.faults.record(
            LoggedRequest(
                method=method,
                path=parts.path,
                query=tuple((k, v) for k, vs in query.items() for v in vs),
                auth_scheme=auth.split(" ", 1)[0] if auth else "",
                accept=headers.get("accept", ""),
                from_header=headers.get("from", ""),
            )
        )
        demo.faults.begin()
        try:
            if demo.faults.latency:
                time.sleep(demo.faults.latency)
            canned = demo.faults.take(parts.path, method)
            if canned is None or canned.mode != "replace":
                reply = demo.api.handle(method, parts.path, query, headers, body)
            if canned is not None and canned.mode in ("replace", "after"):
                reply = Reply(canned.status, canned.body, canned.headers)
        finally:
            demo.faults.end()
        if canned is not None and canned.mode == "reset":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if canned is not None and canned.mode == "silent":
            time.sleep(canned.pace)
            self.close_connection = True
            return
        self._send(reply, pace=canned.pace if canned is not None and canned.mode == "trickle" else 0.0)

    def _send(self, reply: Reply, *, pace: float = 0.0) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if not pace:
            self.wfile.write(reply.body)
            return
        try:
            for i in range(len(reply.body)):
                self.wfile.write(reply.body[i : i + 1])
                self.wfile.flush()
                time.sleep(pace)
        except OSError:  # the client gave up, as it should
            self.close_connection = True

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    demo: DemoServer


class DemoServer:
    """``with DemoServer() as demo: ...`` serves the demo account at ``demo.url`` with token ``demo.token``."""

    token = DEMO_TOKEN

    def __init__(self, account: Account | None = None, *, port: int = 0, schedules: int | None = None) -> None:
        self.account = account or build_account(schedules=schedules)
        self.faults = Faults()
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.demo = self
        host, bound_port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{bound_port}"
        self.api = DemoAPI(self.account, base_url=self.url)
        self._thread: threading.Thread | None = None

    @classmethod
    def from_environment(cls, start: datetime | None = None) -> DemoServer:
        """The server ``pdtray --demo`` runs: size and faults may come from the environment (for tests)."""
        account = build_account(start, schedules=int(os.environ.get(ENV_SCHEDULES) or 0) or None)
        server = cls(account)
        spec = os.environ.get(ENV_FAULTS)
        if spec:
            server.faults.configure(json.loads(spec))
        return server

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="pdtray-demo-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- control and web pages ----------------------------------------------------------------------------------

    def control(self, method: str, path: str, body: bytes) -> Reply:
        if path == "/_demo/faults" and method == "POST":
            try:
                self.faults.configure(json.loads(body or b"{}"))
            except (ValueError, KeyError, TypeError) as exc:
                return Reply(400, json.dumps({"error": str(exc)}).encode())
            return Reply(204, b"")
        if path == "/_demo/requests" and method == "GET":
            entries = [{"method": r.method, "path": r.path, "query": r.query} for r in self.faults.requests]
            return Reply(200, json.dumps(entries).encode())
        if path == "/_demo/account" and method == "GET":
            return Reply(200, json.dumps({"start": self.account.start.isoformat(), "me": self.account.me}).encode())
        return Reply(404, b'{"error": "unknown control endpoint"}')

    def web_page(self, path: str) -> Reply:
        """Stands in for PagerDuty's web pages, so "Open in PagerDuty" leads somewhere in the demo, and for its
        schedule calendar feeds (``/web/schedules/ID.ics``), so "Subscribe" does."""
        name = path.rsplit("/", 1)[-1]
        if path.startswith("/web/schedules/") and name.endswith(".ics"):
            from pdtray.demo.calendar_feed import schedule_feed  # icalendar, only when a feed is asked for

            key = name.removesuffix(".ics")
            feed = self.account.schedules.get(key) or self.account.shift_schedules.get(key)
            if feed is None:
                return Reply(404, b"no such schedule")
            return Reply(200, schedule_feed(self.account, feed), (("Content-Type", "text/calendar; charset=utf-8"),))
        schedule = self.account.schedules.get(name) or self.account.shift_schedules.get(name)
        title = schedule.name if schedule else name
        page = (
            "<!doctype html><meta charset='utf-8'><title>pdtray demo</title>"
            f"<h1>{html.escape(title)}</h1><p>This is the pdtray demo account, started "
            f"{html.escape(self.account.start.astimezone().strftime('%Y-%m-%d %H:%M'))}. "
            "A real account opens PagerDuty's own page here.</p>"
        )
        return Reply(200, page.encode(), (("Content-Type", "text/html; charset=utf-8"),))
