"""The tray app's controller, offscreen, against demo servers over real HTTP."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pdtray.app.secrets import KEYRING_SERVICE, KEYRING_USERNAME
from pdtray.pagerduty import ServerError, TokenMissingError, TokenRejectedError
from pdtray.ui.popup import CLICK_AWAY_GRACE
from pdtray.ui.tray_status import PROBLEM


def drawn(qtbot, app):
    """State changes are drawn on the next loop turn: wait for that."""
    qtbot.waitUntil(lambda: not app._render_soon.isActive(), timeout=5_000)


def settle(qtbot, app, timeout=10_000):
    qtbot.waitUntil(
        lambda: app.refresh.state.snapshot is not None and not app.refresh.state.refreshing, timeout=timeout
    )
    drawn(qtbot, app)
    return app.refresh.state


def config_file() -> Path:
    return Path(os.environ["PDTRAY_CONFIG_DIR"]) / "settings.json"


def test_demo_tray_tooltip_popup_and_timeline(qtbot, make_app):
    app = make_app(demo=True)
    state = settle(qtbot, app)
    assert app.tray.look.icon == "soon"
    tooltip = app.tray.look.tooltip.splitlines()
    assert tooltip[0] == "pdtray demo account"
    assert any(line.startswith("Platform Primary — Alice Nguyen (L1, L2), until") for line in tooltip)
    # the demo shift starts ten minutes after launch: "today", or "tomorrow" when launched in the last ten minutes
    starts = datetime.now().astimezone() + timedelta(minutes=10)
    day = "today" if starts.date() == datetime.now().astimezone().date() else "tomorrow"
    assert any(line.startswith(f"Your next shift: Platform Primary, {day} at") for line in tooltip)
    # the demo user's two open incidents: a badge on the icon, red while one is not acknowledged
    assert "2 open incidents assigned to you (1 not acknowledged)" in tooltip
    assert (app.tray.look.badge, app.tray.look.badge_urgent) == (2, True)
    app.open_popup()
    popup = app.popup
    assert popup.isVisible()
    assert popup.schedules.model.rowCount() == len(state.schedules) == 17
    # the demo user's schedules are watched by default, so they are starred and first
    first_two = [popup.schedules.proxy.index(r, 0).data() for r in range(2)]
    assert sorted(first_two) == ["Payments Primary", "Platform Primary"]
    assert popup.status.text().startswith("Demo account · Updated")
    primary = next(s for s in state.schedules if s.name == "Platform Primary")
    app.open_timeline(primary.id)
    assert popup.stack.currentWidget() is popup.timeline
    qtbot.waitUntil(lambda: popup.timeline.entries.topLevelItemCount() >= 2, timeout=10_000)
    who = [popup.timeline.entries.topLevelItem(i).text(1) for i in range(2)]
    assert who == ["Alice Nguyen", "Demo User"]
    assert popup.timeline.countdown.text().startswith("Next handoff in")
    app.toggle_popup()
    assert not popup.isVisible()


def test_a_click_on_the_icon_that_took_the_focus_from_the_popup_closes_it_for_good(qtbot, make_app):
    """A click on the tray icon first takes the focus from the popup (which hides it), then arrives as an
    activation: that activation must not open the popup again. A later one does."""
    app = make_app(demo=True)
    settle(qtbot, app)
    app.open_popup()
    popup = app.popup
    popup.set_window_mode(False)  # as by a tray icon (the offscreen platform has no tray)
    popup.show_now()
    popup._app_state(Qt.ApplicationState.ApplicationActive)  # the popup had the focus
    popup._app_state(Qt.ApplicationState.ApplicationInactive)  # the click on the panel took it
    assert not popup.isVisible()
    app.toggle_popup()  # the same click, as the tray's activation
    assert not popup.isVisible()
    popup.hidden_by_click_away_at -= CLICK_AWAY_GRACE  # a moment later
    app.toggle_popup()
    assert popup.isVisible()


def test_starring_saves_the_watched_list(qtbot, make_app):
    app = make_app(demo=True)
    state = settle(qtbot, app)
    triage = next(s for s in state.schedules if s.name == "Security Triage")
    app.toggle_star(triage.id)
    watched = json.loads(config_file().read_text())["watched_schedules"]
    names = sorted(s.name for s in state.schedules if s.id in watched)
    # watched by default: the schedules the demo user is in, one of them shift-based (Release Captain)
    assert names == ["Payments Primary", "Platform Primary", "Release Captain", "Security Triage"]
    assert "Security Triage — nobody on call" in app.tray.look.tooltip
    app.toggle_star(triage.id)
    assert triage.id not in json.loads(config_file().read_text())["watched_schedules"]


def test_first_start_without_token_opens_settings_and_offers_the_demo(qtbot, make_app):
    app = make_app(demo=False)
    qtbot.waitUntil(lambda: app.settings_dialog is not None and app.settings_dialog.isVisible(), timeout=10_000)
    assert isinstance(app.refresh.state.error, TokenMissingError)
    drawn(qtbot, app)
    assert app.tray.look.icon == PROBLEM
    assert "No API token — open Settings" in app.tray.look.tooltip
    dialog = app.settings_dialog
    assert dialog.demo_button.isVisible()
    dialog.demo_button.click()
    state = settle(qtbot, app)
    assert app.demo and state.error is None
    assert not dialog.isVisible()
    assert app.popup is not None and app.popup.isVisible()


def settings_dialog(qtbot, app):
    """Opens Settings: the dialog comes up once the keyring (read off the UI thread) has said what it holds."""
    previous = app.settings_dialog
    app.open_settings()
    qtbot.waitUntil(
        lambda: (
            app.settings_dialog is not None and app.settings_dialog is not previous and app.settings_dialog.isVisible()
        ),
        timeout=5_000,
    )
    return app.settings_dialog


def test_saving_a_token_stores_it_in_the_keyring_and_reconnects(qtbot, make_app, demo, isolated, monkeypatch):
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    isolated.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "revoked-token")
    app = make_app(demo=False)
    qtbot.waitUntil(lambda: isinstance(app.refresh.state.error, TokenRejectedError), timeout=10_000)
    drawn(qtbot, app)
    assert "Token rejected — open Settings" in app.tray.look.tooltip
    dialog = settings_dialog(qtbot, app)
    assert "type to replace it" in dialog.token_edit.placeholderText()
    # Test connection with the typed token, through the app, over HTTP
    dialog.token_edit.setText(demo.token)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_result.text().startswith("✓"), timeout=10_000)
    assert dialog.test_result.text() == "✓ Connected as Demo User <demo@pdtray.example>."
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)  # the keyring is written off the UI thread
    assert isolated.items[(KEYRING_SERVICE, KEYRING_USERNAME)] == demo.token
    assert config_file().exists()
    assert demo.token not in config_file().read_text()
    state = settle(qtbot, app)
    qtbot.waitUntil(lambda: app.refresh.state.error is None, timeout=10_000)
    assert state.snapshot.mine.user.name == "Demo User"
    assert not dialog.isVisible()


def test_failure_after_success_shows_stale_data_and_the_problem(qtbot, make_app, demo, monkeypatch):
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    monkeypatch.setenv("PAGERDUTY_TOKEN", demo.token)
    app = make_app(demo=False)
    settle(qtbot, app)
    app.open_popup()
    demo.faults.server_error(40, status=503)  # PagerDuty down: every try of the refresh's requests (they overlap)
    app.refresh.refresh_now()
    qtbot.waitUntil(lambda: isinstance(app.refresh.state.error, ServerError), timeout=20_000)
    drawn(qtbot, app)
    assert app.tray.look.icon == PROBLEM
    assert "may be out of date" in app.tray.look.tooltip
    assert "PagerDuty is having trouble — retrying at" in app.tray.look.tooltip
    assert "(out of date)" in app.popup.status.text()
    assert app.popup.banner.isVisible() and "HTTP 503" in app.popup.banner_text.text()
    assert app.popup.schedules.model.rowCount() == 17  # the last good list stays


def test_corrupt_settings_are_replaced_with_a_visible_warning(qtbot, make_app):
    config = config_file()
    config.parent.mkdir(parents=True)
    config.write_text("{oops")
    app = make_app(demo=True)
    settle(qtbot, app)
    app.open_popup()
    assert app.popup.banner.isVisible()
    assert "not readable" in app.popup.banner_text.text()
    assert len(list(config.parent.glob("settings.json.corrupt-*"))) == 1


def test_pause_shows_in_the_menu(qtbot, make_app):
    app = make_app(demo=True)
    now = datetime.now().astimezone()
    app.pause("hour")
    # an hour from now is tomorrow after 23:00 (this test used to fail then)
    day = "today" if (now + timedelta(hours=1)).date() == now.date() else "tomorrow"
    assert app.menu.pause_menu.title().startswith(f"Notifications paused until {day} at")
    assert app.menu.resume.isVisible()
    app.pause(None)
    assert app.menu.pause_menu.title() == "Pause notifications"
    QApplication.processEvents()


def test_launch_at_login_from_settings_writes_and_removes_the_autostart_entry(qtbot, make_app):
    entry = Path(os.environ["XDG_CONFIG_HOME"]) / "autostart" / "pdtray.desktop"
    app = make_app(demo=True)
    dialog = settings_dialog(qtbot, app)
    assert dialog.editors["launch_at_login"].get() is False
    dialog.editors["launch_at_login"].put(True)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    assert exec_line.endswith(" -m pdtray") and "--demo" not in exec_line
    assert json.loads(config_file().read_text())["launch_at_login"] is True

    # Removed behind pdtray's back (the desktop's own startup settings): the dialog shows it off.
    entry.unlink()
    dialog = settings_dialog(qtbot, app)
    assert dialog.editors["launch_at_login"].get() is False
    dialog.editors["launch_at_login"].put(True)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(entry.exists, timeout=5_000)
    dialog = settings_dialog(qtbot, app)
    dialog.editors["launch_at_login"].put(False)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not entry.exists(), timeout=5_000)
    assert json.loads(config_file().read_text())["launch_at_login"] is False


def test_launch_at_login_that_cannot_be_written_keeps_the_dialog_open_with_the_reason(qtbot, make_app):
    Path(os.environ["XDG_CONFIG_HOME"]).write_text("not a directory")
    app = make_app(demo=True)
    dialog = settings_dialog(qtbot, app)
    dialog.editors["launch_at_login"].put(True)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "Could not write" in dialog.error.text(), timeout=5_000)
    assert dialog.isVisible()
    assert "autostart" in dialog.error.text()


def test_coverage_gap_in_a_watched_schedule_is_notified_once(qtbot, make_app, demo, monkeypatch):
    from pdtray.app.settings import Settings, save_settings

    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    monkeypatch.setenv("PAGERDUTY_TOKEN", demo.token)
    triage = next(s for s in demo.account.schedules.values() if s.name == "Security Triage")
    save_settings(Settings(watched_schedules=[triage.id], notify_coverage_gaps=True, notify_incidents=False))
    app = make_app(demo=False)
    sent = []
    app.reminders.notify.connect(sent.append)
    settle(qtbot, app)
    qtbot.waitUntil(lambda: app.coverage.checks == 1, timeout=10_000)
    gaps = [n for n in sent if n.key.startswith("gap:")]
    # the gap running now first, then the next one within 24 h (the demo triage rotation covers 18 h a day)
    assert gaps[0].message.title == "Nobody on call: Security Triage"
    assert gaps[0].message.body.startswith("Nobody is on call now, ")
    assert all(n.message.title == "Coverage gap ahead: Security Triage" for n in gaps[1:])
    assert {n.schedule_id for n in gaps} == {triage.id}
    app.coverage.check()
    qtbot.waitUntil(lambda: app.coverage.checks == 2, timeout=10_000)
    assert [n for n in sent if n.key.startswith("gap:")] == gaps  # each told once


def test_a_quit_that_comes_before_the_app_runs_is_not_lost(qtbot, qloop, qapp):
    """A SIGTERM (a logout) arriving after the controller exists but before it runs: run() ends at once instead of
    running until killed (the bundle test saw it once: the app was killed after 10 s)."""
    import asyncio

    from pdtray.ui.application import TrayApplication

    app = TrayApplication(qapp, demo=True)
    app.quit()
    task = asyncio.ensure_future(app.run())
    qtbot.waitUntil(task.done, timeout=10_000)
    assert task.result() == 0


def test_opening_the_popup_on_a_large_account_reads_its_other_schedules_again(qtbot, make_app, monkeypatch):
    from pdtray.app import refresh

    monkeypatch.setattr(refresh, "LARGE_ACCOUNT_ROWS", 10)  # the demo account counts as large
    app = make_app(demo=True)
    settle(qtbot, app)
    service = app.refresh
    whole_at = service._whole_at
    assert whole_at is not None and not app._popup_shows(0)
    service.refresh_now()  # the minute's refresh, popup hidden: the watched and the handed over only
    qtbot.waitUntil(lambda: service.cycles == 2 and not service.state.refreshing, timeout=10_000)
    assert service._whole_at == whole_at
    app.open_popup()  # within the poll interval of the whole read: nothing more
    assert app._popup_shows(0) and service._task.done()
    app.toggle_popup()
    service._whole_at = whole_at - timedelta(minutes=2)  # as if it had been read two minutes earlier
    app.open_popup()
    assert not service._task.done()  # a refresh started
    qtbot.waitUntil(lambda: service.cycles == 3 and not service.state.refreshing, timeout=10_000)
    assert service._whole_at > whole_at
    # and while the popup stays open, the minute's refresh reads the whole account too
    read = service._whole_at
    service.refresh_now()
    qtbot.waitUntil(lambda: service.cycles == 4 and not service.state.refreshing, timeout=10_000)
    assert service._whole_at > read


def test_a_first_start_draws_who_is_on_call_before_it_plans_notices_or_asks_for_more(
    qtbot, make_app, demo, monkeypatch
):
    """Without a cache the tray says "Loading…" until PagerDuty answers. The work that answer does not need (the
    notices' plan, the Services menu, the colour scheme: some milliseconds each, and a D-Bus call) waits
    until the answer is drawn, rather than holding up what the person is waiting for."""
    from pdtray.app.reminders import ReminderScheduler
    from pdtray.ui.application import TrayApplication
    from pdtray.ui.people_controller import PeopleController

    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    monkeypatch.setenv("PAGERDUTY_TOKEN", demo.token)
    seen: list[tuple[str, str]] = []  # (what ran, the tooltip's last line at that moment)

    def noting(name, original):
        def run(self, *args):
            app = self.parent()
            seen.append((name, app.tray.look.tooltip.splitlines()[-1] if app.tray.look else ""))
            return original(self, *args)

        return run

    monkeypatch.setattr(ReminderScheduler, "update", noting("plan", ReminderScheduler.update))
    monkeypatch.setattr(PeopleController, "load_menu_services", noting("services", PeopleController.load_menu_services))
    original_variant = TrayApplication._apply_tray_variant
    monkeypatch.setattr(
        TrayApplication,
        "_apply_tray_variant",
        lambda app: (seen.append(("colours", app.tray.look.tooltip.splitlines()[-1])), original_variant(app)),
    )
    app = make_app(demo=False)
    assert seen == []  # nothing of it as the app starts
    settle(qtbot, app)
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=5_000)
    assert sorted(name for name, _ in seen) == ["colours", "plan", "services"]
    assert all(last.startswith("Updated ") for _, last in seen), seen  # each after the answer was drawn
    app.refresh.refresh_now()
    qtbot.waitUntil(lambda: [name for name, _ in seen].count("plan") == 2, timeout=10_000)  # then with each answer


def test_a_first_answer_that_is_slow_holds_the_rest_of_the_start_up_only_for_a_while(
    qtbot, make_app, demo, monkeypatch
):
    from pdtray.ui import application
    from pdtray.ui.application import TrayApplication

    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    monkeypatch.setenv("PAGERDUTY_TOKEN", demo.token)
    monkeypatch.setattr(application, "FIRST_ANSWER_WAIT_MS", 300)
    demo.faults.latency = 3.0
    followed: list[str] = []
    original_variant = TrayApplication._apply_tray_variant
    monkeypatch.setattr(
        TrayApplication,
        "_apply_tray_variant",
        lambda app: (followed.append(app.tray.look.tooltip), original_variant(app)),
    )
    app = make_app(demo=False)
    assert followed == []
    qtbot.waitUntil(lambda: followed != [], timeout=2_000)  # after 0.3 s, not after the 3 s answer
    assert followed == ["pdtray\nLoading who is on call…"]
    assert app.refresh.state.snapshot is None
    demo.faults.latency = 0.0


def test_the_early_icon_shows_the_cached_times_in_the_chosen_zone(qapp):
    """The icon that goes up before the network stack reads the display zone from the settings (zoneinfo is
    imported only then): the cached shift's end is shown in Tokyo time, not the machine's."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    from builders import ref, row, user

    from pdtray.app import cache
    from pdtray.app.settings import Settings, save_settings
    from pdtray.app.snapshot import Snapshot
    from pdtray.oncall.shifts import my_shifts
    from pdtray.ui.early_tray import show_cached_tray

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    end = now + timedelta(hours=3)
    alice, me = user("Alice"), user("Demo")
    settings = Settings(display_time_zone="Asia/Tokyo", watched_schedules=[ref("Platform Primary").id])
    save_settings(settings)
    snapshot = Snapshot(now, (row(alice, now - timedelta(hours=1), end),), my_shifts(me, [], now))
    path = cache.cache_file(cache.location_of(settings, demo=False))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cache.encode(snapshot, (), None))
    early = show_cached_tray(demo=False)
    try:
        tokyo = end.astimezone(ZoneInfo("Asia/Tokyo"))
        assert f"Platform Primary — Alice (L1), until {tokyo:%H:%M}" in early.tray.look.tooltip, early.tray.look.tooltip
        assert f"{end.astimezone():%H:%M}" not in early.tray.look.tooltip.splitlines()[0]
    finally:
        early.tray.stop()
