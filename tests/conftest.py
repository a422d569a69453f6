"""Shared fixtures: every test runs with its own config dir, no token in the environment and an in-memory
keyring, so nothing a test does reaches the developer's real settings or keyring."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import keyring
import pytest
from keyring.backend import KeyringBackend

from pdtray.demo import DemoServer
from pdtray.pagerduty import PagerDutyClient, RetryPolicy

T = TypeVar("T")

# Widget-level tests run offscreen; the desktop tests start their own X server and set DISPLAY for their children.
os.environ["QT_QPA_PLATFORM"] = "offscreen"


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
    monkeypatch.setenv("PDTRAY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PDTRAY_LOG_DIR", str(tmp_path / "log"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))  # launch at login writes its entry here
    for name in (
        "PAGERDUTY_TOKEN",
        "PAGERDUTY_API_URL",
        "PDTRAY_DEMO_FAULTS",
        "PDTRAY_DEMO_SCHEDULES",
        "PDTRAY_ROUTING_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def logging_restored() -> Iterator[None]:
    """pdtray's main() configures logging for the process; a test that calls it must not change the next test's."""
    import logging
    import sys

    root = logging.getLogger()
    handlers, level, hook = list(root.handlers), root.level, sys.excepthook
    names = ("httpx", "httpcore", "hpack", "asyncio", "desktop_notifier")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)
    sys.excepthook = hook


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


@pytest.fixture(scope="session")
def session_qloop(qapp):
    """One qasync loop for the whole run, as the app has one: qasync does not cope with a second loop in the
    same process (its socket notifiers stop firing)."""
    from pdtray.app.event_loop import TrayEventLoop

    loop = TrayEventLoop(qapp, already_running=True)
    asyncio.events._set_running_loop(None)
    yield loop
    asyncio.events._set_running_loop(loop)
    loop.stop()
    loop.close()
    asyncio.events._set_running_loop(None)


@pytest.fixture
def qloop(session_qloop, qapp):
    """The qasync loop, running while the test runs: tasks advance whenever qtbot waits spin Qt's events.

    Afterwards it is unregistered again, so that tests using asyncio.run() still can.
    """
    loop = session_qloop
    asyncio.events._set_running_loop(loop)
    asyncio.set_event_loop(loop)
    yield loop
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    deadline = time.monotonic() + 5
    while any(not t.done() for t in pending) and time.monotonic() < deadline:
        qapp.processEvents()
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


def finish(loop, awaitable, timeout: float = 10.0):
    """Runs a coroutine to completion on the (already running) qasync loop by spinning Qt's events."""
    from PySide6.QtWidgets import QApplication

    task = loop.create_task(awaitable)
    deadline = time.monotonic() + timeout
    while not task.done():
        if time.monotonic() > deadline:
            task.cancel()
            raise TimeoutError("coroutine did not finish")
        QApplication.processEvents()
        time.sleep(0.001)
    return task.result()


_screenshot_dirs: list[str] = []


@pytest.fixture
def screenshots_dir(request):
    """Where the desktop tests put their screenshots: PDTRAY_SCREENSHOTS, else screenshots/ in the checkout."""
    from pathlib import Path

    base = Path(os.environ.get("PDTRAY_SCREENSHOTS") or Path(request.config.rootpath) / "screenshots")
    folder = base / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    _screenshot_dirs.append(str(folder))
    return folder


def pytest_terminal_summary(terminalreporter):
    for folder in _screenshot_dirs:
        terminalreporter.write_line(f"screenshots: {folder}")


@pytest.fixture
def make_app(qloop, qapp):
    """Tray app controllers started offscreen; shut down, with their windows closed, after the test."""
    from pdtray.ui.application import TrayApplication

    apps = []

    def factory(**kw) -> TrayApplication:
        app = TrayApplication(qapp, **kw)
        apps.append(app)
        app.start()
        return app

    yield factory
    for app in apps:
        finish(qloop, app.shutdown())
        for window in (app.popup, app.settings_dialog):
            if window is not None:
                window.close()
