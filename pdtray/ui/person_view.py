"""The person card, a page of the popup: how to reach someone, what time it is for them, when they are on call.

Contact details are shown and copied here and nowhere else; the page is cleared when it is left, so a screenshot
of another page cannot hold them.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pdtray.app.people import PersonCard
from pdtray.oncall.display_text import inert
from pdtray.oncall.models import Ref
from pdtray.oncall.people import EMAIL, PHONE, ContactMethod, first_name, local_time_line, shift_lines

KIND_NAMES = {EMAIL: "Email", PHONE: "Call", "sms": "SMS"}


class PersonPage(QWidget):
    back_requested = Signal()
    open_url_requested = Signal(str)
    page_requested = Signal(object)  # the person, as a Ref

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card: PersonCard | None = None
        self.back = QToolButton(text="‹ Back")
        self.back.setAutoRaise(True)
        self.name = QLabel(textFormat=Qt.TextFormat.PlainText)
        font = self.name.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.name.setFont(font)
        self.local_time = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.shifts = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.contacts = QGridLayout()
        self.contacts.setColumnStretch(1, 1)
        self.note = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.note.setObjectName("contactsNote")
        self.status = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.open_web = QPushButton("Open in PagerDuty")
        self.page = QPushButton("Page…")
        header = QHBoxLayout()
        header.addWidget(self.back)
        header.addWidget(self.name, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.page)
        buttons.addStretch(1)
        buttons.addWidget(self.open_web)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.local_time)
        layout.addLayout(self.contacts)
        layout.addWidget(self.note)
        layout.addWidget(self.shifts)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.back.clicked.connect(self.back_requested.emit)
        self.open_web.clicked.connect(self._open_web)
        self.page.clicked.connect(self._page)
        self.setFocusProxy(self.back)

    def show_loading(self, name: str) -> None:
        self.clear()
        self.name.setText(inert(name))
        self.status.setText("Loading…")

    def show_error(self, text: str) -> None:
        self.status.setText("⚠ " + text)

    def show_card(self, card: PersonCard, now: datetime, tz: tzinfo | None) -> None:
        self.clear()
        self.card = card
        user = card.user
        self.name.setText(inert(user.display_name))
        self.local_time.setText(local_time_line(user, now) or "")
        where = " on your watched schedules" if card.watched_only else ""
        self.shifts.setText("\n".join(shift_lines(card.shifts, now, tz, where)))
        methods = list(card.contacts or ())
        if card.user.email and not any(m.kind == EMAIL for m in methods):
            methods.insert(0, ContactMethod(EMAIL, "login", card.user.email, f"mailto:{card.user.email}"))
        for row, method in enumerate(methods):
            kind = QLabel(f"{KIND_NAMES.get(method.kind, method.kind)} ({inert(method.label)})")
            link = QLabel(f'<a href="{_attr(method.url)}">{_html(method.address)}</a>')
            link.setTextFormat(Qt.TextFormat.RichText)
            link.setOpenExternalLinks(False)
            link.linkActivated.connect(self.open_url_requested.emit)
            copy = QToolButton(text="Copy")
            copy.setToolTip(f"Copy {KIND_NAMES.get(method.kind, method.kind).lower()} to the clipboard")
            copy.clicked.connect(lambda _=False, text=method.address: QGuiApplication.clipboard().setText(text))
            self.contacts.addWidget(kind, row, 0)
            self.contacts.addWidget(link, row, 1)
            self.contacts.addWidget(copy, row, 2)
        if card.contacts_note:
            self.note.setText(card.contacts_note)
        elif card.contacts == ():
            self.note.setText(f"{first_name(user)} has no phone or SMS contact methods in PagerDuty.")
        self.note.setVisible(bool(self.note.text()))
        self.page.setText(f"Page {first_name(user)}…")
        self.page.setEnabled(not user.deleted)
        self.open_web.setEnabled(bool(user.html_url))
        self.status.setText("")

    def clear(self) -> None:
        """Forgets the person shown: contact details stay on screen only while their card is open."""
        self.card = None
        while self.contacts.count():
            item = self.contacts.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for label in (self.name, self.local_time, self.shifts, self.note, self.status):
            label.setText("")
        self.note.hide()

    def _open_web(self) -> None:
        if self.card is not None and self.card.user.html_url:
            self.open_url_requested.emit(self.card.user.html_url)

    def _page(self) -> None:
        if self.card is not None:
            user = self.card.user
            self.page_requested.emit(Ref(user.id, user.display_name, user.html_url))


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _html(text).replace('"', "&quot;")
