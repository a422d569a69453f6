"""Starts the tray app: one QApplication, the qasync loop, and the controller."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

from pdtray import APP_ID, APP_NAME, __version__

ALREADY_RUNNING = "pdtray is already running; it was asked to open its window."


def no_desktop_reason() -> str | None:
    """Why the tray app cannot start here, if it cannot: Qt would abort with a message few people can act on."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "the tray app needs a desktop session, and neither DISPLAY nor WAYLAND_DISPLAY is set. "
        "The command line works without one: try `pdtray --demo oncall` or `pdtray help`."
    )


def run_tray(*, demo: bool = False) -> int:
    reason = no_desktop_reason()
    if reason is not None:
        print(f"pdtray: {reason}", file=sys.stderr)
        return 3
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from pdtray.ui.pyside_feature_scan import scan_sources_cheaply

    scan_sources_cheaply()  # before the rest of the tray is imported: 8.5 MB and ~20 ms less
    QApplication.setApplicationName(APP_NAME)
    QApplication.setApplicationDisplayName(APP_NAME)
    QApplication.setApplicationVersion(__version__)
    QApplication.setDesktopFileName(APP_ID)  # so Wayland and docks match windows to the menu entry
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    qapp.setQuitOnLastWindowClosed(False)  # closing the popup or a dialog must not end a tray app
    from pdtray.ui.macos_dock import needs_accessory_policy

    if needs_accessory_policy():
        from pdtray.ui.macos_dock import hide_dock_icon

        hide_dock_icon()  # a pipx or virtualenv install: no Info.plist to say LSUIElement
    # SIGTERM (a logout) or Ctrl+C while still starting is remembered, and honoured once there is an app to quit.
    quit_app: list[Callable[[], None]] = []
    stop_requested: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        if quit_app:
            quit_app[0]()
        else:
            stop_requested.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    from pdtray.app.paths import config_dir
    from pdtray.ui.single_instance import (
        InstanceLock,
        SingleInstance,
        server_name,
        wait_for_running_instance,
    )

    try:
        name = server_name(config_dir())
    except RuntimeError as exc:
        print(f"pdtray: {exc}", file=sys.stderr)
        return 3
    # before any icon: a second start must not flash a second one. The lock says whether another pdtray lives (it
    # holds the lock for its whole life); only then is its socket asked, so a first start probes no socket (a
    # stale one, left by a crash or a kill, cost 3 ms of the start).
    lock = InstanceLock(name)
    if not lock.acquire():  # another one runs, or started in the same instant and won
        if wait_for_running_instance(name):
            print(ALREADY_RUNNING, file=sys.stderr)
            return 0
        print(f"pdtray: another pdtray holds {lock.path} but does not answer; is it stuck?", file=sys.stderr)
        return 1

    from pdtray.ui.early_tray import show_cached_tray

    early = show_cached_tray(demo=demo)
    qapp.processEvents()  # the icon goes up now; the rest loads behind it
    from pdtray.app.malloc_arenas import limit_malloc_arenas
    from pdtray.app.no_core_dumps import disable_core_dumps

    disable_core_dumps()  # before the controller reads the token; after the icon (its ctypes cost 3 ms there)
    limit_malloc_arenas()  # before the worker threads, which would each keep a heap of their own
    from pdtray.app.log import open_file

    open_file()  # held until now (see log.setup)
    from pdtray.pagerduty.tls import prepare_in_background

    prepare_in_background()  # TLS context and httpx, on a worker thread while the UI modules load
    instance = SingleInstance(name)
    if not instance.listen():  # another start won the race in the last few milliseconds
        early.tray.stop()
        print(ALREADY_RUNNING, file=sys.stderr)
        return 0

    import asyncio

    from pdtray.app.event_loop import TrayEventLoop
    from pdtray.ui.application import TrayApplication

    loop = TrayEventLoop(qapp)
    asyncio.set_event_loop(loop)
    controller = TrayApplication(qapp, demo=demo, early=early)
    instance.open_requested.connect(controller.open_popup)
    quit_app.append(controller.quit)
    if stop_requested:
        early.tray.stop()
        instance.close()
        loop.close()
        return 0
    # Python runs signal handlers only between bytecodes: wake it now and then so that Ctrl+C is not ignored.
    wake = QTimer()
    wake.start(500)
    wake.timeout.connect(lambda: None)
    try:
        return loop.run_until_complete(controller.run())
    finally:
        wake.stop()
        instance.close()
        loop.close()
        lock.release()
