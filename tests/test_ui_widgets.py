"""Widget-level tests, offscreen: what the tray, the schedule list, the timeline and the settings dialog show."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from builders import at, row, user
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from pdtray.app.queries import Snapshot
from pdtray.app.refresh import RefreshState
from pdtray.app.settings import Settings
from pdtray.oncall import Schedule, ScheduledShift, build_timeline, by_schedule, my_shifts
from pdtray.pagerduty import NetworkError, TokenMissingError, TokenRejectedError
from pdtray.ui.schedule_list import ScheduleListPage, build_rows
from pdtray.ui.settings_dialog import SettingsDialog, TokenStatus
from pdtray.ui.timeline_view import TimelinePage, zone_note
from pdtray.ui.tray_status import LOADING, PROBLEM, tray_look

BERLIN = ZoneInfo("Europe/Berlin")
NOW = at(22, 14, 24)
ME, ALICE, BOB = user("Demo"), user("Alice"), user("Bob")
PRIMARY = Schedule("RPLATFORMPRIMARY", "Platform Primary", "Core platform", "America/New_York", member_ids=("PDEMO",))
SECONDARY = Schedule("RPLATFORMSECONDARY", "Platform Secondary", "Backup", "America/New_York")
TRIAGE = Schedule("RSECURITYTRIAGE", "Security Triage", "Security reports", "UTC")
IDLE = Schedule("RINTERVIEW", "Interview Rotation", "", "Europe/London", used_by_policies=False)


def snapshot(taken_at=NOW) -> Snapshot:
    rows = [
        row(ALICE, at(22, 14), at(22, 14, 34), level=1),
        row(BOB, at(22, 14), at(29, 14), schedule="Platform Secondary", level=2),
    ]
    mine = my_shifts(ME, [row(ME, at(22, 14, 34), at(23, 2, 34))], taken_at)
    return Snapshot(taken_at, tuple(rows), mine)


def state(**kw) -> RefreshState:
    kw.setdefault("schedules", (PRIMARY, SECONDARY, TRIAGE, IDLE))
    kw.setdefault("schedules_at", NOW)
    return RefreshState(**kw)


# -- tray ---------------------------------------------------------------------------------------------------------


def test_tray_loading_then_data():
    assert tray_look(RefreshState(refreshing=True), Settings(), NOW, BERLIN).icon == LOADING
    look = tray_look(state(snapshot=snapshot()), Settings(), NOW, BERLIN)
    assert look.icon == "soon"  # my shift starts in 10 min, within the 12 h first reminder
    assert look.tooltip.splitlines() == [
        "Platform Primary — Alice (L1), until 15:34 today",  # watched by default: I am a member
        "Your next shift: Platform Primary, today at 15:34 (in 10 min)",
        "Updated 15:24",
    ]
    assert look.problem is None


def test_tray_soon_follows_the_first_lead_time():
    look = tray_look(state(snapshot=snapshot()), Settings(lead_times=[300]), NOW, BERLIN)
    assert look.icon == "off"


def test_tray_problem_keeps_the_last_data_marked_stale():
    failing = state(snapshot=snapshot(), error=NetworkError("down"), next_at=NOW + timedelta(seconds=30))
    look = tray_look(failing, Settings(), NOW + timedelta(minutes=2), BERLIN)
    assert look.icon == PROBLEM
    lines = look.tooltip.splitlines()
    assert lines[-2] == "Offline: PagerDuty is unreachable — retrying at 15:24"
    assert lines[-1] == "Last updated 15:24 (2 min ago) — may be out of date"
    assert "Alice" in look.tooltip


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (TokenMissingError("x"), "No API token — open Settings"),
        (TokenRejectedError("x"), "Token rejected — open Settings"),
    ],
)
def test_tray_problem_without_data(error, text):
    look = tray_look(RefreshState(error=error), Settings(), NOW, BERLIN)
    assert look.icon == PROBLEM
    assert look.tooltip == f"pdtray\n{text}"


def test_tray_watches_the_chosen_schedules_in_order():
    settings = Settings(watched_schedules=["RSECURITYTRIAGE", "RPLATFORMSECONDARY", "RGONE"])
    look = tray_look(state(snapshot=snapshot()), settings, NOW, BERLIN)
    assert look.tooltip.splitlines()[:2] == [
        "Security Triage — nobody on call",
        "Platform Secondary — Bob (L2), until 29 Nov 15:00",
    ]


# -- schedule list ------------------------------------------------------------------------------------------------


@pytest.fixture
def page(qtbot):
    page = ScheduleListPage()
    qtbot.addWidget(page)
    rows = build_rows(
        [TRIAGE, IDLE, SECONDARY, PRIMARY], by_schedule(snapshot().on_call_now, NOW), ["RSECURITYTRIAGE"], NOW, BERLIN
    )
    page.set_rows(rows)
    page.show()
    return page


def visible_names(page) -> list[str]:
    return [page.proxy.index(r, 0).data() for r in range(page.proxy.rowCount())]


def test_rows_say_who_is_on_call(page):
    rows = {r.schedule.name: r for r in page.model.rows}
    assert rows["Platform Primary"].on_call == "Alice (L1), until 15:34 today"  # as the tooltip says it
    assert rows["Security Triage"].on_call == "Nobody on call" and rows["Security Triage"].nobody
    assert rows["Interview Rotation"].on_call == "Not used by any escalation policy"


def test_a_refresh_updates_the_list_in_place(page):
    """Same schedules, one on-call line changed: one row redrawn, no reset, the selection kept; a star moves a
    row to the top (a reordering: the list is rebuilt, keeping the selection)."""
    from dataclasses import replace

    page.view.setCurrentIndex(page.proxy.index(2, 0))  # Platform Primary
    resets, changed = [], []
    page.model.modelReset.connect(lambda: resets.append(True))
    page.model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    rows = list(page.model.rows)
    primary = next(i for i, r in enumerate(rows) if r.schedule.name == "Platform Primary")
    rows[primary] = replace(rows[primary], on_call="Bob (L1), until 03:34 tomorrow")
    page.set_rows(rows)
    assert resets == [] and changed == [(primary, primary)]
    assert page.current_id() == rows[primary].schedule.id
    secondary = next(i for i, r in enumerate(rows) if r.schedule.name == "Platform Secondary")
    rows = list(rows)
    rows[secondary] = replace(rows[secondary], starred=True)
    page.set_rows(rows)
    assert resets == [True]
    assert visible_names(page)[:2] == ["Platform Secondary", "Security Triage"]
    assert page.current_id() == rows[primary].schedule.id
    page.set_rows(rows[:-1])  # a schedule gone: the list is rebuilt
    assert resets == [True, True]


def test_starred_first_then_by_name(page):
    assert visible_names(page) == ["Security Triage", "Interview Rotation", "Platform Primary", "Platform Secondary"]


def test_filter_as_you_type_matches_people_too(page, qtbot):
    qtbot.keyClicks(page.filter_edit, "bob")
    assert visible_names(page) == ["Platform Secondary"]
    page.filter_edit.clear()
    qtbot.keyClicks(page.filter_edit, "platform pri")
    assert visible_names(page) == ["Platform Primary"]
    page.filter_edit.clear()
    qtbot.keyClicks(page.filter_edit, "zzz")
    assert visible_names(page) == []
    assert page.message.isVisibleTo(page) and "zzz" in page.message.text()


def test_keyboard_opens_and_stars(page, qtbot):
    page.filter_edit.setFocus()
    qtbot.keyClicks(page.filter_edit, "platform")
    with qtbot.waitSignal(page.open_timeline) as opened:
        qtbot.keyClick(page.filter_edit, Qt.Key.Key_Return)
    assert opened.args == ["RPLATFORMPRIMARY"]
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Down)
    assert page.view.hasFocus() or page.view.currentIndex().isValid()
    with qtbot.waitSignal(page.star_toggled) as starred:
        qtbot.keyClick(page.view, Qt.Key.Key_Space)
    assert starred.args == [page.current_id()]
    # typing in the list goes to the filter
    qtbot.keyClick(page.view, Qt.Key.Key_S)
    assert page.filter_edit.text() == "platforms"
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Escape)
    assert page.filter_edit.text() == ""


def test_loading_and_error_messages(page):
    page.set_message("Token rejected — open Settings")
    assert page.message.isVisibleTo(page)
    page.set_message(None)
    assert not page.message.isVisibleTo(page)


# -- timeline -----------------------------------------------------------------------------------------------------


def triage_timeline():
    shifts = [ScheduledShift(ALICE, at(22, 16), at(23, 0)), ScheduledShift(BOB, at(23, 0), at(23, 10))]
    return build_timeline(TRIAGE, shifts, NOW, NOW + timedelta(hours=24), NOW)


def test_timeline_shows_gaps_current_and_countdown(qtbot):
    page = TimelinePage()
    qtbot.addWidget(page)
    page.show_loading("RSECURITYTRIAGE", "Security Triage", "https://example.pagerduty.com/schedules/X")
    assert page.current.text() == "Loading the timeline…"
    page.show_timeline(triage_timeline(), NOW, BERLIN)
    texts = [[page.entries.topLevelItem(i).text(c) for c in range(3)] for i in range(page.entries.topLevelItemCount())]
    assert texts == [
        ["● 15:24 – 17:00", "Nobody on call", "1 h 36 min"],
        ["17:00 – tomorrow 01:00", "Alice", "8 h"],
        ["tomorrow 01:00 – 11:00", "Bob", "10 h"],
        ["tomorrow 11:00 – 15:24", "Nobody on call", "4 h 24 min"],
    ]
    assert page.entries.topLevelItem(0).font(0).bold()
    assert "Nobody is on call" in page.current.text() and "Alice" in page.current.text()
    assert page.countdown.text() == "Next handoff in 1 h 36 min (today at 17:00)"
    # Berlin is an hour ahead of UTC: the note names the schedule's zone
    assert page.note.text() == "Times in Europe/Berlin; the schedule runs on UTC (14:24 there now)."
    # a minute later the countdown moves on
    page.tick(NOW + timedelta(minutes=1), BERLIN)
    assert page.countdown.text() == "Next handoff in 1 h 35 min (today at 17:00)"


def test_timeline_for_another_schedule_is_ignored(qtbot):
    page = TimelinePage()
    qtbot.addWidget(page)
    page.show_loading("ROTHER", "Other", None)
    page.show_timeline(triage_timeline(), NOW, BERLIN)
    assert page.entries.topLevelItemCount() == 0
    assert not page.open_web.isEnabled()


def test_timeline_reload_with_seven_days(qtbot):
    page = TimelinePage()
    qtbot.addWidget(page)
    page.show_loading("RSECURITYTRIAGE", "Security Triage", None)
    with qtbot.waitSignal(page.reload_requested) as reload:
        page.week.click()
    assert reload.args == ["RSECURITYTRIAGE", 168]


def test_zone_note_only_when_clocks_differ():
    assert zone_note("Europe/Berlin", NOW, BERLIN) is None
    assert zone_note("Asia/Kolkata", NOW, BERLIN) == (
        "Times in Europe/Berlin; the schedule runs on Asia/Kolkata (19:54 there now)."
    )


# -- settings dialog ----------------------------------------------------------------------------------------------


def dialog_for(qtbot, settings=None, token=None, **kw):
    dialog = SettingsDialog(settings or Settings(), [PRIMARY, SECONDARY, TRIAGE], token or TokenStatus(), **kw)
    qtbot.addWidget(dialog)
    return dialog


def test_settings_round_trip(qtbot):
    chosen = Settings(
        region="eu",
        poll_interval=120,
        lead_times=[86400, 600],
        watched_schedules=["RSECURITYTRIAGE"],
        display_time_zone="Asia/Kolkata",
        launch_at_login=True,
    )
    dialog = dialog_for(qtbot, chosen)
    assert dialog.editors["lead_times"].widget.text() == "1d, 10m"
    assert dialog.collect() == chosen


def test_settings_edits_and_save(qtbot):
    dialog = dialog_for(qtbot, default_watched=["RPLATFORMPRIMARY"])
    assert dialog.editors["watched_schedules"].get() == ["RPLATFORMPRIMARY"]  # what is watched by default
    dialog.editors["lead_times"].widget.setText("1h, 5m")
    dialog.editors["poll_interval"].widget.setValue(300)
    qtbot.keyClicks(dialog.token_edit, "u+new-token")
    with qtbot.waitSignal(dialog.save_requested) as saved:
        dialog.buttons.accepted.emit()
    settings, token = saved.args
    assert settings.lead_times == [3600, 300] and settings.poll_interval == 300
    assert settings.watched_schedules == []  # left as the default: keeps following "my schedules"
    assert token == "u+new-token"
    assert dialog.token_edit.echoMode() == QLineEdit.EchoMode.Password


def test_bad_lead_times_are_named_and_nothing_is_saved(qtbot):
    dialog = dialog_for(qtbot)
    dialog.editors["lead_times"].widget.setText("1h, soon")
    saved = []
    dialog.save_requested.connect(lambda *a: saved.append(a))
    dialog.buttons.accepted.emit()
    assert saved == []
    assert dialog.error.isVisibleTo(dialog)
    assert "Remind me before my shift" in dialog.error.text() and "soon" in dialog.error.text()


def test_insecure_custom_url_is_refused(qtbot):
    dialog = dialog_for(qtbot)
    dialog.editors["api_url"].widget.setText("http://pd.example.com")
    dialog.buttons.accepted.emit()
    assert "plain http" in dialog.error.text()


def test_no_keyring_explains_the_environment_variable(qtbot):
    dialog = dialog_for(qtbot, token=TokenStatus(keyring_problem="No OS keyring is available; set PAGERDUTY_TOKEN."))
    assert not dialog.token_edit.isEnabled()
    assert "PAGERDUTY_TOKEN" in dialog.token_note.text()
    assert dialog.demo_button.isVisibleTo(dialog)


def test_first_run_welcomes_and_offers_the_demo(qtbot):
    dialog = dialog_for(qtbot, first_run=True)
    assert dialog.demo_button.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.demo_requested):
        dialog.demo_button.click()


def test_test_connection_asks_with_the_typed_values(qtbot):
    dialog = dialog_for(qtbot)
    dialog.editors["region"].put("eu")
    qtbot.keyClicks(dialog.token_edit, "abc")
    with qtbot.waitSignal(dialog.test_requested) as asked:
        dialog.test_button.click()
    assert asked.args == ["abc", "eu", ""]
    assert dialog.test_result.text() == "Testing…"
    dialog.show_test_result(False, "PagerDuty rejected the API token (HTTP 401).")
    assert dialog.test_result.text().startswith("✗ PagerDuty rejected")
    assert dialog.test_button.isEnabled()


def test_snapshot_helper_is_consistent():
    # the fixtures above rely on this: my shift starts 10 minutes after NOW
    assert snapshot().mine.next_shift.start - NOW == timedelta(minutes=10)


def test_an_update_worked_out_elsewhere_is_applied_in_place_or_again_if_the_list_moved_on(page):
    """The list's diff for a large account is worked out on a worker thread against the rows shown then; the
    page applies it, or works it out again if other rows were shown meanwhile."""
    from dataclasses import replace

    from pdtray.ui.schedule_list import row_update

    resets, changed = [], []
    page.model.modelReset.connect(lambda: resets.append(True))
    page.model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    shown = page.model.rows
    names = [r.schedule.name for r in shown]
    assert names == ["Security Triage", "Interview Rotation", "Platform Primary", "Platform Secondary"]
    same = row_update(shown, list(shown))
    assert same.changed == []
    page.apply(same)
    assert resets == [] and changed == []
    edited = list(shown)
    edited[3] = replace(edited[3], on_call="Carol (L1), until 09:00 tomorrow")
    stale = row_update(shown, edited)  # worked out against the rows shown now...
    assert stale.changed == [3]
    newer = list(shown)
    newer[2] = replace(newer[2], on_call="Bob (L1), until 03:34 tomorrow")
    page.set_rows(newer)  # ...which another refresh replaced before it arrived
    assert changed == [(2, 2)]
    page.apply(stale)  # worked out again against what is shown: row 2 back as it was, row 3 changed
    assert changed == [(2, 2), (2, 3)]
    assert [r.on_call for r in page.model.rows][2:] == [shown[2].on_call, "Carol (L1), until 09:00 tomorrow"]
    assert resets == []
    reordered = row_update(page.model.rows, list(reversed(page.model.rows)))
    assert reordered.changed is None
