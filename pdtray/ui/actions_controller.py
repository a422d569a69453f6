"""The tray's actions, wired: acknowledge and resolve from the popup or a notification, page the on-call, take a
shift from a timeline, export my shifts to an .ics file.

An acknowledge or resolve shows at once: the row changes under the click and the badge with it. The change stays
shown until a refresh taken after PagerDuty agreed brings the same news; if PagerDuty refuses, the row goes back
and the incidents page says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from pdtray.app import actions
from pdtray.app.action_runner import ActionRunner
from pdtray.app.refresh import RefreshService
from pdtray.app.secrets import KeyringUnavailableError, off_the_ui_thread, stored_routing_key, write_routing_key
from pdtray.app.session import Session
from pdtray.app.snapshot import Snapshot
from pdtray.oncall.human_time import format_at
from pdtray.oncall.incidents import ACKNOWLEDGED, RESOLVED, Incident, apply_status
from pdtray.oncall.models import Ref
from pdtray.oncall.take_shift import ADD_RESPONDER, NothingToTake, confirmation, shift_to_take

if TYPE_CHECKING:
    from pdtray.pagerduty.client import PagerDutyClient
    from pdtray.ui.page_dialog import PageDialog
    from pdtray.ui.popup import Popup

log = logging.getLogger(__name__)


def _plain_text() -> object:
    """Qt's PlainText format. Qt is imported here, not with this module (which loads on the way to the first
    tooltip): importing it builds Qt's whole enum namespace, 15 ms."""
    from PySide6.QtCore import Qt

    return Qt.TextFormat.PlainText


@dataclass(frozen=True)
class _Shown:
    """A status shown before PagerDuty's next answer says it: ``agreed_at`` None while the request is out."""

    status: str
    agreed_at: datetime | None = None


class ActionsController(QObject):
    def __init__(
        self,
        session: Session,
        refresh: RefreshService,
        *,
        popup: Callable[[], Popup],
        tz: Callable[[], tzinfo | None],
        render: Callable[[], None],
        reload_timeline: Callable[[str, int], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.refresh = refresh
        self.runner = ActionRunner(session, self)
        self.runner.succeeded.connect(self._succeeded)
        self.runner.failed.connect(self._failed)
        self._popup = popup
        self._tz = tz
        self._render = render
        self._reload_timeline = reload_timeline
        self.shown: dict[str, _Shown] = {}
        self.page_dialog: PageDialog | None = None
        self._dedup_keys: dict[tuple[str, ...], str] = {}
        self._boxes: list[QWidget] = []  # non-modal message boxes, held while open

    # -- incidents ----------------------------------------------------------------------------------------------

    def incidents(self, snapshot: Snapshot | None) -> tuple[Incident, ...] | None:
        """My incidents as the UI should show them: PagerDuty's last answer with pending and agreed changes."""
        if snapshot is None or snapshot.incidents is None:
            return None
        for incident_id, shown in list(self.shown.items()):
            if shown.agreed_at is not None and snapshot.taken_at >= shown.agreed_at:
                del self.shown[incident_id]  # the refresh has caught up
        changes = {incident_id: shown.status for incident_id, shown in self.shown.items()}
        return apply_status(snapshot.incidents, changes, self.pending)

    @property
    def pending(self) -> set[str]:
        return {i for i, shown in self.shown.items() if shown.agreed_at is None}

    def acknowledge(self, incident_id: str) -> None:
        self._set_status(incident_id, ACKNOWLEDGED)

    def resolve(self, incident_id: str) -> None:
        self._set_status(incident_id, RESOLVED)

    def _me_email(self) -> str | None:
        snapshot = self.refresh.state.snapshot
        return snapshot.mine.user.email if snapshot else None

    def _set_status(self, incident_id: str, status: str) -> None:
        if incident_id in self.pending:
            return
        self.shown[incident_id] = _Shown(status)
        sender = self._me_email()
        self.runner.run(
            ("status", incident_id, status),
            lambda client: actions.set_incident_status(client, incident_id, status, from_email=sender),
        )
        self._render()

    # -- page the on-call ---------------------------------------------------------------------------------------

    def open_page_dialog(self) -> None:
        self._open_page_dialog(None)

    def page_person(self, who: Ref) -> None:
        """Page one person: an incident assigned to them, on a service chosen in the dialog."""
        self._open_page_dialog(("user", who, None))

    def page_policy(self, policy: Ref, service: Ref | None) -> None:
        """Page an escalation policy: an incident escalating through it, on its service when one is known."""
        self._open_page_dialog(("policy", policy, service.id if service else None))

    def _open_page_dialog(self, target: tuple[str, Ref, str | None] | None) -> None:
        if self.page_dialog is not None and self.page_dialog.isVisible():
            if target is None or self.page_dialog.target == target[:2]:
                self.page_dialog.raise_()
                self.page_dialog.activateWindow()
                return
            self.page_dialog.close()
        from pdtray.ui.page_dialog import PageDialog

        dialog = PageDialog()
        if target is not None:
            dialog.set_target(target[0], target[1], target[2])
        dialog.send_requested.connect(self._page)
        self.page_dialog = dialog
        self.runner.run(("services",), _services_with_saved_keys)
        dialog.open()
        dialog.raise_()
        dialog.activateWindow()

    def _page(self, service: Ref, summary: str, severity: str, typed_key: str | None, remember: bool) -> None:
        # One key per intent: pressing "Page" again for the same service and words (after an answer that was lost,
        # say) reuses it, so that the Events API folds both into one alert, and PagerDuty refuses a second
        # incident with it as incident_key, instead of paging twice.
        target = self.page_dialog.target if self.page_dialog is not None else None
        intent = (service.id, summary.strip(), *(() if target is None else (target[0], target[1].id)))
        dedup_key = self._dedup_keys.setdefault(intent, actions.new_dedup_key())
        sender = self._me_email()
        if target is not None:
            kind, who = target
            urgency = actions.urgency_of(severity)
            self.runner.run(
                ("page", service.name, who.name),
                lambda client: actions.page_directly(
                    client,
                    service_id=service.id,
                    summary=summary,
                    urgency=urgency,
                    user_id=who.id if kind == "user" else None,
                    escalation_policy_id=who.id if kind == "policy" else None,
                    from_email=sender,
                    dedup_key=dedup_key,
                ),
            )
            return

        async def page(client: PagerDutyClient) -> actions.PageResult:
            key = typed_key
            if typed_key and remember:
                try:
                    await off_the_ui_thread(lambda: write_routing_key(service.id, typed_key))
                except KeyringUnavailableError as exc:
                    log.warning("integration key not saved: %s", exc.reason)
            if key is None:
                key = await _saved_routing_key(service.id)
            return await actions.page_on_call(
                client,
                service_id=service.id,
                summary=summary,
                severity=severity,
                routing_key=key,
                from_email=sender,
                dedup_key=dedup_key,
            )

        self.runner.run(("page", service.name), page)

    # -- take a shift -------------------------------------------------------------------------------------------

    def add_me(self, schedule_id: str, at: datetime) -> None:
        """Beside whoever is on call (a shift-based schedule's custom shift), replacing nobody."""
        self.take_shift(schedule_id, at, extra=True)

    def take_shift(self, schedule_id: str, at: datetime, *, extra: bool = False) -> None:
        popup = self._popup()
        timeline = popup.timeline.timeline
        snapshot = self.refresh.state.snapshot
        if timeline is None or timeline.schedule.id != schedule_id or snapshot is None:
            return
        now = datetime.now(UTC)
        me = snapshot.mine.user
        try:
            # the page chose a moment inside the row a few milliseconds ago: a row running now is taken from now
            shift = shift_to_take(timeline, me, now, max(at, now), extra=extra)
        except NothingToTake as exc:
            popup.timeline.show_action_message(f"Nothing to take: {exc}.")
            return
        asked = confirmation(timeline, shift, now, self._tz())
        box = QMessageBox(
            QMessageBox.Icon.Question, asked.title, asked.question, QMessageBox.StandardButton.Cancel, popup
        )
        box.setTextFormat(_plain_text())  # names are PagerDuty's text, never markup
        box.setInformativeText(asked.detail)
        take = box.addButton(asked.button, QMessageBox.ButtonRole.AcceptRole)
        take.clicked.connect(
            lambda: self.runner.run(
                ("take", schedule_id), lambda client: actions.take_shift(client, timeline, me, shift)
            )
        )
        self._hold(box)
        box.open()

    # -- export -------------------------------------------------------------------------------------------------

    def export_shifts(self) -> None:
        snapshot = self.refresh.state.snapshot
        if snapshot is None:
            self._inform("Nothing to export yet", "pdtray has not loaded your shifts yet; try again in a moment.")
            return
        dialog = QFileDialog(None, "Export my shifts", str(Path.home() / "pdtray-shifts.ics"), "Calendar (*.ics)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("ics")
        dialog.fileSelected.connect(lambda path: self._write_calendar(Path(path), snapshot))
        self._hold(dialog)
        dialog.open()

    def _write_calendar(self, path: Path, snapshot: Snapshot) -> None:
        from pdtray.oncall.calendar_export import event_count, shifts_calendar  # icalendar: only when exporting

        try:
            path.write_bytes(shifts_calendar(snapshot.mine, datetime.now(UTC)))
        except OSError as exc:
            self._inform("Export failed", f"Could not write {path}: {exc.strerror or exc}", error=True)
            return
        count = event_count(snapshot.mine)
        self._inform("Shifts exported", f"Wrote {count} shift{'s' if count != 1 else ''} to {path}.")

    # -- answers ------------------------------------------------------------------------------------------------

    def _succeeded(self, tag: tuple[object, ...], result: object) -> None:
        kind = tag[0]
        if kind == "status":
            incident_id, status = str(tag[1]), str(tag[2])
            self.shown[incident_id] = _Shown(status, agreed_at=datetime.now(UTC))
            self.refresh.refresh_now()
            self._render()
        elif kind == "services" and self.page_dialog is not None:
            assert isinstance(result, tuple)
            found, saved = result
            self.page_dialog.set_services(found, saved_keys=saved)
        elif kind == "page" and self.page_dialog is not None:
            assert isinstance(result, actions.PageResult)
            who = f"{tag[2]} (on {tag[1]})" if len(tag) > 2 else f"the on-call for {tag[1]}"
            if result.already:
                text = f"PagerDuty already had this page from an earlier try, so it was not sent twice ({who})."
            elif result.incident is not None:
                text = f"Triggered {result.incident.label}; PagerDuty is paging {who}."
            else:
                text = f"Sent to {tag[1]} through the Events API; PagerDuty is paging its on-call."
            self.page_dialog.show_result(text, error=False)
            QTimer.singleShot(10_000, self.refresh.refresh_now)  # the new incident, once PagerDuty has routed it
        elif kind == "take":
            assert isinstance(result, actions.TakenShift)
            popup = self._popup()
            tz = self._tz()
            now = datetime.now(UTC)
            beside = " beside whoever else is on call" if result.how == ADD_RESPONDER else ""
            popup.timeline.show_action_message(
                f"You are on call for {result.schedule.name}{beside} from {format_at(result.start, now, tz)} "
                f"to {format_at(result.end, now, tz)}."
            )
            self._reload_timeline(result.schedule.id, popup.timeline.hours)
            self.refresh.refresh_now(whole=True)  # the schedule may be one of a large account's unwatched ones

    def _failed(self, tag: tuple[object, ...], message: str) -> None:
        kind = tag[0]
        if kind == "status":
            incident_id, status = str(tag[1]), str(tag[2])
            self.shown.pop(incident_id, None)
            verb = "acknowledge" if status == ACKNOWLEDGED else "resolve"
            self._popup().incidents.show_message(f"Could not {verb} the incident: {message}")
            self._render()
        elif kind == "services" and self.page_dialog is not None:
            self.page_dialog.show_result(f"Could not list the services: {message}", error=True)
        elif kind == "page" and self.page_dialog is not None:
            self.page_dialog.show_result(message, error=True)
        elif kind == "take":
            self._popup().timeline.show_action_message(f"Could not take the shift: {message}")

    # -- helpers ------------------------------------------------------------------------------------------------

    def _hold(self, widget: QWidget) -> None:
        self._boxes.append(widget)
        widget.finished.connect(lambda *_: self._boxes.remove(widget) if widget in self._boxes else None)  # type: ignore[attr-defined]

    def _inform(self, title: str, text: str, *, error: bool = False) -> None:
        icon = QMessageBox.Icon.Warning if error else QMessageBox.Icon.Information
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok)
        box.setTextFormat(_plain_text())
        self._hold(box)
        box.open()


async def _saved_routing_key(service_id: str) -> str | None:
    """A locked, missing or silent keyring means "no key": paging then goes through REST with the token."""
    try:
        return await off_the_ui_thread(lambda: stored_routing_key(service_id))
    except KeyringUnavailableError:
        return None


async def _services_with_saved_keys(client: PagerDutyClient) -> tuple[list[Ref], set[str]]:
    """The services, and which of them have an integration key in the keyring (read off the UI thread, so that
    the dialog can say how a page will go without a D-Bus round trip per service on the UI's path)."""
    found = await actions.services(client)
    try:
        saved = await off_the_ui_thread(lambda: {s.id for s in found if stored_routing_key(s.id)})
    except KeyringUnavailableError:
        saved = set()
    return found, saved
