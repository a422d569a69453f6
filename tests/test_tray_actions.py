"""The tray's actions through the controller, offscreen, against demo servers over real HTTP: acknowledge from
the incidents page (shown at once, kept after PagerDuty agrees, rolled back with a message when it refuses), take
a shift from a timeline, page the on-call from its dialog, and the incident notification's buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import QApplication, QMessageBox
from test_tray_app import settle

from pdtray.demo.faults import Canned


def _box_button(qtbot, text: str):
    """The button ``text`` of the message box the app opened (non-modal, so the test clicks it)."""

    def find():
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                for button in widget.buttons():
                    if button.text() == text:
                        return button
        return None

    qtbot.waitUntil(lambda: find() is not None, timeout=5_000)
    return find()


def _demo_app(make_app, demo, monkeypatch):
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    monkeypatch.setenv("PAGERDUTY_TOKEN", demo.token)
    return make_app(demo=False)


def test_acknowledge_shows_at_once_and_stays_after_the_refresh(qtbot, make_app, demo, monkeypatch):
    app = _demo_app(make_app, demo, monkeypatch)
    settle(qtbot, app)
    assert (app.tray.look.badge, app.tray.look.badge_urgent) == (2, True)
    app.open_incidents()
    page = app.popup.incidents
    assert app.popup.stack.currentWidget() is page
    assert app.popup.incidents_tab.text() == "My incidents (2)"
    assert [page.list.topLevelItem(i).text(0) for i in range(2)] == ["Triggered · high", "Acknowledged · low"]
    assert page.acknowledge.isEnabled()
    demo.faults.latency = 0.3  # long enough to see the change before PagerDuty answers
    page.acknowledge.click()
    qtbot.waitUntil(lambda: page.list.topLevelItem(0).text(0) == "Acknowledged · high …", timeout=2_000)
    assert not page.acknowledge.isEnabled() and not page.resolve.isEnabled()
    qtbot.waitUntil(lambda: not app._render_soon.isActive(), timeout=2_000)
    assert app.tray.look.badge_urgent is False  # the badge calmed down with the click
    demo.faults.latency = 0
    qtbot.waitUntil(lambda: page.list.topLevelItem(0).text(0) == "Acknowledged · high", timeout=10_000)
    # PagerDuty agreed, and the refresh it set off brings the same: both acknowledged, nothing pending
    qtbot.waitUntil(lambda: not app.actions.shown, timeout=10_000)
    assert [i.status for i in app.refresh.state.snapshot.incidents] == ["acknowledged", "acknowledged"]
    assert (app.tray.look.badge, app.tray.look.badge_urgent) == (2, False)
    assert "2 open incidents assigned to you" in app.tray.look.tooltip.splitlines()


def test_a_refused_resolve_is_rolled_back_with_the_reason(qtbot, make_app, demo, monkeypatch):
    app = _demo_app(make_app, demo, monkeypatch)
    state = settle(qtbot, app)
    first = state.snapshot.incidents[0]
    app.open_incidents()
    page = app.popup.incidents
    refusal = {"error": {"message": "Access Denied", "code": 2010, "errors": ["This API key is read-only."]}}
    demo.faults.queue(Canned.json(403, refusal, path_prefix=f"/incidents/{first.id}"))
    demo.faults.latency = 0.3
    page.resolve.click()
    qtbot.waitUntil(lambda: page.list.topLevelItem(0).text(0) == "Resolved · high …", timeout=2_000)
    demo.faults.latency = 0
    qtbot.waitUntil(lambda: page.message.isVisible(), timeout=10_000)
    assert page.message.text().startswith("Could not resolve the incident: The API token is not allowed")
    assert "read-only" in page.message.text()
    qtbot.waitUntil(lambda: page.list.topLevelItem(0).text(0) == "Triggered · high", timeout=5_000)
    assert app.tray.look.badge == 2


def test_take_the_current_shift_from_the_timeline(qtbot, make_app, demo, monkeypatch):
    app = _demo_app(make_app, demo, monkeypatch)
    state = settle(qtbot, app)
    pipeline = next(s for s in state.schedules if s.name == "Data Pipeline")
    app.open_popup()
    app.open_timeline(pipeline.id)
    timeline = app.popup.timeline
    qtbot.waitUntil(lambda: timeline.timeline is not None, timeout=10_000)
    before = timeline.timeline.current
    assert timeline.subscribe.isEnabled() and timeline.calendar_url.startswith("webcal://")
    assert timeline.take.isEnabled() and timeline.take.text() == "Take this shift…"
    timeline.take.click()
    _box_button(qtbot, "Take it").click()
    qtbot.waitUntil(lambda: timeline.action_message.isVisible(), timeout=10_000)
    assert timeline.action_message.text().startswith("You are on call for Data Pipeline from today at")
    qtbot.waitUntil(
        lambda: timeline.timeline.current is not None and timeline.timeline.current.user.name == "Demo User",
        timeout=10_000,
    )
    assert timeline.timeline.current.end == before.end


def test_page_the_on_call_from_the_dialog(qtbot, make_app, demo, monkeypatch):
    app = _demo_app(make_app, demo, monkeypatch)
    settle(qtbot, app)
    app.actions.open_page_dialog()
    dialog = app.actions.page_dialog
    qtbot.waitUntil(lambda: dialog.service.count() == 4, timeout=10_000)  # the demo account has 4 services
    dialog.service.setCurrentIndex(dialog.service.findText("Core API"))
    assert not dialog.send.isEnabled()  # nothing said yet
    dialog.summary.setText("Core API answers 500")
    dialog.severity.setCurrentIndex(dialog.severity.findData("error"))
    assert "REST API" in dialog.how.text()  # no integration key saved or typed
    dialog.send.click()
    _box_button(qtbot, "Page").click()
    qtbot.waitUntil(lambda: dialog.result.text().startswith("Triggered"), timeout=10_000)
    assert "on-call for Core API" in dialog.result.text()
    created = [i for i in demo.api.account.incidents.values() if i.title == "Core API answers 500"]
    assert [(i.status, i.urgency) for i in created] == [("triggered", "high")]


def test_incident_notice_buttons_acknowledge_and_open(qtbot, make_app, demo, monkeypatch):
    app = _demo_app(make_app, demo, monkeypatch)
    sent = []
    app.reminders.notify.connect(sent.append)
    state = settle(qtbot, app)
    qtbot.waitUntil(lambda: any(n.incident is not None for n in sent), timeout=10_000)
    [notice] = [n for n in sent if n.incident is not None]
    assert notice.message.title == "Incident for you: #101 Checkout latency p99 above 2 s"
    assert notice.message.body.startswith("Checkout API · high urgency · triggered")
    assert notice.urgent
    # what the notification's buttons do
    app.notifier.acknowledge_requested.emit(notice.incident.id)
    qtbot.waitUntil(lambda: not app.actions.shown, timeout=10_000)
    assert demo.api.account.incidents[notice.incident.id].status == "acknowledged"
    app.notifier.open_incidents_requested.emit()
    assert app.popup.isVisible() and app.popup.stack.currentWidget() is app.popup.incidents
    # told once: the next refresh does not notify again
    count = len(sent)
    app.refresh.refresh_now()
    qtbot.waitUntil(lambda: app.refresh.state.snapshot.taken_at > state.snapshot.taken_at, timeout=10_000)
    assert len([n for n in sent if n.incident is not None]) == 1 and len(sent) >= count
    assert datetime.now(UTC) > state.snapshot.taken_at
