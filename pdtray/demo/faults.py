"""Fault knobs for the demo server: latency, 429 bursts, 5xx, odd or malformed bodies.

Tests queue canned answers that replace the next matching requests' real ones; the request log lets them count
what the client really sent. Thread-safe, because the server answers from its own threads.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Canned:
    """One answer to give instead of the real one."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    #: only requests whose path starts with this are answered (None: any API request; "/x$": the path /x only)
    path_prefix: str | None = None
    #: how the answer goes out: "replace" the real one; "after" the real request was carried out (an answer lost
    #: after PagerDuty applied a write); "reset": carry it out, then close the connection without an answer;
    #: "trickle": the real answer, one byte every ``pace`` seconds; "silent": no answer for ``pace`` seconds
    mode: str = "replace"
    pace: float = 0.0
    #: only requests of this method (None: any)
    method: str | None = None

    @classmethod
    def json(
        cls, status: int, body: Any, headers: dict[str, str] | None = None, path_prefix: str | None = None
    ) -> Canned:
        return cls(
            status,
            json.dumps(body).encode(),
            (("Content-Type", "application/json"), *(headers or {}).items()),
            path_prefix,
        )


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    #: "Token", "Bearer" or "" — never the token itself
    auth_scheme: str
    accept: str
    from_header: str


@dataclass
class Faults:
    latency: float = 0.0
    _queue: deque[Canned] = field(default_factory=deque)
    _log: list[LoggedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _in_flight: int = 0
    #: the most API requests the server was answering at the same moment
    max_in_flight: int = 0

    def queue(self, *answers: Canned) -> None:
        with self._lock:
            self._queue.extend(answers)

    def rate_limit(
        self,
        count: int = 1,
        *,
        reset: float | None = None,
        retry_after: float | None = None,
        body: bool = True,
        path_prefix: str | None = None,
    ) -> None:
        """``count`` 429s, with or without PagerDuty's ratelimit headers and body."""
        headers = {}
        if reset is not None:
            headers.update({"ratelimit-limit": "960", "ratelimit-remaining": "0", "ratelimit-reset": f"{reset:g}"})
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        payload = {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
        answer = (
            Canned.json(429, payload, headers, path_prefix)
            if body
            else Canned(429, b"", tuple(headers.items()), path_prefix)
        )
        self.queue(*([answer] * count))

    def server_error(self, count: int = 1, *, status: int = 500, path_prefix: str | None = None) -> None:
        payload = {"error": {"message": "Internal Server Error", "code": 5000}}
        self.queue(*([Canned.json(status, payload, path_prefix=path_prefix)] * count))

    def malformed(self, count: int = 1, *, status: int = 200, path_prefix: str | None = None) -> None:
        """Bodies that are not JSON, as a captive portal or a broken proxy sends."""
        answer = Canned(status, b"<html><body>Bad Gateway</body></html>", (("Content-Type", "text/html"),), path_prefix)
        self.queue(*([answer] * count))

    def lose_answer(
        self, count: int = 1, *, status: int = 502, method: str = "POST", path_prefix: str | None = None
    ) -> None:
        """Carries the request out, then answers ``status`` (0: resets the connection) instead of the real answer."""
        payload = json.dumps({"error": {"message": "Bad Gateway", "code": 5000}}).encode()
        answer = Canned(
            status,
            payload,
            (("Content-Type", "application/json"),),
            path_prefix,
            "reset" if status == 0 else "after",
            method=method,
        )
        self.queue(*([answer] * count))

    def trickle(self, pace: float, *, path_prefix: str | None = None) -> None:
        """The real answer, but one byte every ``pace`` seconds: each byte resets a read timeout."""
        self.queue(Canned(200, path_prefix=path_prefix, mode="trickle", pace=pace))

    def take(self, path: str, method: str = "GET") -> Canned | None:
        with self._lock:
            for i, answer in enumerate(self._queue):
                if answer.method is not None and answer.method != method:
                    continue
                prefix = answer.path_prefix
                if prefix is None or (path == prefix[:-1] if prefix.endswith("$") else path.startswith(prefix)):
                    del self._queue[i]
                    return answer
        return None

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    def begin(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def end(self) -> None:
        with self._lock:
            self._in_flight -= 1

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def clear_requests(self) -> None:
        """Forgets the requests logged so far (``requests`` is a copy: clearing it changes nothing here)."""
        with self._lock:
            self._log.clear()

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self._log.clear()
            self.latency = 0.0
            self.max_in_flight = 0

    def configure(self, spec: dict[str, Any]) -> None:
        """Applies a JSON description (from the /_demo/faults control endpoint or the environment)."""
        if "latency" in spec:
            self.latency = float(spec["latency"])
        for item in spec.get("queue", []):
            body = item.get("body", "")
            raw = json.dumps(body).encode() if isinstance(body, dict | list) else str(body).encode()
            headers = tuple((str(k), str(v)) for k, v in item.get("headers", {}).items())
            self.queue(
                Canned(
                    int(item["status"]),
                    raw,
                    headers,
                    item.get("path_prefix"),
                    str(item.get("mode", "replace")),
                    float(item.get("pace", 0.0)),
                    item.get("method"),
                )
            )
