"""People and services, wired: the person card, the Services page (services, a chain, recent changes) and "Copy
who is on call". Each question runs through the action runner (off the UI's path); the answers fill the popup's
pages. Contact methods are kept by a :class:`ContactBook` in memory for a few minutes and go nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication

from pdtray.app import escalation, people
from pdtray.app.action_runner import ActionRunner
from pdtray.app.session import Session

if TYPE_CHECKING:
    from pdtray.ui.popup import Popup


class PeopleController(QObject):
    #: the account's services (for the tray menu's submenu)
    services_loaded = Signal(object)

    def __init__(
        self,
        session: Session,
        *,
        popup: Callable[[], Popup],
        existing_popup: Callable[[], Popup | None],
        tz: Callable[[], tzinfo | None],
        watched: Callable[[], list[str]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = ActionRunner(session, self)
        self.runner.succeeded.connect(self._succeeded)
        self.runner.failed.connect(self._failed)
        self.book = people.ContactBook()
        self._popup = popup
        self._existing_popup = existing_popup
        #: the last services answer, for a popup built after it came
        self.services: list[tuple[escalation.Service, list]] | None = None
        self._tz = tz
        self._watched = watched
        #: the person or service whose answer the popup waits for: a late answer for another is dropped
        self._wanted: dict[str, str] = {}

    def fill_popup(self, popup: Popup) -> None:
        """A popup built after the services came: it shows them at once (the app routes its signals here)."""
        if self.services is not None:
            popup.services.set_services(self.services, datetime.now(UTC), self._tz())

    # -- intents ------------------------------------------------------------------------------------------------

    def open_person(self, user_id: str, name: str = "") -> None:
        popup = self._popup()
        popup.person.show_loading(name or user_id)
        popup.show_person_page()
        self._wanted["person"] = user_id
        now = datetime.now(UTC)
        watched = self._watched()
        self.runner.run(
            ("person", user_id),
            lambda client: people.person_card(client, user_id, now, self.book, schedule_ids=watched),
        )

    def load_services(self) -> None:
        """For the Services page: every service with who is on call at its first level."""
        now = datetime.now(UTC)
        self.runner.run(("services",), lambda client: escalation.services_on_call(client, now))

    def load_menu_services(self) -> None:
        """For the tray menu's Services submenu, at start: the names only (one paged request, no on-call rows)."""
        self.runner.run(("menu-services",), lambda client: escalation.services(client))

    def open_escalation(self, wanted: str, name: str = "") -> None:
        popup = self._popup()
        popup.services.show_loading(name or "Escalation policy")
        self._wanted["escalation"] = wanted
        now = datetime.now(UTC)
        self.runner.run(("escalation", wanted), lambda client: escalation.escalation(client, wanted, now))

    def load_changes(self, service_id: str) -> None:
        now = datetime.now(UTC)
        self.runner.run(("changes", service_id), lambda client: escalation.recent_changes(client, service_id, now))

    @staticmethod
    def copy_text(text: str) -> None:
        QGuiApplication.clipboard().setText(text)

    # -- answers ------------------------------------------------------------------------------------------------

    def _succeeded(self, tag: tuple[object, ...], result: object) -> None:
        now, tz = datetime.now(UTC), self._tz()
        kind = tag[0]
        if kind == "menu-services":
            assert isinstance(result, list)
            self.services_loaded.emit(result)
            return
        if kind == "services":
            # the popup is not built for it if it is not open (it costs memory)
            assert isinstance(result, list)
            self.services = result
            self.services_loaded.emit([service for service, _ in result])
            existing = self._existing_popup()
            if existing is not None:
                existing.services.set_services(result, now, tz)
            return
        popup = self._popup()
        if kind == "person" and self._wanted.get("person") == tag[1]:
            assert isinstance(result, people.PersonCard)
            popup.person.show_card(result, now, tz)
        elif kind == "escalation" and self._wanted.get("escalation") == tag[1]:
            assert isinstance(result, escalation.Escalation)
            popup.services.show_escalation(result, now, tz)
        elif kind == "changes":
            assert isinstance(result, list)
            popup.services.show_changes_list(result, now, tz)

    def _failed(self, tag: tuple[object, ...], message: str) -> None:
        kind = tag[0]
        popup = self._existing_popup()
        if popup is None:
            return  # the menu's services at start: the Services page asks again when opened
        if kind == "person" and self._wanted.get("person") == tag[1]:
            popup.person.show_error(f"Could not load this person: {message}")
        elif kind == "services":
            popup.services.show_list_error(f"Could not list the services: {message}")
        elif kind == "escalation" and self._wanted.get("escalation") == tag[1]:
            popup.services.show_error(f"Could not load the escalation policy: {message}")
        elif kind == "changes":
            popup.services.changes.setText(f"Could not load the recent changes: {message}")
