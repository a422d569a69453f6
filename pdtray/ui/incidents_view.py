"""The popup's incidents page: my open incidents with status, urgency, service, title and age, and the buttons to
acknowledge, resolve, open one in PagerDuty, or page the on-call for a service.

The page only shows and asks: the app applies an action at once (so the row changes under the click), sends it,
and calls ``show_message`` if PagerDuty refuses, after putting the row back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pdtray.oncall.display_text import inert
from pdtray.oncall.incidents import TRIGGERED, Incident, age
from pdtray.ui.schedule_list import warning_colour

STATUS_TEXT = {"triggered": "Triggered", "acknowledged": "Acknowledged", "resolved": "Resolved"}


class IncidentsPage(QWidget):
    acknowledge_requested = Signal(str)  # incident ID
    resolve_requested = Signal(str)
    open_url_requested = Signal(str)
    page_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.incidents: tuple[Incident, ...] = ()
        self.pending: set[str] = set()
        self.title = QLabel("My open incidents")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.page_button = QPushButton("Page the on-call…")
        self.page_button.setToolTip("Trigger an incident on a service, which pages whoever is on call for it")
        self.list = QTreeWidget()
        self.list.setAccessibleName("My open incidents")
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(True)
        self.list.setHeaderLabels(["Status · urgency", "Incident", "Service", "Age"])
        header = self.list.header()
        header.setStretchLastSection(False)
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel("No open incidents are assigned to you.", alignment=Qt.AlignmentFlag.AlignCenter)
        self.message = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.message.setObjectName("incidentMessage")
        self.message.hide()
        self.acknowledge = QPushButton("Acknowledge")
        self.resolve = QPushButton("Resolve")
        self.open_web = QPushButton("Open in PagerDuty")
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.page_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.acknowledge)
        buttons.addWidget(self.resolve)
        buttons.addStretch(1)
        buttons.addWidget(self.open_web)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.acknowledge.clicked.connect(lambda: self._emit_for_selected(self.acknowledge_requested))
        self.resolve.clicked.connect(lambda: self._emit_for_selected(self.resolve_requested))
        self.open_web.clicked.connect(self._open_selected)
        self.page_button.clicked.connect(self.page_requested.emit)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.list.itemActivated.connect(lambda *_: self._open_selected())
        self.setFocusProxy(self.list)
        self._update_buttons()

    # -- showing ------------------------------------------------------------------------------------------------

    def set_incidents(self, incidents: Sequence[Incident] | None, now: datetime, pending: set[str]) -> None:
        """``incidents`` None: they could not be fetched (the on-call part of the refresh still worked)."""
        chosen = self.selected()
        self.incidents = tuple(incidents or ())
        self.pending = set(pending)
        self.list.clear()
        palette = self.palette()
        for incident in self.incidents:
            status = f"{STATUS_TEXT[incident.status]} · {incident.urgency}"
            status += " …" if incident.id in self.pending else ""  # sent, PagerDuty has not answered yet
            item = QTreeWidgetItem([status, incident.label, incident.service.name, age(incident, now)])
            item.setData(0, Qt.ItemDataRole.UserRole, incident.id)
            item.setToolTip(1, inert(f"{incident.label}\n{incident.service.name}, {incident.urgency} urgency"))
            if incident.status == TRIGGERED:
                item.setForeground(0, warning_colour(palette))
                font = item.font(0)
                font.setBold(True)
                item.setFont(0, font)
            self.list.addTopLevelItem(item)
            if chosen is not None and incident.id == chosen.id:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.incidents:
            self.list.setCurrentItem(self.list.topLevelItem(0))
        known = incidents is not None
        self.empty.setText(
            "No open incidents are assigned to you."
            if known
            else "Your incidents could not be fetched with this token; the on-call information is unaffected."
        )
        self.list.setVisible(bool(self.incidents))
        self.empty.setVisible(not self.incidents)
        self._update_buttons()

    def show_message(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    def selected(self) -> Incident | None:
        item = self.list.currentItem()
        if item is None:
            return None
        incident_id = item.data(0, Qt.ItemDataRole.UserRole)
        return next((i for i in self.incidents if i.id == incident_id), None)

    def _update_buttons(self) -> None:
        incident = self.selected()
        waiting = incident is not None and incident.id not in self.pending
        self.acknowledge.setEnabled(waiting and incident is not None and incident.status == TRIGGERED)
        self.resolve.setEnabled(waiting)
        self.open_web.setEnabled(incident is not None and bool(incident.html_url))

    # -- asking -------------------------------------------------------------------------------------------------

    def _emit_for_selected(self, signal: Signal) -> None:  # type: ignore[type-arg]
        incident = self.selected()
        if incident is not None and incident.id not in self.pending:
            self.show_message(None)
            signal.emit(incident.id)

    def _open_selected(self) -> None:
        incident = self.selected()
        if incident is not None and incident.html_url:
            self.open_url_requested.emit(incident.html_url)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A acknowledges and R resolves the selected incident; Enter opens it in PagerDuty."""
        key = event.key()
        if key == Qt.Key.Key_A and self.acknowledge.isEnabled():
            self._emit_for_selected(self.acknowledge_requested)
        elif key == Qt.Key.Key_R and event.modifiers() == Qt.KeyboardModifier.NoModifier and self.resolve.isEnabled():
            self._emit_for_selected(self.resolve_requested)
        else:
            super().keyPressEvent(event)
