"""Shows notifications: natively through desktop-notifier (org.freedesktop.Notifications on D-Bus, the macOS and
Windows notification centres), with "Open" and "Snooze 5 min" buttons on shift notices and "Acknowledge" and
"Open" on incidents; through the tray icon's balloon where that is not available. Clicking a notification opens
the popup on its schedule, or on my incidents.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from pdtray import APP_NAME
from pdtray.app.reminders import OutgoingNotice
from pdtray.oncall.display_text import inert
from pdtray.ui.icons import icon_path
from pdtray.ui.toast import Toast
from pdtray.ui.tray import Tray

log = logging.getLogger(__name__)


def native_available(platform: str = sys.platform, executable: str = sys.executable) -> bool:
    """Whether the system's notifications can be relied on.

    Linux needs a session bus for org.freedesktop.Notifications. macOS delivers only for an app bundle (a
    process started from ``….app/Contents/MacOS/``): from a pipx or virtualenv install desktop-notifier falls back
    to a backend that drops notifications while reporting them sent, so they are taken as unavailable there."""
    if platform.startswith("linux") and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    if platform == "darwin" and ".app/Contents/MacOS/" not in executable:
        return False
    try:
        import desktop_notifier  # noqa: F401 - imported on first use: ~10 MB that start-up does not need
    except ImportError:
        return False
    return True


class Notifier(QObject):
    open_requested = Signal(object)  # schedule ID or None
    snooze_requested = Signal(object)  # the reminder (pdtray.oncall.reminders.Notice)
    acknowledge_requested = Signal(str)  # incident ID
    open_incidents_requested = Signal()

    def __init__(
        self,
        tray: Tray,
        parent: QObject | None = None,
        *,
        platform: str = sys.platform,
        executable: str = sys.executable,
    ) -> None:
        super().__init__(parent)
        self._tray = tray
        self._platform = platform
        self._executable = executable
        self._native: Any = None
        self._use_native: bool | None = None
        #: pdtray's own toasts on screen (macOS, where the tray balloon goes through the same refusing centre)
        self.toasts: list[Toast] = []
        self._tasks: set[asyncio.Task[None]] = set()
        #: pdtray's notifications the notification service may still show, by identifier: whether each is urgent
        self._on_screen: dict[str, bool] = {}
        self._one_at_a_time = asyncio.Lock()
        self._last_balloon: OutgoingNotice | None = None
        tray.icon.messageClicked.connect(self._balloon_clicked)

    def show(self, notice: OutgoingNotice) -> None:
        if self._use_native is None:
            self._use_native = native_available(self._platform, self._executable)
        if not self._use_native:
            self._fallback(notice)
            return
        self._run(self._send_native(notice))

    def withdraw_all(self) -> None:
        """Takes pdtray's notifications off the screen: called when the popup opens, which shows all they said,
        so that none sits over it (an urgent one stays until dismissed on most desktops)."""
        for toast in self.toasts:
            toast.close()
        self.toasts = []
        if self._on_screen:
            self._run(self._withdraw(list(self._on_screen)))

    def _run(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _withdraw(self, identifiers: list[str]) -> None:
        async with self._one_at_a_time:
            await self._clear(identifiers)

    async def _clear(self, identifiers: list[str]) -> None:
        for identifier in identifiers:
            self._on_screen.pop(identifier, None)
            try:
                await self._native.clear(identifier)
            except Exception as exc:  # one left on screen is a nuisance, not a failure
                log.info("could not withdraw a notification: %s", exc)

    async def _send_native(self, notice: OutgoingNotice) -> None:
        async with self._one_at_a_time:  # sent in order, each seeing what the one before left on screen
            await self._send_native_now(notice)

    async def _send_native_now(self, notice: OutgoingNotice) -> None:
        from desktop_notifier import Button, DesktopNotifier, Icon, Urgency

        schedule = notice.schedule_id
        incident = notice.incident
        if incident is not None:
            buttons = [
                Button(title="Acknowledge", on_pressed=lambda: self.acknowledge_requested.emit(incident.id)),
                Button(title="Open", on_pressed=self.open_incidents_requested.emit),
            ]
            clicked = self.open_incidents_requested.emit
        else:
            buttons = [Button(title="Open", on_pressed=lambda: self.open_requested.emit(schedule))]
            if notice.reminder is not None:
                reminder = notice.reminder
                buttons.append(Button(title="Snooze 5 min", on_pressed=lambda: self.snooze_requested.emit(reminder)))
            clicked = lambda: self.open_requested.emit(schedule)  # noqa: E731 - a callback, as the buttons' are
        # desktop-notifier swallows a failed delivery (it only logs it); "dispatched" is its word that the
        # notification service took the notification, and without it the tray balloon has to show it instead.
        dispatched: list[bool] = []
        try:
            if self._native is None:  # inside the try: a notifier that cannot be made must not lose the notice
                self._native = DesktopNotifier(
                    app_name=APP_NAME, app_icon=Icon(path=Path(app_icon_file(self._platform)))
                )
            if self._on_screen:  # those the user dismissed are gone from desktop-notifier's list
                current = set(await self._native.get_current_notifications())
                self._on_screen = {k: v for k, v in self._on_screen.items() if k in current}
                await self._clear(superseded(self._on_screen, urgent=notice.urgent))
            identifier = await self._native.send(
                title=inert(notice.message.title),  # freedesktop servers read markup in the body
                message=inert(notice.message.body),
                urgency=Urgency.Critical if notice.urgent else Urgency.Normal,
                buttons=buttons,
                on_clicked=clicked,
                on_dispatched=lambda: dispatched.append(True),
            )
        except Exception as exc:  # a notification must not be lost to a broken bus
            log.warning("native notification failed (%s); showing it another way", exc)
            self._fallback(notice)
            return
        if not dispatched:
            log.warning("no notification service took %r; showing it another way", notice.message.title)
            self._fallback(notice)
            return
        self._on_screen[identifier] = notice.urgent

    def _fallback(self, notice: OutgoingNotice) -> None:
        if self._platform == "darwin":
            self._toast(notice)
        else:
            self._balloon(notice)

    def _toast(self, notice: OutgoingNotice) -> None:
        schedule = notice.schedule_id
        incident = notice.incident
        if incident is not None:
            buttons = [
                ("Acknowledge", lambda: self.acknowledge_requested.emit(incident.id)),
                ("Open", self.open_incidents_requested.emit),
            ]
            clicked = self.open_incidents_requested.emit
        else:
            buttons = [("Open", lambda: self.open_requested.emit(schedule))]
            if notice.reminder is not None:
                reminder = notice.reminder
                buttons.append(("Snooze 5 min", lambda: self.snooze_requested.emit(reminder)))
            clicked = lambda: self.open_requested.emit(schedule)  # noqa: E731 - a callback, as the buttons' are
        toast = Toast(
            inert(notice.message.title), inert(notice.message.body), buttons, urgent=notice.urgent, on_clicked=clicked
        )
        self.toasts = [t for t in self.toasts if t.isVisible()]
        below = sum(t.height() + 8 for t in self.toasts)
        self.toasts.append(toast)
        toast.show_at_top_right(below)

    def _balloon(self, notice: OutgoingNotice) -> None:
        self._last_balloon = notice
        kind = QSystemTrayIcon.MessageIcon.Warning if notice.urgent else QSystemTrayIcon.MessageIcon.Information
        title, body = balloon_text(inert(notice.message.title), inert(notice.message.body))
        self._tray.icon.showMessage(title, body, kind, 15_000)

    def _balloon_clicked(self) -> None:
        if self._last_balloon is None:
            return
        if self._last_balloon.incident is not None:
            self.open_incidents_requested.emit()
        else:
            self.open_requested.emit(self._last_balloon.schedule_id)


#: Windows cuts a balloon's title at 63 characters and its text at 255 (NOTIFYICONDATA's szInfoTitle, szInfo)
BALLOON_LIMITS = {"win32": (63, 255)}


def balloon_text(title: str, body: str, platform: str = sys.platform) -> tuple[str, str]:
    """Title and text cut with an ellipsis where the platform would cut them mid-word without one."""
    limits = BALLOON_LIMITS.get(platform)
    if limits is None:
        return title, body
    return tuple(  # type: ignore[return-value]
        text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
        for text, limit in zip((title, body), limits, strict=True)
    )


def app_icon_file(platform: str = sys.platform) -> str:
    """The icon the notification centre shows: Windows' toasts take no SVG, so a PNG there."""
    if platform == "win32":
        from pdtray.ui.icons import resource_dir

        return str(resource_dir() / "icons" / "app" / "pdtray-256.png")
    return icon_path("pdtray")


def superseded(on_screen: dict[str, bool], *, urgent: bool) -> list[str]:
    """The notifications a new one takes off the screen. An urgent notification is persistent on most desktops
    (dunst, Xfce, Plasma keep it until dismissed; GNOME queues every later banner behind it), so pdtray keeps at
    most one up: a new urgent one replaces the earlier urgent ones, whose news the tray and popup still show.
    A normal one times out by itself and replaces nothing."""
    return [identifier for identifier, was_urgent in on_screen.items() if was_urgent] if urgent else []
