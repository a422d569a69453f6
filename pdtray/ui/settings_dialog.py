"""The settings dialog: the API token (OS keyring only) above the settings, whose rows are built from their
declaration in pdtray.app.settings.

The dialog never talks to PagerDuty or the keyring itself: it asks (test_requested, save_requested) and the app
answers (show_test_result, show_save_error, accept).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from pdtray.app.settings import Settings, setting_fields, updated
from pdtray.oncall import Schedule
from pdtray.oncall.lead_times import format_lead_times, parse_lead_times
from pdtray.ui.icons import app_icon


@dataclass(frozen=True)
class TokenStatus:
    """What the dialog may say about the token, worked out by the app (the dialog reads no keyring)."""

    stored: bool = False  # a token is in the keyring
    signed_in: bool = False  # signed in with PagerDuty (OAuth tokens in the keyring)
    from_environment: bool = False  # PAGERDUTY_TOKEN is set and wins
    keyring_problem: str | None = None  # no usable keyring: why, and what to do instead
    demo: bool = False  # the app runs on the demo account


class Editor:
    """One settings row: a widget, and how to read and write its value."""

    def __init__(self, widget: QWidget, get: Callable[[], Any], put: Callable[[Any], None]) -> None:
        self.widget, self.get, self.put = widget, get, put


def _region_editor(schedules: list[Schedule]) -> Editor:
    combo = QComboBox()
    combo.addItem("United States (api.pagerduty.com)", "us")
    combo.addItem("European Union (api.eu.pagerduty.com)", "eu")
    return Editor(combo, combo.currentData, lambda v: combo.setCurrentIndex(max(0, combo.findData(v))))


def _tray_icons_editor(schedules: list[Schedule]) -> Editor:
    combo = QComboBox()
    combo.addItem("Automatic", "auto")
    combo.addItem("A light panel", "light")
    combo.addItem("A dark panel", "dark")
    return Editor(combo, combo.currentData, lambda v: combo.setCurrentIndex(max(0, combo.findData(v))))


def _url_editor(schedules: list[Schedule]) -> Editor:
    edit = QLineEdit(placeholderText="Leave empty to use the region")
    return Editor(edit, lambda: edit.text().strip(), edit.setText)


def _text_editor(schedules: list[Schedule]) -> Editor:
    edit = QLineEdit()
    return Editor(edit, lambda: edit.text().strip(), edit.setText)


def _accounts_editor(schedules: list[Schedule]) -> Editor:
    """The other accounts, listed; they are added and keyed with `pdtray accounts` and kept as they are here."""
    label = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
    kept: list[list[dict[str, Any]]] = [[]]

    def put(value: list[dict[str, Any]]) -> None:
        kept[0] = list(value)
        names = ", ".join(f"{a['name']} ({a['api_url'] or a['region'].upper()})" for a in value)
        label.setText(names or "None. Add one with `pdtray accounts add NAME --region eu`.")

    return Editor(label, lambda: kept[0], put)


def _seconds_editor(schedules: list[Schedule]) -> Editor:
    spin = QSpinBox(minimum=30, maximum=3600, singleStep=30, suffix=" s")
    return Editor(spin, spin.value, spin.setValue)


def _lead_times_editor(schedules: list[Schedule]) -> Editor:
    edit = QLineEdit(placeholderText="for example 1d, 1h, 10m")
    return Editor(edit, lambda: parse_lead_times(edit.text()), lambda v: edit.setText(format_lead_times(v)))


def _schedules_editor(schedules: list[Schedule]) -> Editor:
    checklist = QListWidget()
    rows = checklist.fontMetrics().height() + 4
    checklist.setMinimumHeight(5 * rows + 6)  # five whole rows, so the list never shows a cut-off one alone
    checklist.setMaximumHeight(7 * rows + 6)
    for schedule in sorted(schedules, key=lambda s: s.name.casefold()):
        item = QListWidgetItem(schedule.name)
        item.setData(Qt.ItemDataRole.UserRole, schedule.id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        checklist.addItem(item)

    def get() -> list[str]:
        return [
            checklist.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(checklist.count())
            if checklist.item(i).checkState() == Qt.CheckState.Checked
        ]

    def put(ids: list[str]) -> None:
        for i in range(checklist.count()):
            item = checklist.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    return Editor(checklist, get, put)


def _zone_editor(schedules: list[Schedule]) -> Editor:
    combo = QComboBox(editable=True)
    combo.addItem("This computer's local time", "")
    for name in sorted(zoneinfo.available_timezones()):
        if "/" in name and not name.startswith(("Etc/", "SystemV/")):
            combo.addItem(name, name)

    def get() -> str:
        index = combo.findText(combo.currentText())
        return combo.itemData(index) if index >= 0 else combo.currentText().strip()

    return Editor(combo, get, lambda v: combo.setCurrentIndex(max(0, combo.findData(v))))


def _bool_editor(schedules: list[Schedule]) -> Editor:
    box = QCheckBox()
    return Editor(box, box.isChecked, box.setChecked)


EDITORS: dict[str, Callable[[list[Schedule]], Editor]] = {
    "region": _region_editor,
    "url": _url_editor,
    "text": _text_editor,
    "seconds": _seconds_editor,
    "lead_times": _lead_times_editor,
    "schedules": _schedules_editor,
    "time_zone": _zone_editor,
    "bool": _bool_editor,
    "tray_icons": _tray_icons_editor,
    "accounts": _accounts_editor,
}


class SettingsDialog(QDialog):
    #: token typed (None: keep the stored one), region, custom URL
    test_requested = Signal(object, str, str)
    #: new settings, token typed (None: unchanged)
    save_requested = Signal(object, object)
    #: OAuth client ID, region, custom URL: sign in with PagerDuty in the browser
    sign_in_requested = Signal(str, str, str)
    demo_requested = Signal()

    def __init__(
        self,
        settings: Settings,
        schedules: list[Schedule],
        token: TokenStatus,
        *,
        first_run: bool = False,
        default_watched: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("pdtray Settings")
        self.setWindowIcon(app_icon())
        self.settings = settings
        self.token_status = token
        self.default_watched = list(default_watched or [])
        layout = QVBoxLayout(self)
        if first_run:
            welcome = QLabel(
                "<b>Welcome to pdtray.</b> Sign in with PagerDuty or paste an API key to see who is on call and "
                "get reminded before your shifts, or try pdtray first with a demo account.",
                wordWrap=True,
            )
            layout.addWidget(welcome)
        layout.addWidget(self._token_box(token))
        form_box = QGroupBox("Settings")
        form = QFormLayout(form_box)
        self.editors: dict[str, Editor] = {}
        for f in setting_fields():
            editor = EDITORS[f.metadata["editor"]](schedules)
            value = getattr(settings, f.name)
            if f.name == "watched_schedules" and not value:
                value = self.default_watched  # show what is watched now, not an empty list
            editor.put(value)
            editor.widget.setToolTip(f.metadata["help"])
            editor.widget.setAccessibleName(f.metadata["label"])
            label = QLabel(f.metadata["label"])
            label.setToolTip(f.metadata["help"])
            label.setBuddy(editor.widget)
            form.addRow(label, editor.widget)
            self.editors[f.name] = editor
        if not schedules:
            self.editors["watched_schedules"].widget.setToolTip(
                "The schedule list appears here after the first refresh."
            )
        layout.addWidget(form_box)
        self.error = QLabel(wordWrap=True)
        self.error.setObjectName("settingsError")
        self.error.setStyleSheet("color: #D92D20")
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.demo_button = self.buttons.addButton("Try the demo", QDialogButtonBox.ButtonRole.ActionRole)
        self.demo_button.setVisible(not token.demo and (first_run or not (token.stored or token.from_environment)))
        self.demo_button.clicked.connect(self.demo_requested.emit)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _token_box(self, token: TokenStatus) -> QGroupBox:
        box = QGroupBox("PagerDuty account: an API key, or Sign in with PagerDuty")
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        self.token_edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.token_edit.setAccessibleName("API token")
        self.token_edit.setPlaceholderText(
            "A token is stored in the keyring; type to replace it" if token.stored else "Paste a user API token"
        )
        self.show_token = QCheckBox("Show")
        self.show_token.toggled.connect(
            lambda on: self.token_edit.setEchoMode(QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password)
        )
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self._test)
        row.addWidget(self.token_edit, 1)
        row.addWidget(self.show_token)
        row.addWidget(self.test_button)
        self.sign_in_button = QPushButton("Sign in with PagerDuty…")
        self.sign_in_button.setToolTip(
            "Sign in in your browser instead of pasting a key (needs your organisation's OAuth app)"
        )
        self.sign_in_button.clicked.connect(self._sign_in)
        self.sign_in_button.setEnabled(not token.demo)
        sign_in_row = QHBoxLayout()
        sign_in_row.addWidget(QLabel("or"))
        sign_in_row.addWidget(self.sign_in_button)
        sign_in_row.addStretch(1)
        layout.addLayout(row)
        layout.addLayout(sign_in_row)
        self.token_note = QLabel(wordWrap=True)
        self.token_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        notes = ["Kept only in the OS keyring, never in pdtray's files or logs."]
        if token.signed_in and not token.stored:
            notes = ["Signed in with PagerDuty; the sign-in is kept only in the OS keyring. A pasted key replaces it."]
        if token.demo:
            notes = ["pdtray is showing the demo account. Paste a token to use your own PagerDuty account."]
        elif token.from_environment:
            notes = ["PAGERDUTY_TOKEN is set in the environment and is used instead of the keyring."]
            self.token_edit.setEnabled(False)
        elif token.keyring_problem:
            notes = [token.keyring_problem]
            self.token_edit.setEnabled(False)
        self.token_note.setText(" ".join(notes))
        layout.addWidget(self.token_note)
        self.test_result = QLabel(wordWrap=True)
        self.test_result.setObjectName("testResult")
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result.hide()
        layout.addWidget(self.test_result)
        return box

    # -- intents ------------------------------------------------------------------------------------------------

    def typed_token(self) -> str | None:
        text = self.token_edit.text().strip()
        return text or None

    def _test(self) -> None:
        self.test_button.setEnabled(False)
        self.test_result.setText("Testing…")
        self.test_result.setStyleSheet("")
        self.test_result.show()
        region = self.editors["region"].get()
        url = self.editors["api_url"].get()
        self.test_requested.emit(self.typed_token(), region, url)

    def _sign_in(self) -> None:
        try:
            client_id = self.editors["oauth_client_id"].get()
        except ValueError as exc:
            self.show_test_result(False, str(exc))
            return
        self.sign_in_button.setEnabled(False)
        self.test_result.setText("Finish signing in in your browser…")
        self.test_result.setStyleSheet("")
        self.test_result.show()
        self.sign_in_requested.emit(client_id, self.editors["region"].get(), self.editors["api_url"].get())

    def show_sign_in_result(self, ok: bool, message: str) -> None:
        self.sign_in_button.setEnabled(True)
        self.show_test_result(ok, message)

    def show_test_result(self, ok: bool, message: str) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText(("✓ " if ok else "✗ ") + message)
        self.test_result.setStyleSheet("" if ok else "color: #D92D20")
        self.test_result.show()

    def collect(self) -> Settings:
        """The settings as entered; ValueError names the row that is wrong."""
        values = {}
        for name, editor in self.editors.items():
            try:
                values[name] = editor.get()
            except ValueError as exc:
                label = next(f.metadata["label"] for f in setting_fields() if f.name == name)
                raise ValueError(f"{label}: {exc}") from None
        if not self.settings.watched_schedules and sorted(values["watched_schedules"]) == sorted(self.default_watched):
            values["watched_schedules"] = []  # unchanged: keep following "the schedules I am in"
        try:
            return updated(self.settings, **values)
        except ValueError as exc:
            raise ValueError(str(exc)) from None

    def _save(self) -> None:
        try:
            settings = self.collect()
        except ValueError as exc:
            self.show_save_error(str(exc))
            return
        self.error.hide()
        self.save_requested.emit(settings, self.typed_token())

    def show_save_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
