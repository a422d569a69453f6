"""The Services page of the popup: find a service, see who is on call at every level of its escalation policy now
and who comes next, reach any of them (their person card), page the policy, and see the service's recent changes.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pdtray.app.escalation import ChangeEvent, Escalation, Service
from pdtray.oncall.display_text import inert
from pdtray.oncall.escalation import level_next_text, level_now_text, target_names
from pdtray.oncall.human_time import capitalized, format_at, format_until
from pdtray.oncall.models import OnCall, Ref

USER_ROLE = Qt.ItemDataRole.UserRole + 1


class ServicesPage(QWidget):
    list_requested = Signal()
    escalation_requested = Signal(str)  # service ID
    person_requested = Signal(str, str)  # user ID, name
    page_policy_requested = Signal(object, object)  # the policy (Ref), the service (Ref)
    changes_requested = Signal(str)  # service ID
    open_url_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.escalation: Escalation | None = None
        self.loaded = False
        # the list of services
        self.filter_edit = QLineEdit(placeholderText="Find a service…")
        self.filter_edit.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Services")
        self.list.setAlternatingRowColors(True)
        self.list_message = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        chooser = QWidget()
        chooser_layout = QVBoxLayout(chooser)
        chooser_layout.setContentsMargins(0, 0, 0, 0)
        chooser_layout.addWidget(self.filter_edit)
        chooser_layout.addWidget(self.list_message)
        chooser_layout.addWidget(self.list, 1)
        # one service's chain
        self.back = QToolButton(text="‹ Services")
        self.back.setAutoRaise(True)
        self.title = QLabel(textFormat=Qt.TextFormat.PlainText, wordWrap=True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.levels = QTreeWidget()
        self.levels.setAccessibleName("Escalation levels")
        self.levels.setHeaderHidden(True)
        self.levels.setColumnCount(1)
        self.levels.setWordWrap(True)
        self.chain_message = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.changes = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.changes.setObjectName("changes")
        self.changes.hide()
        self.contact = QPushButton("Contact…")
        self.contact.setToolTip("How to reach the selected person")
        self.page_policy = QPushButton("Page this policy…")
        self.show_changes = QPushButton("Recent changes")
        self.open_web = QPushButton("Open in PagerDuty")
        header = QHBoxLayout()
        header.addWidget(self.back)
        header.addWidget(self.title, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.contact)
        buttons.addWidget(self.page_policy)
        buttons.addStretch(1)
        links = QHBoxLayout()
        links.addWidget(self.show_changes)
        links.addStretch(1)
        links.addWidget(self.open_web)
        chain = QWidget()
        chain_layout = QVBoxLayout(chain)
        chain_layout.setContentsMargins(0, 0, 0, 0)
        chain_layout.addLayout(header)
        chain_layout.addWidget(self.chain_message)
        chain_layout.addWidget(self.levels, 1)
        chain_layout.addWidget(self.changes)
        chain_layout.addLayout(buttons)
        chain_layout.addLayout(links)
        self.stack = QStackedWidget()
        self.stack.addWidget(chooser)
        self.stack.addWidget(chain)
        self.chooser, self.chain = chooser, chain
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.filter_edit.textChanged.connect(self._filter)
        self.filter_edit.returnPressed.connect(self._open_current)
        self.list.itemActivated.connect(lambda item: self.escalation_requested.emit(item.data(USER_ROLE)))
        self.back.clicked.connect(self.show_list)
        self.levels.itemActivated.connect(self._person)
        self.levels.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.contact.clicked.connect(lambda: self._person(self.levels.currentItem()))
        self.page_policy.clicked.connect(self._page_policy)
        self.show_changes.clicked.connect(self._changes)
        self.open_web.clicked.connect(self._open_web)
        self.setFocusProxy(self.filter_edit)

    # -- the list ---------------------------------------------------------------------------------------------

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.chooser)
        self.filter_edit.setFocus()
        if not self.loaded:
            self.list_message.setText("Loading services…")
            self.list_requested.emit()

    def set_services(self, found: list[tuple[Service, list[OnCall]]], now: datetime, tz: tzinfo | None) -> None:
        self.loaded = True
        self.list.clear()
        for service, rows in found:
            who = ", ".join(f"{r.user.display_name} {format_until(r.end, now, tz)}" for r in rows) or "nobody at L1"
            item = QListWidgetItem(f"{inert(service.ref.name)}\nL1: {inert(who)}")
            item.setData(USER_ROLE, service.ref.id)
            self.list.addItem(item)
        self.list_message.setText("" if found else "No services in this account.")
        self.list_message.setVisible(not found)
        self._filter(self.filter_edit.text())

    def show_list_error(self, text: str) -> None:
        self.loaded = False
        self.list_message.setText("⚠ " + text)
        self.list_message.show()

    def _open_current(self) -> None:
        item = self.list.currentItem()
        if item is not None and not item.isHidden():
            self.escalation_requested.emit(item.data(USER_ROLE))

    def _filter(self, text: str) -> None:
        wanted = text.strip().casefold()
        first = None
        for row in range(self.list.count()):
            item = self.list.item(row)
            hidden = wanted not in item.text().splitlines()[0].casefold()
            item.setHidden(hidden)
            if not hidden and first is None:
                first = item
        if first is not None and (self.list.currentItem() is None or self.list.currentItem().isHidden()):
            self.list.setCurrentItem(first)

    # -- one service's chain ----------------------------------------------------------------------------------

    def show_loading(self, name: str) -> None:
        self.escalation = None
        self.stack.setCurrentWidget(self.chain)
        self.title.setText(inert(name))
        self.levels.clear()
        self.changes.hide()
        self.chain_message.setText("Loading who is on call…")
        self.chain_message.show()
        self._update_buttons()

    def show_error(self, text: str) -> None:
        self.chain_message.setText("⚠ " + text)
        self.chain_message.show()

    def show_escalation(self, found: Escalation, now: datetime, tz: tzinfo | None) -> None:
        self.escalation = found
        self.stack.setCurrentWidget(self.chain)
        name = found.service.ref.name if found.service else found.policy.ref.name
        self.title.setText(f"{inert(name)} — escalation policy {inert(found.policy.ref.name)}")
        self.chain_message.hide()
        self.levels.clear()
        chain = found.levels
        for level in chain:
            top = QTreeWidgetItem([f"L{level.number} · {inert(target_names(level))}"])
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            self.levels.addTopLevelItem(top)
            if not level.now:
                top.addChild(QTreeWidgetItem([level_now_text(level, chain, now, tz)]))
            for row in level.now:
                until = "always" if row.end is None else format_until(row.end, now, tz)
                child = QTreeWidgetItem([f"{inert(row.user.display_name)} — {until}"])
                child.setData(0, USER_ROLE, (row.user.id, row.user.display_name))
                child.setToolTip(0, "Double-click for how to reach them")
                top.addChild(child)
            if level.next:
                nxt = QTreeWidgetItem([capitalized(inert(level_next_text(level, now, tz)))])
                nxt.setData(0, USER_ROLE, (level.next[0].user.id, level.next[0].user.display_name))
                top.addChild(nxt)
            top.setExpanded(True)
        first = self.levels.topLevelItem(0)
        if first is not None and first.childCount():
            self.levels.setCurrentItem(first.child(0))
        self.levels.setFocus()
        self._update_buttons()

    def show_changes_list(self, changes: list[ChangeEvent], now: datetime, tz: tzinfo | None) -> None:
        if not changes:
            self.changes.setText("No changes in the last 24 hours.")
        else:
            lines = [f"{format_at(c.at, now, tz)} · {inert(c.summary)}" for c in changes[:6]]
            self.changes.setText("Recent changes:\n" + "\n".join(lines))
        self.changes.show()

    def _update_buttons(self) -> None:
        item = self.levels.currentItem()
        self.contact.setEnabled(item is not None and item.data(0, USER_ROLE) is not None)
        self.page_policy.setEnabled(self.escalation is not None)
        has_service = self.escalation is not None and self.escalation.service is not None
        self.show_changes.setEnabled(has_service)
        self.open_web.setEnabled(self.escalation is not None)

    def _person(self, item: QTreeWidgetItem | None) -> None:
        person = item.data(0, USER_ROLE) if item is not None else None
        if person:
            self.person_requested.emit(*person)

    def _page_policy(self) -> None:
        if self.escalation is None:
            return
        service = self.escalation.service.ref if self.escalation.service else None
        self.page_policy_requested.emit(self.escalation.policy.ref, service)

    def _changes(self) -> None:
        if self.escalation is not None and self.escalation.service is not None:
            self.changes.setText("Loading recent changes…")
            self.changes.show()
            self.changes_requested.emit(self.escalation.service.ref.id)

    def _open_web(self) -> None:
        if self.escalation is None:
            return
        ref: Ref = self.escalation.service.ref if self.escalation.service else self.escalation.policy.ref
        if ref.html_url:
            self.open_url_requested.emit(ref.html_url)
