"""One PagerDuty client shared by every service: the refresh loop, timelines and actions take turns on it.

Sharing keeps the connection alive between requests and the per-token limit on requests in flight true across
services. The connection (token, region, URL) is resolved lazily, at the first request, so a missing token is
reported as an error state rather than stopping the app from starting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pdtray.app.connection import Connection
from pdtray.app.user_directory import UserDirectory

if TYPE_CHECKING:
    from pdtray.oncall.models import User
    from pdtray.oncall.reminders import MyShift
    from pdtray.pagerduty.client import PagerDutyClient


class Session:
    def __init__(self, connect: Callable[[], Connection], *, client_options: dict[str, Any] | None = None) -> None:
        self._connect = connect
        self._options = client_options or {}
        self._client: PagerDutyClient | None = None
        self.connection: Connection | None = None
        #: people by ID, for shift-based schedules' timelines (which name people by ID only)
        self.users = UserDirectory()
        #: each known schedule's kind, so that its timeline is asked of the right API at once
        self.schedule_kinds: dict[str, str] = {}
        self._closing: set[asyncio.Future[None]] = set()

    async def client(self) -> PagerDutyClient:
        """The shared client, connecting first if needed. Connecting may read the OS keyring, which can block for
        as long as an unlock prompt stays open, so it runs off the UI thread with a timeout."""
        if self._client is None:
            from pdtray.app.secrets import off_the_ui_thread

            connection = await off_the_ui_thread(self._connect)
            if self._client is None:  # another caller may have connected while this one waited
                self.connection = connection
                self._client = connection.client(**self._options)
        return self._client

    def reset(self, connect: Callable[[], Connection] | None = None) -> None:
        """Forgets the client (new token, region or URL); the next request connects again."""
        if connect is not None:
            self._connect = connect
        self.users = UserDirectory()  # another account may have other people
        self.schedule_kinds = {}
        if self._client is not None:
            client, self._client = self._client, None
            closing = asyncio.ensure_future(client.aclose())
            self._closing.add(closing)  # held until done: asyncio keeps only weak references to tasks
            closing.add_done_callback(self._closing.discard)
        self.connection = None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def window_options(self, schedule_id: str) -> dict[str, Any]:
        """What the timeline queries take for ``schedule_id``: its kind if known, and the user directory."""
        return {"kind": self.schedule_kinds.get(schedule_id), "users": self.users}

    async def handover(self, shift: MyShift, me: str | None) -> User | None:
        """Who hands ``shift`` over to ``me`` (the user ID), for the reminder's "Alice hands over to you"."""
        from pdtray.app import queries

        assert shift.schedule_id is not None
        client = await self.client()
        options = self.window_options(shift.schedule_id)
        return await queries.handover(client, shift.schedule_id, shift.start, me=me, **options)
