"""Shared fixtures: every test runs with its own config dir, no token in the environment and an in-memory
keyring, so nothing a test does reaches the developer's real settings or keyring."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import keyring
import pytest
from keyring.backend import KeyringBackend

from pdtray.demo import DemoServer
from pdtray.pagerduty import PagerDutyClient, RetryPolicy

T = TypeVar("T")


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict: the real API, without touching the machine's keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch) -> Iterator[MemoryKeyring]:
    monkeypatch.setenv("PDTRAY_CONFIG_DIR", str(tmp_path / "config"))
    for name in ("PAGERDUTY_TOKEN", "PAGERDUTY_API_URL", "PDTRAY_DEMO_FAULTS", "PDTRAY_DEMO_SCHEDULES"):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


@pytest.fixture
def demo() -> Iterator[DemoServer]:
    with DemoServer() as server:
        yield server


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class SleepRecorder:
    """Stands in for asyncio.sleep in the client: records each wait the client chose and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_client(demo, sleeps):
    """A client for the demo server whose waits are recorded rather than slept."""

    def factory(token: str | None = None, **options: Any) -> PagerDutyClient:
        options.setdefault("retry", RetryPolicy())
        return PagerDutyClient(token or demo.token, base_url=demo.url, sleep=sleeps, **options)

    return factory
