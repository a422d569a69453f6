"""At a handover, everything pdtray draws says the same thing at the same moment (the Linux desktops issue, item
5): the icon, the tooltip, my status and the schedule list are all read from the last refresh's rows at one
``now``, and a refresh is planned for just after the handover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pdtray.app.refresh_state import RefreshState
from pdtray.app.settings import Settings
from pdtray.app.snapshot import Snapshot
from pdtray.oncall import OnCall, Ref, User, by_schedule
from pdtray.oncall.models import MyShifts
from pdtray.oncall.status import OnCallState, on_call_state
from pdtray.ui.tray_status import tray_look

T = datetime(2026, 11, 23, 9, 55, tzinfo=UTC)
ME = User("PME", "Demo User")
ALICE = User("PALICE", "Alice Nguyen")
PRIMARY = Ref("PPRIMARY", "Platform Primary")
POLICY = Ref("PEP", "Platform")
HANDOVER = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def snapshot() -> Snapshot:
    alice = OnCall(ALICE, POLICY, 1, PRIMARY, T - timedelta(hours=12), HANDOVER)
    mine = OnCall(ME, POLICY, 1, PRIMARY, HANDOVER, HANDOVER + timedelta(hours=12))
    return Snapshot(T, (alice,), MyShifts(ME, (), (mine,)), incidents=())


def test_after_the_handover_the_icon_tooltip_and_list_agree_before_any_refresh():
    state = RefreshState(snapshot=snapshot())
    settings = Settings(watched_schedules=[PRIMARY.id])
    after = HANDOVER + timedelta(seconds=30)
    look = tray_look(state, settings, after, UTC)
    assert look.icon == OnCallState.ON_CALL.value
    assert look.tooltip.splitlines()[:2] == [
        "Platform Primary — Demo User (L1), until 22:00 today",
        "You're on call until 22:00 today",
    ]
    # the schedule list reads the same rows at the same moment
    assert [p.user.name for p in by_schedule(state.snapshot.rows_known, after)[PRIMARY.id].people] == ["Demo User"]
    before = tray_look(state, settings, HANDOVER - timedelta(minutes=1), UTC)
    assert before.icon == OnCallState.SOON.value
    assert before.tooltip.splitlines()[0] == "Platform Primary — Alice Nguyen (L1), until 10:00 today"


def test_on_call_now_wins_over_a_next_shift_starting_soon():
    running = OnCall(ME, POLICY, 1, PRIMARY, HANDOVER, HANDOVER + timedelta(hours=1))
    next_one = OnCall(ME, POLICY, 1, Ref("PSEC", "Secondary"), HANDOVER + timedelta(hours=1), None)
    mine = MyShifts(ME, (), (running, next_one))  # the first started since the last refresh
    assert on_call_state(mine, HANDOVER + timedelta(minutes=50), timedelta(hours=12)) is OnCallState.ON_CALL


def test_the_next_refresh_comes_just_after_a_watched_handover(qapp):
    from pdtray.app.refresh import HANDOVER_SLACK, RefreshService
    from pdtray.app.session import Session

    now = [T]
    service = RefreshService(Session(lambda: None), clock=lambda: now[0], watched=lambda: [PRIMARY.id])
    assert snapshot().next_change(T, frozenset({PRIMARY.id})) == HANDOVER
    assert service._until_next_change(snapshot(), 60.0) == 60.0  # 5 minutes away: the poll comes first
    now[0] = HANDOVER - timedelta(seconds=30)
    assert service._until_next_change(snapshot(), 60.0) == 30 + HANDOVER_SLACK
    # an unwatched schedule's handover does not bring a refresh forward; my own shift's does
    assert snapshot().next_change(T, frozenset({"POTHER"})) == HANDOVER  # my shift starts then too
    other = Snapshot(T, snapshot().on_call_now, MyShifts(ME, (), ()), incidents=())
    assert other.next_change(T, frozenset({"POTHER"})) is None


def test_no_timeline_label_is_cut_at_the_edges(qtbot):
    """The first hour label sat half outside the popup (".8:00"): every label box now lies inside the bar."""
    from pdtray.oncall import Schedule, build_timeline
    from pdtray.ui.timeline_view import TimelineBar

    since = datetime(2026, 11, 23, 17, 58, tzinfo=UTC)  # the first tick, 18:00, two minutes in: at the left edge
    timeline = build_timeline(Schedule("PS", "S"), [], since, since + timedelta(hours=24), since)
    bar = TimelineBar()
    qtbot.addWidget(bar)
    bar.resize(400, 60)
    bar.set_timeline(timeline, since, UTC)
    labels = bar.tick_labels()
    assert [text for _, _, text in labels] == ["18:00", "00:00", "06:00", "12:00"]
    for px, rect, _ in labels:
        assert rect.left() >= 0 and rect.right() <= bar.width(), (px, rect)
    first_px, first, _ = labels[0]
    assert first_px < first.width() / 2  # centred on its tick it would have started left of the widget


def test_the_menu_says_who_is_on_call_where_a_panel_shows_no_tooltip(qtbot, make_app):
    """GNOME's AppIndicator extension shows no tooltip (the Linux desktops issue, item 2): the menu's first entries
    say it instead, and each opens its page of the popup."""
    app = make_app(demo=True)
    qtbot.waitUntil(lambda: bool(app.refresh.state.schedules) and not app.refresh.state.refreshing, timeout=15_000)
    app.render()
    texts = [a.text() for a in app.menu.summary_actions]
    tooltip = app.tray.look.tooltip.splitlines()
    # the tooltip's lines, bar the demo marker and the freshness, in the same order
    assert texts == [line.replace("&", "&&") for line in tooltip[1:-1]]
    assert any(t.startswith("Platform Primary — Alice Nguyen (L1, L2), until") for t in texts)
    assert texts[-1] == "2 open incidents assigned to you (1 not acknowledged)"
    primary = next(a for a in app.menu.summary_actions if a.text().startswith("Platform Primary"))
    primary.trigger()
    qtbot.waitUntil(lambda: app.popup is not None and app.popup.isVisible(), timeout=5_000)
    assert app.popup.stack.currentWidget() is app.popup.timeline
    assert app.popup.timeline.title.text() == "Platform Primary"
    app.menu.summary_actions[-1].trigger()
    assert app.popup.stack.currentWidget() is app.popup.incidents


def test_an_ampersand_in_a_name_is_shown_not_taken_for_a_shortcut(qapp):
    from pdtray.ui.tray import TrayMenu

    menu = TrayMenu()
    menu.set_summary((("R&D — Alice (L1), until 17:00 today", ("schedule", "PRD")),))
    assert menu.summary_actions[0].text() == "R&&D — Alice (L1), until 17:00 today"
    assert menu.actions().index(menu.summary_actions[0]) < menu.actions().index(menu.status_action)


def test_a_popup_opened_from_the_menu_of_a_tray_without_geometry_sits_at_the_panel(qapp):
    """Item 3: StatusNotifierItem trays give no icon geometry; the pointer is down in the menu (73-86 px below the
    panel on Xfce and GNOME), and the popup used to open there."""
    from PySide6.QtCore import QPoint, QRect, QSize

    from pdtray.ui.popup import popup_position

    area = QRect(0, 27, 1280, 773)  # below a 27 px top panel
    size = QSize(420, 560)
    at_menu = popup_position(QPoint(1100, 113), None, size, area)  # the pointer on a menu entry
    assert at_menu == QPoint(1280 - 420 - 4 - 1, 27 + 4)  # flush under the panel, inside the right edge
    bottom_area = QRect(0, 0, 1280, 760)  # a bottom panel
    assert popup_position(QPoint(200, 700), None, size, bottom_area).y() == 760 - 1 - 560 - 4
    icon = QRect(1240, 2, 22, 22)  # an XEmbed icon's real geometry: below it
    assert popup_position(QPoint(0, 0), icon, size, area) == QPoint(1280 - 420 - 4 - 1, 27 + 4)


def test_between_whole_reads_the_watched_and_the_handed_over_schedules_are_read_again():
    bob, carol = User("PBOB", "Bob"), User("PCAROL", "Carol")
    secondary, search = Ref("PSEC", "Platform Secondary"), Ref("PSEARCH", "Search")
    rows = (
        OnCall(ALICE, POLICY, 1, PRIMARY, T - timedelta(hours=12), HANDOVER),  # hands over at 10:00
        OnCall(bob, POLICY, 2, secondary, T - timedelta(hours=1), HANDOVER + timedelta(hours=2)),  # at 12:00
        OnCall(carol, POLICY, 3, None, None, None),  # targeted directly by the policy: never ends
        OnCall(carol, Ref("PSEARCHEP", "Search"), 1, search, T - timedelta(days=1), HANDOVER),  # at 10:00
    )
    snap = Snapshot(T, rows, MyShifts(ME, (), ()), incidents=())
    # before 10:00 only the watched one; at 10:00 the two that hand over, after the watched (asked once)
    assert snap.schedules_to_read_again(HANDOVER - timedelta(seconds=1), ["PSEC"]) == ["PSEC"]
    assert snap.schedules_to_read_again(HANDOVER, ["PSEC", "PPRIMARY"]) == ["PSEC", "PPRIMARY", "PSEARCH"]
    assert snap.schedules_to_read_again(HANDOVER, []) == ["PPRIMARY", "PSEARCH"]
    # what stands of the rows when those two are read again: Bob's, and Carol's direct row
    assert snap.rows_kept_besides(["PPRIMARY", "PSEARCH"]) == [rows[1], rows[2]]
