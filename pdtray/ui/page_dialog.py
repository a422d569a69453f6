"""Page the on-call: pick a service, say what is wrong, choose how bad, confirm. Or page one person, or one
escalation policy (``set_target``): then the incident goes through the REST API, on the chosen service (every
incident belongs to one), assigned to that person or escalating through that policy.

With the service's Events API v2 integration key the trigger goes through the Events API (any token may do that);
without one, through the REST API with the token. The key, if typed and "Remember" is ticked, goes to the OS
keyring like the token. The dialog asks the app for everything (``send_requested``) and shows what it answers.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pdtray.app.actions import SEVERITIES
from pdtray.oncall.models import Ref


class PageDialog(QDialog):
    #: service, summary, severity, routing key typed (None: use the saved one or the REST API), remember it
    send_requested = Signal(object, str, str, object, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: services whose integration key is in the keyring (the controller reads it off the UI thread)
        self._saved: set[str] = set()
        self.setWindowTitle("Page the on-call — pdtray")
        self.setMinimumWidth(440)
        self.services: list[Ref] = []
        self.service = QComboBox()
        self.service.setPlaceholderText("Loading services…")
        self.summary = QLineEdit(placeholderText="What is wrong, as the on-call will read it")
        self.severity = QComboBox()
        for level in SEVERITIES:
            self.severity.addItem(level.capitalize(), level)
        self.routing_key = QLineEdit(placeholderText="Optional: the service's Events API v2 key")
        self.routing_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("Remember this key in the OS keyring")
        self.remember.setChecked(True)
        self.how = QLabel(wordWrap=True)
        self.result = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.result.hide()
        form = QFormLayout()
        form.addRow("Service", self.service)
        form.addRow("Summary", self.summary)
        form.addRow("Severity", self.severity)
        form.addRow("Integration key", self.routing_key)
        form.addRow("", self.remember)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send = QPushButton("Page…")
        self.buttons.addButton(self.send, QDialogButtonBox.ButtonRole.AcceptRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.how)
        layout.addWidget(self.result)
        layout.addWidget(self.buttons)
        self.buttons.rejected.connect(self.reject)
        self.send.clicked.connect(self._confirm)
        self.summary.textChanged.connect(self._update)
        self.service.currentIndexChanged.connect(self._update)
        self.routing_key.textChanged.connect(self._update)
        self._confirmation: QMessageBox | None = None
        #: ("user" or "policy", who) when paging a person or a policy rather than a service's on-call
        self.target: tuple[str, Ref] | None = None
        self._preferred_service: str | None = None
        self._form = form
        self._update()

    def set_target(self, kind: str, who: Ref, service_id: str | None = None) -> None:
        """Page ``who`` (a person: kind "user"; an escalation policy: "policy") instead of a service's on-call,
        with ``service_id`` chosen when it is known (the service whose chain was open)."""
        self.target = (kind, who)
        self._preferred_service = service_id
        self.setWindowTitle(f"Page {who.name} — pdtray")
        for field in (self.routing_key, self.remember):  # the Events API reaches a service's on-call only
            self._form.setRowVisible(field, False)
        self._choose_preferred()
        self._update()

    def _choose_preferred(self) -> None:
        if self._preferred_service:
            index = self.service.findData(self._preferred_service)
            if index >= 0:
                self.service.setCurrentIndex(index)

    def set_services(self, services: Sequence[Ref], *, saved_keys: set[str] | None = None) -> None:
        self.services = list(services)
        self._saved = set(saved_keys or ())
        self.service.clear()
        for ref in self.services:
            self.service.addItem(ref.name, ref.id)
        self.service.setPlaceholderText("No services in this account" if not services else "")
        self._choose_preferred()
        self._update()

    def chosen(self) -> Ref | None:
        index = self.service.currentIndex()
        return self.services[index] if 0 <= index < len(self.services) else None

    def _update(self) -> None:
        service = self.chosen()
        typed = bool(self.routing_key.text().strip())
        if service is None:
            self.how.setText("")
        elif self.target is not None:
            kind, who = self.target
            to = f"assigned to {who.name}" if kind == "user" else f"escalating through {who.name}"
            self.how.setText(
                f"An incident on {service.name}, {to}, through the REST API under your name; your token must be "
                "allowed to create incidents."
            )
        elif typed or self._saved_key(service.id):
            self.how.setText("Goes through the Events API v2 with the service's integration key.")
        else:
            self.how.setText(
                "Goes through the REST API under your name; your token must be allowed to create incidents. "
                "An integration key works with any token."
            )
        self.remember.setEnabled(typed)
        self.send.setEnabled(service is not None and bool(self.summary.text().strip()))

    def _saved_key(self, service_id: str) -> bool:
        return service_id in self._saved

    def _confirm(self) -> None:
        service = self.chosen()
        if service is None:
            return
        if self.target is not None:
            question, who = f"Page {self.target[1].name}?", self.target[1].name
            if self.target[0] == "user":
                outcome = f"PagerDuty will notify {who} now, whoever is on call."
            else:
                outcome = f"PagerDuty will notify whoever is on call at the first level of {who}."
        else:
            question, outcome = "Page the on-call?", "PagerDuty will notify whoever is on call for it now."
        box = QMessageBox(
            QMessageBox.Icon.Warning, question, f"Trigger an incident on {service.name}?",
            QMessageBox.StandardButton.Cancel, self,
        )  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)  # a service's name and the typed summary are not markup
        box.setInformativeText(f"“{self.summary.text().strip()}” ({self.severity.currentData()}). {outcome}")
        page = box.addButton("Page", QMessageBox.ButtonRole.AcceptRole)
        page.clicked.connect(self._send)
        self._confirmation = box
        box.open()  # not exec(): a nested loop would stall the app's asyncio tasks

    def _send(self) -> None:
        service = self.chosen()
        if service is None:
            return
        typed = self.routing_key.text().strip() or None
        self.send.setEnabled(False)
        self.show_result("Sending…", error=False)
        self.send_requested.emit(service, self.summary.text().strip(), self.severity.currentData(), typed,
                                 self.remember.isChecked())  # fmt: skip

    def show_result(self, text: str, *, error: bool) -> None:
        self.result.setText(("⚠ " if error else "") + text)
        self.result.show()
        if error:
            self.send.setEnabled(True)
