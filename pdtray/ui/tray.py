"""The tray icon and its menu: the state at a glance, the tooltip, and the intents the menu sends."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QObject, QPoint, QRect, QTimer, Signal
from PySide6.QtGui import QAction, QCursor
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from pdtray.oncall.display_text import inert, one_line
from pdtray.ui.icons import badged, icon
from pdtray.ui.tray_clicks import MENU, OPEN, ClickRouter, menu_attached
from pdtray.ui.tray_status import TrayLook

log = logging.getLogger(__name__)
TRAY_RETRY_MS = 2_000


class TrayMenu(QMenu):
    """Open, My incidents, Refresh now, Pause notifications, Page the on-call…, Export my shifts…, Settings…,
    About, Quit."""

    open_requested = Signal()
    incidents_requested = Signal()
    refresh_requested = Signal()
    page_requested = Signal()
    export_requested = Signal()
    pause_requested = Signal(object)  # "hour", "tomorrow" or None (resume)
    settings_requested = Signal()
    about_requested = Signal()
    quit_requested = Signal()
    #: a summary entry was chosen: ("schedule", ID), ("me", None) or ("incidents", None)
    summary_requested = Signal(object)
    #: a service from the Services submenu: its ID and name
    service_requested = Signal(str, str)
    copy_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.summary_actions: list[QAction] = []
        self._summary: tuple[tuple[str, object], ...] = ()
        self.status_action = self.addAction("")
        self.status_action.setEnabled(False)
        self.addSeparator()
        self.open_action = self._add("Open", self.open_requested)
        self.incidents_action = self._add("My incidents", self.incidents_requested)
        self.refresh_action = self._add("Refresh now", self.refresh_requested)
        self.pause_menu = self.addMenu("Pause notifications")
        self.pause_hour = self.pause_menu.addAction("For 1 hour")
        self.pause_hour.triggered.connect(lambda: self.pause_requested.emit("hour"))
        self.pause_tomorrow = self.pause_menu.addAction("Until tomorrow")
        self.pause_tomorrow.triggered.connect(lambda: self.pause_requested.emit("tomorrow"))
        self.resume = self.pause_menu.addAction("Resume notifications")
        self.resume.triggered.connect(lambda: self.pause_requested.emit(None))
        self.resume.setVisible(False)
        self.services_menu = self.addMenu("Services")
        self.services_menu.setToolTip("Who is on call for a service, at every level")
        self.services_menu.menuAction().setVisible(False)  # until the account's services are known
        self.copy_action = self._add("Copy who is on call", self.copy_requested)
        self.addSeparator()
        self.page_action = self._add("Page the on-call…", self.page_requested)
        self.export_action = self._add("Export my shifts…", self.export_requested)
        self.addSeparator()
        self.settings_action = self._add("Settings…", self.settings_requested)
        self.about_action = self._add("About pdtray", self.about_requested)
        self.addSeparator()
        self.quit_action = self._add("Quit", self.quit_requested)

    def _add(self, text: str, signal: Signal) -> QAction:  # type: ignore[type-arg]
        action = self.addAction(text)
        action.triggered.connect(signal.emit)
        return action

    def set_summary(self, lines: tuple[tuple[str, object], ...]) -> None:
        """Who is on call on each watched schedule, my status and my incidents, as the menu's first entries: on a
        panel without tooltips (GNOME) the menu is where they are seen. Each opens the matching popup page."""
        if lines == self._summary:
            return
        self._summary = lines
        for action in self.summary_actions:
            self.removeAction(action)
            action.deleteLater()
        self.summary_actions = []
        for text, target in lines:
            # "&" marks a keyboard shortcut in a menu: a name's own "&" is doubled to show as one
            action = QAction(one_line(text, 90).replace("&", "&&"), self)
            action.triggered.connect(lambda _=False, t=target: self.summary_requested.emit(t))
            self.insertAction(self.status_action, action)
            self.summary_actions.append(action)

    def set_services(self, services: list[tuple[str, str]]) -> None:
        """The account's services (ID, name) as a submenu: a service's escalation chain is then two clicks away."""
        self.services_menu.clear()
        for service_id, name in services:
            action = self.services_menu.addAction(one_line(name, 60).replace("&", "&&"))
            action.triggered.connect(lambda _=False, i=service_id, n=name: self.service_requested.emit(i, n))
        self.services_menu.menuAction().setVisible(bool(services))

    def set_status(self, text: str) -> None:
        self.status_action.setText(text)

    def set_incidents(self, count: int) -> None:
        self.incidents_action.setText(f"My incidents ({count})" if count else "My incidents")

    def set_paused(self, until_text: str | None) -> None:
        self.pause_menu.setTitle(f"Notifications paused until {until_text}" if until_text else "Pause notifications")
        self.resume.setVisible(until_text is not None)


class Tray(QObject):
    """Wraps QSystemTrayIcon; waits for a tray to appear when the desktop starts pdtray before its panel."""

    activated = Signal()  # left click
    unavailable = Signal()  # no tray after a while: show a window instead

    def __init__(
        self,
        menu: TrayMenu,
        parent: QObject | None = None,
        *,
        variant: str = "light",
        platform: str = sys.platform,
    ) -> None:
        super().__init__(parent)
        self.menu = menu
        self.variant = variant  # which icon set: for a "light" or "dark" panel, or "mono" (macOS)
        self.icon = QSystemTrayIcon(icon("loading", variant), self)
        if menu_attached(platform):
            self.icon.setContextMenu(menu)
        interval = QApplication.doubleClickInterval() / 1000 if QApplication.instance() else 0.5
        self._clicks = ClickRouter(platform, double_click_interval=interval)
        self.icon.activated.connect(self._on_activated)
        self.look: TrayLook | None = None
        self._waited_ms = 0
        self._retry = QTimer(self)
        self._retry.setInterval(TRAY_RETRY_MS)
        self._retry.timeout.connect(self._try_show)

    def show(self) -> None:
        self._try_show()
        if not self.icon.isVisible() or not QSystemTrayIcon.isSystemTrayAvailable():
            self._retry.start()

    def _try_show(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._retry.stop()
            self.icon.show()
            return
        self._waited_ms += TRAY_RETRY_MS
        if self._waited_ms == 3 * TRAY_RETRY_MS:
            log.warning("no system tray yet; pdtray keeps looking for one and shows its window meanwhile")
            self.unavailable.emit()

    def stop(self) -> None:
        self._retry.stop()
        self.icon.hide()

    @property
    def available(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def render(self, look: TrayLook) -> None:
        if self.look is not None and look == self.look:
            return
        if self.look is None or (look.icon, look.badge, look.badge_urgent) != (
            self.look.icon,
            self.look.badge,
            self.look.badge_urgent,
        ):
            self.icon.setIcon(badged(look.icon, self.variant, look.badge, look.badge_urgent))
        self.icon.setToolTip(inert(look.tooltip))  # names are PagerDuty's text: never markup, on any panel
        self.menu.set_summary(look.menu_lines)
        self.menu.set_status(look.problem or look.tooltip.splitlines()[-1])
        self.look = look

    def set_variant(self, variant: str) -> None:
        if variant == self.variant:
            return
        self.variant = variant
        look = self.look
        if look is None:
            self.icon.setIcon(icon("loading", variant))
        else:
            self.icon.setIcon(badged(look.icon, variant, look.badge, look.badge_urgent))

    def geometry(self) -> QRect | None:
        """Where the icon is on screen; None where the platform does not say (StatusNotifierItem)."""
        rect = self.icon.geometry()
        return rect if rect.isValid() and not rect.isEmpty() else None

    def anchor(self) -> QPoint:
        rect = self.geometry()
        return rect.center() if rect is not None else QCursor.pos()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        action = self._clicks.route(reason.name)
        if action == OPEN:
            self.activated.emit()
        elif action == MENU:
            self.menu.popup(QCursor.pos())
