"""The popup: a compact window by the tray icon with the schedule list, one schedule's timeline, and my incidents."""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QHideEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pdtray.ui.icons import app_icon
from pdtray.ui.incidents_view import IncidentsPage
from pdtray.ui.person_view import PersonPage
from pdtray.ui.schedule_list import ScheduleListPage
from pdtray.ui.services_view import ServicesPage
from pdtray.ui.timeline_view import TimelinePage
from pdtray.ui.window_placement import can_place_windows, keep_out_of_taskbar

POPUP_SIZE = (420, 560)
#: how long after a click elsewhere closed the popup an activation of the icon still counts as that same click
CLICK_AWAY_GRACE = 0.4


class Popup(QWidget):
    settings_requested = Signal()
    refresh_requested = Signal()
    #: the account to show, by its place in the list (0: the first)
    account_chosen = Signal(int)

    def __init__(self, *, as_window: bool = False) -> None:
        super().__init__()
        self.setWindowTitle("pdtray")
        self.setWindowIcon(app_icon())
        self.set_window_mode(as_window)
        self.resize(*POPUP_SIZE)
        self.banner = QFrame()
        self.banner.setObjectName("banner")
        self.banner_text = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.banner_button = QPushButton("Open Settings")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.addWidget(self.banner_text, 1)
        banner_layout.addWidget(self.banner_button)
        self.banner.hide()
        self.schedules = ScheduleListPage()
        self.timeline = TimelinePage()
        self.incidents = IncidentsPage()
        self.services = ServicesPage()
        self.person = PersonPage()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.schedules)
        self.stack.addWidget(self.timeline)
        self.stack.addWidget(self.incidents)
        self.stack.addWidget(self.services)
        self.stack.addWidget(self.person)
        #: the page the person card was opened from, where its Back goes
        self._before_person: QWidget = self.schedules
        self.on_call_tab = QToolButton(text="On call", checkable=True, checked=True)
        self.incidents_tab = QToolButton(text="My incidents", checkable=True)
        self.services_tab = QToolButton(text="Services", checkable=True)
        self.services_tab.setToolTip("Who is on call for a service, at every level (Ctrl+3)")
        tabs = QButtonGroup(self)
        tabs.setExclusive(True)
        nav = QHBoxLayout()
        for tab in (self.on_call_tab, self.incidents_tab, self.services_tab):
            tab.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            tab.setAutoRaise(True)
            tabs.addButton(tab)
            nav.addWidget(tab)
        nav.addStretch(1)
        self.account_box = QComboBox()
        self.account_box.setAccessibleName("Account")
        self.account_box.setToolTip("The PagerDuty account the popup shows")
        self.account_box.hide()
        self.account_box.currentIndexChanged.connect(self.account_chosen.emit)
        nav.addWidget(self.account_box)
        self.status = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.status.setObjectName("status")
        self.refresh_button = QToolButton(text="Refresh")
        self.settings_button = QToolButton(text="Settings…")
        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.refresh_button)
        footer.addWidget(self.settings_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 8)
        layout.addWidget(self.banner)
        layout.addLayout(nav)
        layout.addWidget(self.stack, 1)
        layout.addLayout(footer)
        self.banner_button.clicked.connect(self.settings_requested.emit)
        self.settings_button.clicked.connect(self.settings_requested.emit)
        self.refresh_button.clicked.connect(self.refresh_requested.emit)
        self.timeline.back_requested.connect(self.show_schedules)
        self.on_call_tab.clicked.connect(self.show_schedules)
        self.incidents_tab.clicked.connect(self.show_incidents)
        self.services_tab.clicked.connect(self.show_services)
        self.person.back_requested.connect(self._back_from_person)
        QShortcut(QKeySequence("Ctrl+1"), self, activated=self.show_schedules)
        QShortcut(QKeySequence("Ctrl+2"), self, activated=self.show_incidents)
        QShortcut(QKeySequence("Ctrl+3"), self, activated=self.show_services)
        QShortcut(QKeySequence("Ctrl+R"), self, activated=self.refresh_requested.emit)
        QShortcut(QKeySequence("Ctrl+,"), self, activated=self.settings_requested.emit)
        self._shown_active = False
        self.hidden_by_click_away_at: float | None = None
        QGuiApplication.instance().applicationStateChanged.connect(self._app_state)  # type: ignore[union-attr]

    def set_window_mode(self, as_window: bool) -> None:
        """A frameless popup by the tray icon, or an ordinary window where there is no tray."""
        self.as_window = as_window
        if as_window:
            self.setWindowFlags(Qt.WindowType.Window)
        else:
            self.setWindowFlags(
                Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
            )
            self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
            self.setObjectName("popup")
            # A frameless window needs its own edge to stand apart from what is behind it.
            self.setStyleSheet("QWidget#popup { border: 1px solid palette(mid); background: palette(window); }")

    # -- showing ------------------------------------------------------------------------------------------------

    def set_accounts(self, names: list[str]) -> None:
        """The accounts to switch between; the box shows only when there are several."""
        self.account_box.blockSignals(True)
        self.account_box.clear()
        self.account_box.addItems(names)
        self.account_box.blockSignals(False)
        self.account_box.setVisible(len(names) > 1)

    def show_schedules(self) -> None:
        self.stack.setCurrentWidget(self.schedules)
        self.on_call_tab.setChecked(True)
        self.schedules.setFocus()

    def show_timeline_page(self) -> None:
        self.stack.setCurrentWidget(self.timeline)
        self.on_call_tab.setChecked(True)
        self.timeline.setFocus()

    def show_incidents(self) -> None:
        self.stack.setCurrentWidget(self.incidents)
        self.incidents_tab.setChecked(True)
        self.incidents.setFocus()

    def show_services(self) -> None:
        self.stack.setCurrentWidget(self.services)
        self.services_tab.setChecked(True)
        if self.services.stack.currentWidget() is self.services.chooser:
            self.services.show_list()

    def show_person_page(self) -> None:
        """The person card, over the page it was opened from (Back returns there)."""
        current = self.stack.currentWidget()
        if current is not self.person:
            self._before_person = current
        self.stack.setCurrentWidget(self.person)
        self.person.setFocus()

    def _back_from_person(self) -> None:
        self.person.clear()
        self.stack.setCurrentWidget(self._before_person)
        self._before_person.setFocus()

    def set_incident_count(self, count: int, urgent: bool) -> None:
        self.incidents_tab.setText(f"My incidents ({count})" if count else "My incidents")
        font = self.incidents_tab.font()
        font.setBold(urgent)
        self.incidents_tab.setFont(font)

    def set_banner(self, text: str | None, *, settings: bool) -> None:
        self.banner_text.setText(text or "")
        self.banner_button.setVisible(settings)
        self.banner.setVisible(bool(text))

    def popup_at(self, anchor: QPoint, icon_rect: QRect | None) -> None:
        """Shows the window next to the tray icon, inside the screen's available area, where the platform lets a
        client place its windows; elsewhere (Wayland) as a fixed-size window the compositor floats and centres."""
        if can_place_windows(QGuiApplication.platformName()):
            screen = QGuiApplication.screenAt(anchor) or QGuiApplication.primaryScreen()
            self.move(popup_position(anchor, icon_rect, self.size(), screen.availableGeometry()))
        else:
            # sway, Hyprland and others float a toplevel whose minimum and maximum sizes are equal, and tile
            # (fill the screen with) any other; GNOME and Plasma float everything and honour the size too
            self.setFixedSize(self.size())
        self.show_now()

    def show_now(self) -> None:
        self._shown_active = False
        if not self.as_window and not self.isVisible():
            keep_out_of_taskbar(QGuiApplication.platformName(), int(self.winId()))
        self.show()
        self.raise_()
        self.activateWindow()
        self.stack.currentWidget().setFocus()

    def _app_state(self, state: Qt.ApplicationState) -> None:
        """A popup goes away when the user clicks elsewhere, once it has had the focus."""
        if self.as_window or not self.isVisible():
            return
        if state == Qt.ApplicationState.ApplicationActive:
            self._shown_active = True
        elif self._shown_active and state == Qt.ApplicationState.ApplicationInactive:
            self.hide()
            self.hidden_by_click_away_at = time.monotonic()

    def just_clicked_away(self, within: float = CLICK_AWAY_GRACE) -> bool:
        """Whether the popup went away a moment ago because the user clicked elsewhere: a click on the tray icon
        takes the focus first and arrives as an activation after, and must close the popup, not reopen it."""
        return self.hidden_by_click_away_at is not None and time.monotonic() - self.hidden_by_click_away_at < within

    def hideEvent(self, event: QHideEvent) -> None:
        """A hidden popup keeps no one's contact details: the card goes back to where it was opened from."""
        if self.stack.currentWidget() is self.person:
            self._back_from_person()
        super().hideEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            if self.stack.currentWidget() is self.person:
                self._back_from_person()
            elif self.stack.currentWidget() is self.services and self.services.stack.currentWidget() is not (
                self.services.chooser
            ):
                self.services.show_list()
            elif self.stack.currentWidget() is self.timeline:
                self.show_schedules()
            elif not self.as_window:
                self.hide()
            return
        super().keyPressEvent(event)


def popup_position(anchor: QPoint, icon_rect: QRect | None, size: QSize, area: QRect) -> QPoint:
    """Where the popup goes: below the icon in a top panel, above it in a bottom one, inside the free area.

    A StatusNotifierItem tray gives no icon geometry, and a popup opened from the menu has only the pointer,
    which is somewhere down the menu: then the popup goes flush against the panel's edge of the free area (the
    edge the pointer is nearer to), under the pointer's horizontal position, as a popup from a click would."""
    width, height = size.width(), size.height()
    if icon_rect is not None:
        x = icon_rect.center().x() - width // 2
        y = icon_rect.bottom() + 6 if icon_rect.center().y() < area.center().y() else icon_rect.top() - height - 6
    else:
        x = anchor.x() - width // 2
        y = area.top() + 4 if anchor.y() < area.center().y() else area.bottom() - height - 4
    x = max(area.left() + 4, min(x, area.right() - width - 4))
    y = max(area.top() + 4, min(y, area.bottom() - height - 4))
    return QPoint(x, y)
