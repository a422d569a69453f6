"""The settings dialog's "Test connection": who the token belongs to, or exactly what is wrong."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from pdtray.app import queries
from pdtray.app.connection import Connection
from pdtray.oncall import User
from pdtray.pagerduty import PagerDutyError, RetryPolicy


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class
    ok: bool
    message: str
    user: User | None = None


async def test_connection(connection: Connection) -> TestResult:
    # One quick try: a person is waiting for the answer, and retries belong to the refresh loop.
    retry = RetryPolicy(max_server_retries=0, max_rate_limit_retries=0)
    try:
        async with connection.client(retry=retry, timeout=10.0) as client:
            user = await queries.me(client)
    except PagerDutyError as exc:
        return TestResult(False, str(exc))
    who = user.name + (f" <{user.email}>" if user.email else "")
    return TestResult(True, f"Connected as {who}.", user)


class ConnectionTester(QObject):
    finished = Signal(object)  # TestResult

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._task: asyncio.Task[None] | None = None

    def start(self, connection: Connection) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.ensure_future(self._run(connection))

    async def _run(self, connection: Connection) -> None:
        self.finished.emit(await test_connection(connection))
