"""The tray app's controller: owns the services and the windows, and turns the windows' intents into actions.

Windows are built on first use (the popup, the settings dialog), keyring access waits until a token is needed, and
everything that talks to PagerDuty runs as asyncio tasks on the qasync loop, so start-up stays quick and the UI
never waits on the network.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from pdtray import __version__
from pdtray.app import autostart, cache, queries
from pdtray.app.autostart import AutostartError
from pdtray.app.blocking import off_the_loop
from pdtray.app.connection import API_URL_ENV, Connection, resolve_connection
from pdtray.app.connection_test import ConnectionTester, TestResult
from pdtray.app.coverage import CoverageWatcher
from pdtray.app.log import log_file
from pdtray.app.notification_state import state_path
from pdtray.app.paths import config_dir
from pdtray.app.quiet_collector import QuietCollector
from pdtray.app.refresh import RefreshService, RefreshState
from pdtray.app.reminders import ReminderScheduler
from pdtray.app.secrets import (
    TOKEN_ENV,
    KeyringUnavailableError,
    Token,
    TokenOrigin,
    delete_keyring_token,
    off_the_ui_thread,
    read_keyring_token,
    write_keyring_token,
)
from pdtray.app.session import Session
from pdtray.app.settings import Settings, load_settings, merged_with_disk, save_settings, updated
from pdtray.app.snapshot import Snapshot
from pdtray.app.timelines import TimelineLoader
from pdtray.oncall import OnCall, Schedule, ScheduleOnCall, Timeline, User
from pdtray.oncall.current import OnCallAt
from pdtray.oncall.human_time import clock, format_at
from pdtray.oncall.incidents import badge as incident_badge
from pdtray.oncall.reminders import MyShift
from pdtray.pagerduty import (
    ConfigurationError,
    CredentialsError,
    MalformedTokenError,
    PagerDutyError,
    TokenMissingError,
)
from pdtray.pagerduty.token_format import check_token
from pdtray.ui.actions_controller import ActionsController
from pdtray.ui.icons import app_icon, tray_variant
from pdtray.ui.notifications import Notifier
from pdtray.ui.tray import Tray, TrayMenu
from pdtray.ui.tray_status import tray_look, watched_refs

if TYPE_CHECKING:  # built on first use, so their modules are imported then too
    from pdtray.ui.early_tray import EarlyTray
    from pdtray.ui.other_accounts import AccountView, OtherAccount
    from pdtray.ui.popup import Popup
    from pdtray.ui.schedule_list import RowUpdate
    from pdtray.ui.settings_dialog import SettingsDialog, TokenStatus

log = logging.getLogger(__name__)
#: how long "Settings…" waits for the keyring to say whether a token is stored before it opens without knowing
SETTINGS_KEYRING_WAIT = 3.0
MINUTE_MS = 60_000
#: start-up work held for the first answer's drawing (see TrayApplication._after_first_answer) waits at most this
FIRST_ANSWER_WAIT_MS = 2_000


#: accounts with this many schedules have their list built on a worker thread
THREADED_LIST_SIZE = 300
#: on-call rows from which "who is on call" is worked out on a worker thread
THREADED_ROWS = 1500


class TrayApplication(QObject):
    def __init__(self, qapp: QApplication, *, demo: bool = False, early: EarlyTray | None = None) -> None:
        super().__init__()
        self.qapp = qapp
        self.demo = demo
        self._demo_server: object | None = None
        loaded = early.loaded if early is not None else load_settings()
        self.settings: Settings = loaded.settings
        self.settings_warnings = list(loaded.warnings)
        for warning in self.settings_warnings:
            log.warning("%s", warning)
        self._tasks: set[asyncio.Future[None]] = set()
        self.session = Session(self._connect)
        self.refresh = RefreshService(
            self.session,
            poll_interval=self.settings.poll_interval,
            cache_path=self._cache_path(),
            initial=early.state if early is not None else None,
            watched=lambda: [ref.id for ref in watched_refs(self.refresh.state, self.settings)],
            looking=lambda: self._popup_shows(0),
        )

        #: the accounts after the first (not on the demo): refreshed on their own, shown under their names
        self.other_accounts: list[OtherAccount] = []
        if not demo and self.settings.accounts:
            from pdtray.app.accounts import accounts_of
            from pdtray.ui.other_accounts import OtherAccount

            for account in accounts_of(self.settings)[1:]:
                other = OtherAccount(
                    account, self.settings, lambda: self.tz, self, looking=lambda o: self._popup_shows(o)
                )
                other.changed.connect(lambda: self._render_soon.start())
                self.other_accounts.append(other)
        self.timelines = TimelineLoader(self.session, parent=self)
        self.tester = ConnectionTester(self)
        self.reminders = ReminderScheduler(
            self.settings,
            state_file=self._notification_state_path(),
            tz=lambda: self.tz,
            handover=self._handover,
            parent=self,
        )
        self.reminders.save_failed.connect(self._on_state_save)
        self._state_problem = ""
        self._last_snapshot_at: datetime | None = None
        if early is not None:
            self.menu, self.tray = early.menu, early.tray
            self.tray.setParent(self)
        else:
            self.menu = TrayMenu()
            self.tray = Tray(self.menu, self, variant=tray_variant(self.settings.tray_icons))
        self.autostart = autostart.autostart_for()
        self.popup: Popup | None = None
        self.settings_dialog: SettingsDialog | None = None

        self._asked_for_token = False
        self._quit: asyncio.Future[int] | None = None
        self._quit_early = False
        self._minute = QTimer(self)
        self._minute.timeout.connect(self.render)
        # State changes come in bursts (a refresh publishes several); they are drawn once per loop turn.
        #: who is on call by schedule, worked out once per set of rows until the next handoff
        self._on_call_at = OnCallAt()
        #: what the schedule list was last built from, and the build under way for a large account
        self._rows_key: tuple[object, ...] | None = None
        self._rows_task: asyncio.Future[None] | None = None
        self._on_call_task: asyncio.Future[None] | None = None
        self._render_soon = QTimer(self)
        self._render_soon.setSingleShot(True)
        self._render_soon.setInterval(0)
        self._render_soon.timeout.connect(self.render)
        #: start-up work the first answer does not need, held until that answer is on screen (_after_first_answer)
        self._held_for_first_answer: list[Callable[[], None]] = []
        self._first_answer_drawn = False
        self._first_answer_armed = False
        self._first_answer_timer = QTimer(self)
        self._first_answer_timer.setSingleShot(True)
        self._first_answer_timer.timeout.connect(self._release_held_work)
        self.refresh.changed.connect(self._on_refresh)
        self.timelines.loaded.connect(lambda timeline: self._on_timeline(timeline, self.timelines))
        self.timelines.failed.connect(lambda schedule, error: self._on_timeline_failed(schedule, error, self.timelines))
        self.tester.finished.connect(self._on_tested)
        self.tray.activated.connect(self.toggle_popup)
        self.tray.unavailable.connect(self._no_tray)
        self.menu.open_requested.connect(self.open_popup)
        self.menu.refresh_requested.connect(lambda: self.refresh.refresh_now(schedules=True))
        self.menu.pause_requested.connect(self.pause)
        self.menu.settings_requested.connect(self.open_settings)
        self.menu.about_requested.connect(self.about)
        self.menu.quit_requested.connect(self.quit)
        self.actions = ActionsController(
            self.session,
            self.refresh,
            popup=self._ensure_popup,
            tz=lambda: self.tz,
            render=self._render_soon.start,
            reload_timeline=self.timelines.request,
            parent=self,
        )
        self.menu.incidents_requested.connect(self.open_incidents)
        from pdtray.ui.people_controller import PeopleController

        self.people = PeopleController(
            self.session,
            popup=self._ensure_popup,
            existing_popup=lambda: self.popup,
            tz=lambda: self.tz,
            watched=lambda: [ref.id for ref in watched_refs(self.refresh.state, self.settings)],
            parent=self,
        )
        self.people.services_loaded.connect(
            lambda found: self.menu.set_services([(s.ref.id, s.ref.name) for s in found])
        )
        self._services_asked = False
        #: which account the popup shows: 0 the first, n the n-th of other_accounts
        self.active_index = 0
        for other in self.other_accounts:
            self._attach_controllers(other)
        self.menu.service_requested.connect(self.open_service)
        self.menu.copy_requested.connect(self.copy_who_is_on_call)
        self.menu.summary_requested.connect(self._open_from_menu)
        self.menu.page_requested.connect(self.actions.open_page_dialog)
        self.menu.export_requested.connect(self.actions.export_shifts)
        self.coverage = CoverageWatcher(
            self.session,
            watched=lambda: [ref.id for ref in watched_refs(self.refresh.state, self.settings)],
            enabled=lambda: self.settings.notify_coverage_gaps,
            parent=self,
        )
        self._coverage_started = False
        self.collector = QuietCollector(self._quiet, parent=self)
        self.notifier = Notifier(self.tray, self)
        self.notifier.acknowledge_requested.connect(self.actions.acknowledge)
        self.notifier.open_incidents_requested.connect(self.open_incidents)
        self.reminders.notify.connect(self.notifier.show)
        for other in self.other_accounts:
            other.notify.connect(self.notifier.show)
        self.coverage.found.connect(self.reminders.report_gaps)
        self.notifier.open_requested.connect(self._open_from_notification)
        self.notifier.snooze_requested.connect(self.reminders.snooze)
        self.refresh.clock_jumped.connect(self.reminders.replan)
        self._show_pause()

    # -- life cycle ---------------------------------------------------------------------------------------------

    async def run(self) -> int:
        self._quit = asyncio.get_running_loop().create_future()
        if self._quit_early:
            self._quit.set_result(0)  # a SIGTERM (a logout) that came between start-up and here
        self.start()
        code = await self._quit
        await self.shutdown()
        return code

    def start(self) -> None:
        log.info("tray app starting on the %s", "demo account" if self.demo else "configured account")
        self.qapp.setWindowIcon(app_icon())
        self.tray.show()
        self.refresh.start()
        for other in self.other_accounts:
            other.refresh.start()
        self.collector.start()
        self._start_minute_timer()
        self.render()
        # The early icon was chosen from the palette; the desktop's colour scheme (a D-Bus call away) decides, once
        # the first answer is drawn.
        self._after_first_answer(self._follow_colour_scheme)
        self._first_answer_timer.start(FIRST_ANSWER_WAIT_MS)

    def _follow_colour_scheme(self) -> None:
        self.qapp.styleHints().colorSchemeChanged.connect(self._apply_tray_variant)
        self._apply_tray_variant()

    def _after_first_answer(self, work: Callable[[], None]) -> None:
        """Runs ``work`` once the first refresh's answer (or its failure) has been drawn, at once after that.

        A first start has no cache: until PagerDuty answers, the tray says "Loading…". What a person waits for is
        who is on call, so the start-up work that answer does not need (planning the notices, the coverage check,
        the Services menu, the colour scheme) comes after its first drawing, not before it. After
        FIRST_ANSWER_WAIT_MS it runs anyway, so that a slow or hanging first refresh holds nothing up for long."""
        if self._first_answer_drawn:
            work()
        else:
            self._held_for_first_answer.append(work)

    def _release_held_work(self) -> None:
        if self._first_answer_drawn:
            return
        self._first_answer_drawn = True
        held, self._held_for_first_answer = self._held_for_first_answer, []
        for work in held:
            work()

    def quit(self) -> None:
        if self._quit is None:
            self._quit_early = True  # asked before run(): run() ends at once
        elif not self._quit.done():
            self._quit.set_result(0)

    async def shutdown(self) -> None:
        self._first_answer_timer.stop()
        self._held_for_first_answer.clear()
        self.collector.stop()
        self._minute.stop()
        self.coverage.stop()
        self.tray.stop()
        await self.refresh.stop()
        for other in self.other_accounts:
            await other.refresh.stop()
        self.tray.icon.hide()
        if self._demo_server is not None:
            self._demo_server.stop()  # type: ignore[attr-defined]

    def _start_minute_timer(self) -> None:
        """Re-renders on each new minute, so "in 10 min" and "until 17:00" stay true."""
        now = datetime.now(UTC)
        QTimer.singleShot(int((60 - now.second - now.microsecond / 1e6) * 1000) + 50, self._minute_tick)

    def _minute_tick(self) -> None:
        self.render()
        self._minute.start(MINUTE_MS)

    # -- connection ---------------------------------------------------------------------------------------------

    def _connect(self) -> Connection:
        if self.demo:
            if self._demo_server is None:
                from pdtray.app.demo_epoch import demo_start
                from pdtray.demo.server import DemoServer

                self._demo_server = DemoServer.from_environment(demo_start()).start()
            server = self._demo_server
            return Connection(Token(server.token, TokenOrigin.DEMO), base_url=server.url)  # type: ignore[attr-defined]
        return resolve_connection(self.settings)

    def _cache_path(self) -> Path:
        return cache.cache_file(cache.location_of(self.settings, demo=self.demo))

    def use_demo(self) -> None:
        self.demo = True
        self.refresh._cache_path = self._cache_path()  # type: ignore[assignment]
        self.reminders.use_state_file(self._notification_state_path())
        self.refresh.reconnect()
        if self.settings_dialog is not None:
            self.settings_dialog.close()
        self.open_popup()

    @property
    def tz(self) -> tzinfo | None:
        return ZoneInfo(self.settings.display_time_zone) if self.settings.display_time_zone else None

    # -- rendering ----------------------------------------------------------------------------------------------

    def _quiet(self) -> bool:
        """Nothing on screen that a pause would stutter, and no refresh under way."""
        refreshing = any(r.state.refreshing for r in (self.refresh, *(o.refresh for o in self.other_accounts)))
        return not refreshing and (self.popup is None or not self.popup.isVisible())

    def _on_refresh(self, state: RefreshState) -> None:
        snapshot = state.snapshot
        if snapshot is not None and not state.from_cache and snapshot.taken_at != self._last_snapshot_at:
            self._last_snapshot_at = snapshot.taken_at
            self._after_first_answer(partial(self._take_in, snapshot))
        if not state.refreshing:
            self.collector.refresh_ended()
        if self._coverage_started and self.coverage.checks == 0 and state.schedules:
            self.coverage.check()  # the first check, once the schedule list says which schedules are watched
        if isinstance(state.error, TokenMissingError) and not self.demo and not self._asked_for_token:
            self._asked_for_token = True
            self.open_settings(first_run=True)
        popup = self.popup
        showing_timeline = (
            self.active_index == 0  # the first account's refresh reloads the first account's timeline
            and popup is not None
            and popup.isVisible()
            and popup.stack.currentWidget() is popup.timeline
            and popup.timeline.schedule_id is not None
        )
        if showing_timeline and state.error is None and not state.refreshing:
            assert popup is not None and popup.timeline.schedule_id is not None
            self.timelines.request(popup.timeline.schedule_id, popup.timeline.hours)
        self._render_soon.start()

    def _take_in(self, snapshot: Snapshot) -> None:
        """A new answer: the notices are planned from it; the first one also starts what waited for it."""
        self.reminders.update(snapshot)
        if not self._coverage_started:
            self._coverage_started = True
            self.coverage.start()
            if self.refresh.state.schedules:
                self.coverage.check()
            # what start-up made (modules, Qt wrappers, the first answer) lives on: out of the collector's full
            # passes, which otherwise walk it all again during every large refresh (35-85 ms pauses measured
            # at 2,000 schedules)
            gc.freeze()
        if not self._services_asked:
            self._services_asked = True  # once per run: the Services submenu and page (the page can reload them)
            self.people.load_menu_services()

    def shown_state(self, view: AccountView | None = None) -> RefreshState:
        """An account's refresh state (the first's by default) with acknowledges and resolves that PagerDuty has
        not reported back yet."""
        refresh, actions = (self.refresh, self.actions) if view is None else (view.refresh, view.controllers.actions)
        state = refresh.state
        if state.snapshot is None or not actions.shown:
            return state
        return replace(state, snapshot=replace(state.snapshot, incidents=actions.incidents(state.snapshot)))

    def _refresh_other_settings(self) -> None:
        """Accounts after the first take their part of the settings again (a star, a save)."""
        from pdtray.app.accounts import accounts_of, settings_for

        by_name = {a.name: a for a in accounts_of(self.settings)[1:]}
        for other in self.other_accounts:
            if other.account.name in by_name:
                other.account = by_name[other.account.name]
                other.settings = settings_for(self.settings, other.account)

    def _attach_controllers(self, other: OtherAccount) -> None:
        """The popup's timelines, actions and people for an account after the first, on its own session."""
        from pdtray.ui.other_accounts import AccountControllers
        from pdtray.ui.people_controller import PeopleController

        timelines = TimelineLoader(other.session, parent=other)
        timelines.loaded.connect(lambda timeline, t=timelines: self._on_timeline(timeline, t))
        timelines.failed.connect(
            lambda schedule_id, error, t=timelines: self._on_timeline_failed(schedule_id, error, t)
        )
        actions = ActionsController(
            other.session,
            other.refresh,
            popup=self._ensure_popup,
            tz=lambda: self.tz,
            render=self._render_soon.start,
            reload_timeline=timelines.request,
            parent=other,
        )
        people = PeopleController(
            other.session,
            popup=self._ensure_popup,
            existing_popup=lambda: self.popup,
            tz=lambda: self.tz,
            watched=lambda o=other: [ref.id for ref in watched_refs(o.refresh.state, o.settings)],
            parent=other,
        )
        other.attach(AccountControllers(timelines, actions, people))

    def view(self) -> AccountView:
        """The account the popup shows."""
        from pdtray.app.accounts import FIRST_ACCOUNT
        from pdtray.ui.other_accounts import AccountControllers, AccountView

        if self.active_index and self.active_index <= len(self.other_accounts):
            other = self.other_accounts[self.active_index - 1]
            return AccountView(other.account.name, other.settings, other.refresh, other.controllers, other.on_call)
        controllers = AccountControllers(self.timelines, self.actions, self.people)
        return AccountView(FIRST_ACCOUNT, self.settings, self.refresh, controllers, self._who_is_on_call)

    def _popup_shows(self, account: int | OtherAccount) -> bool:
        """Whether the popup is on screen showing ``account`` (0 the first, or one of other_accounts)."""
        if self.popup is None or not self.popup.isVisible():
            return False
        if isinstance(account, int):
            return account == self.active_index
        return account in self.other_accounts and self.other_accounts.index(account) + 1 == self.active_index

    def choose_account(self, index: int) -> None:
        """The popup shows another account: its schedules, incidents, services and people, and acts on it."""
        if index == self.active_index or not 0 <= index <= len(self.other_accounts):
            return
        self.active_index = index
        popup = self._ensure_popup()
        popup.person.clear()
        popup.services.loaded = False
        popup.services.show_list() if popup.stack.currentWidget() is popup.services else popup.show_schedules()
        self._rows_key = None
        self.render()
        self.view().refresh.looked_at()

    def render(self) -> None:
        self._render_soon.stop()
        now = datetime.now(UTC)
        state = self.shown_state()
        # one tick for everything drawn: the icon, the tooltip, the menu and the popup all read the rows at ``now``
        on_call = self._who_is_on_call(state.snapshot.rows_known, now) if state.snapshot else {}
        look = tray_look(state, self.settings, now, self.tz, on_call=on_call)
        if self.other_accounts:
            from pdtray.app.accounts import FIRST_ACCOUNT
            from pdtray.ui.other_accounts import combined

            others = [(o.account.name, o.look(now, self.tz)) for o in self.other_accounts]
            look = combined(FIRST_ACCOUNT, look, others)
        if self.demo:
            look = look._replace(tooltip="pdtray demo account\n" + look.tooltip)
        self.tray.render(look)
        self.menu.set_incidents(look.badge)
        if self.popup is not None and self.popup.isVisible():
            self._render_view(now)
        if not self._first_answer_armed and (state.error is not None or (state.snapshot and not state.from_cache)):
            # after this turn of the event loop, in which the drawing reaches the panel
            self._first_answer_armed = True
            self._first_answer_timer.start(0)

    def _who_is_on_call(self, rows: tuple[OnCall, ...], now: datetime) -> dict[str, ScheduleOnCall]:
        """Who is on call by schedule. Thousands of rows are worked out on a worker thread: until that answer
        is in (well under a second), the tray keeps showing the last one, all of it from the same answer."""
        known = self._on_call_at.known(rows, now)
        if known is not None:
            return known
        if len(rows) < THREADED_ROWS:
            return self._on_call_at(rows, now)
        if self._on_call_task is None or self._on_call_task.done():
            self._on_call_task = asyncio.ensure_future(self._work_out_on_call(rows, now))
        return self._on_call_at.last

    async def _work_out_on_call(self, rows: tuple[OnCall, ...], now: datetime) -> None:
        await off_the_loop(self._on_call_at, rows, now)
        self._render_soon.start()

    async def _rows_off_thread(
        self,
        key: tuple[object, ...],
        schedules: list[Schedule],
        on_call: dict[str, ScheduleOnCall],
        starred: list[str],
        now: datetime,
        tz: tzinfo | None,
    ) -> None:
        from pdtray.ui.schedule_list import build_rows, in_list_order, row_update

        if self.popup is None:
            return
        base = self.popup.schedules.model.rows

        def work() -> RowUpdate:  # building, ordering and comparing 2,000 rows: all off the UI thread
            return row_update(base, in_list_order(build_rows(schedules, on_call, starred, now, tz)))

        update = await off_the_loop(work)
        if key == self._rows_key and self.popup is not None:
            self.popup.schedules.apply(update)

    def _render_view(self, now: datetime) -> None:
        """The popup, for the account it shows."""
        view = self.view()
        state = self.shown_state(view if self.active_index else None)
        on_call = view.on_call(state.snapshot.rows_known, now) if state.snapshot else {}
        self._render_popup(state, now, on_call)

    def _render_popup(self, state: RefreshState, now: datetime, on_call: dict[str, ScheduleOnCall]) -> None:
        from pdtray.ui.schedule_list import build_rows

        popup = self.popup
        assert popup is not None
        tz = self.tz
        snapshot = state.snapshot
        view = self.view()
        starred = [ref.id for ref in watched_refs(state, view.settings)] if state.schedules else []
        key = (id(state.schedules), id(on_call), tuple(starred), now.replace(second=0, microsecond=0), tz)
        if key != self._rows_key:
            self._rows_key = key
            schedules = list(state.schedules)
            if len(schedules) < THREADED_LIST_SIZE:
                popup.schedules.set_rows(build_rows(schedules, on_call, starred, now, tz))
            else:
                # thousands of rows: worked out on a worker thread (the UI thread keeps its frames), shown when
                # ready unless a newer render has asked for other rows meanwhile
                self._rows_task = asyncio.ensure_future(
                    self._rows_off_thread(key, schedules, on_call, starred, now, tz)
                )
        if not state.schedules:
            if state.error is not None:
                message = str(state.error)
            elif state.refreshing or state.schedules_at is None:
                message = "Loading schedules…"
            else:
                message = "This account has no schedules."
            popup.schedules.set_message(message)
        else:
            popup.schedules.set_message(None)
        banner = "\n".join([*self.settings_warnings, *([self._state_problem] if self._state_problem else [])])
        if state.error is not None:
            banner = (banner + "\n" if banner else "") + str(state.error)
        needs_settings = isinstance(state.error, CredentialsError | ConfigurationError)
        popup.set_banner(banner or None, settings=needs_settings)
        if state.refreshing:
            status = "Refreshing…"
        elif snapshot is not None:
            status = f"Updated {clock(snapshot.taken_at, tz)}" + (" (out of date)" if state.stale else "")
        else:
            status = ""
        if self.demo:
            status = "Demo account · " + status
        elif self.other_accounts:
            status = f"{view.name} · {status}"
        popup.status.setText(status)
        popup.timeline.tick(now, tz)
        incidents = snapshot.incidents if snapshot else None
        popup.incidents.set_incidents(incidents, now, view.controllers.actions.pending)
        count, urgent = incident_badge(incidents or ())
        popup.set_incident_count(count, urgent)

    # -- popup --------------------------------------------------------------------------------------------------

    def _ensure_popup(self) -> Popup:
        if self.popup is None:
            from pdtray.ui.popup import Popup

            popup = Popup(as_window=not self.tray.available)
            popup.settings_requested.connect(self.open_settings)
            popup.refresh_requested.connect(lambda: self.view().refresh.refresh_now(schedules=True))
            popup.schedules.open_timeline.connect(self.open_timeline)
            popup.schedules.star_toggled.connect(self.toggle_star)
            popup.timeline.reload_requested.connect(lambda *a: self.view().controllers.timelines.request(*a))
            popup.timeline.open_url_requested.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
            popup.timeline.take_requested.connect(lambda *a: self.view().controllers.actions.take_shift(*a))
            popup.timeline.add_requested.connect(lambda *a: self.view().controllers.actions.add_me(*a))
            popup.incidents.acknowledge_requested.connect(lambda i: self.view().controllers.actions.acknowledge(i))
            popup.incidents.resolve_requested.connect(lambda i: self.view().controllers.actions.resolve(i))
            popup.incidents.open_url_requested.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
            popup.incidents.page_requested.connect(lambda: self.view().controllers.actions.open_page_dialog())
            popup.timeline.person_requested.connect(lambda *a: self.view().controllers.people.open_person(*a))
            popup.schedules.person_requested.connect(lambda *a: self.view().controllers.people.open_person(*a))
            popup.person.open_url_requested.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
            popup.person.page_requested.connect(lambda who: self.view().controllers.actions.page_person(who))
            popup.services.open_url_requested.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
            popup.services.page_policy_requested.connect(
                lambda policy, service: self.view().controllers.actions.page_policy(policy, service)
            )
            self.people.fill_popup(popup)
            popup.services.list_requested.connect(lambda: self.view().controllers.people.load_services())
            popup.services.escalation_requested.connect(lambda i: self.view().controllers.people.open_escalation(i))
            popup.services.person_requested.connect(lambda *a: self.view().controllers.people.open_person(*a))
            popup.services.changes_requested.connect(lambda i: self.view().controllers.people.load_changes(i))
            popup.set_accounts([self.view().name] + [o.account.name for o in self.other_accounts])
            popup.account_chosen.connect(self.choose_account)
            self.popup = popup
        return self.popup

    def open_popup(self) -> None:
        popup = self._ensure_popup()
        self._show_popup(popup)

    def _show_popup(self, popup: Popup) -> None:
        """Brings the popup up to date (it is not redrawn while hidden) and shows it."""
        now = datetime.now(UTC)
        self._render_view(now)
        self.view().refresh.looked_at()
        self.notifier.withdraw_all()
        if popup.as_window:
            popup.show_now()
        else:
            popup.popup_at(self.tray.anchor(), self.tray.geometry())

    def open_service(self, service_id: str, name: str) -> None:
        """The popup on a service's escalation chain (from the tray menu's Services submenu)."""
        popup = self._ensure_popup()
        popup.show_services()
        self.people.open_escalation(service_id, name)
        if not popup.isVisible():
            self._show_popup(popup)

    def copy_who_is_on_call(self) -> None:
        """Who is on call on the watched schedules, as one line for a chat topic, to the clipboard."""
        from pdtray.oncall.summary import chat_summary

        now = datetime.now(UTC)
        snapshot = self.shown_state().snapshot
        on_call = self._who_is_on_call(snapshot.rows_known, now) if snapshot else {}
        watched = watched_refs(self.refresh.state, self.settings)
        self.people.copy_text(chat_summary(watched, on_call, now, self.tz))

    def open_incidents(self) -> None:
        popup = self._ensure_popup()
        popup.show_incidents()
        if not popup.isVisible():
            self._show_popup(popup)

    def toggle_popup(self) -> None:
        if self.popup is not None and self.popup.isVisible():
            self.popup.hide()
        elif self.popup is not None and self.popup.just_clicked_away():
            return  # the click on the icon that closed the popup by taking the focus from it
        else:
            self.open_popup()

    def _no_tray(self) -> None:
        popup = self._ensure_popup()
        popup.set_window_mode(True)
        self._show_popup(popup)

    def open_timeline(self, schedule_id: str) -> None:
        popup = self._ensure_popup()
        view = self.view()
        schedule = next((s for s in view.refresh.state.schedules if s.id == schedule_id), None)
        popup.timeline.show_loading(
            schedule_id, schedule.name if schedule else schedule_id, schedule.html_url if schedule else None
        )
        popup.show_timeline_page()
        view.controllers.timelines.request(schedule_id, popup.timeline.hours)

    def _on_timeline(self, timeline: Timeline, loader: TimelineLoader | None = None) -> None:
        view = self.view()
        if loader is not None and loader is not view.controllers.timelines:
            return  # an answer for an account the popup no longer shows
        view.refresh.learn_schedule(timeline.schedule)
        if self.popup is not None:
            self.popup.timeline.show_timeline(timeline, datetime.now(UTC), self.tz)

    def _on_timeline_failed(
        self, schedule_id: str, error: PagerDutyError, loader: TimelineLoader | None = None
    ) -> None:
        if loader is not None and loader is not self.view().controllers.timelines:
            return
        if self.popup is not None and self.popup.timeline.schedule_id == schedule_id:
            self.popup.timeline.show_error(str(error))

    def toggle_star(self, schedule_id: str) -> None:
        """Starring makes the watched list explicit, starting from what was watched by default."""
        view = self.view()
        current = [ref.id for ref in watched_refs(view.refresh.state, view.settings)]
        watched = [s for s in current if s != schedule_id] if schedule_id in current else [*current, schedule_id]
        if self.active_index:
            changed = [
                dict(a, watched_schedules=watched) if a["name"] == view.name else a for a in self.settings.accounts
            ]
            new_settings = updated(self.settings, accounts=changed)
        else:
            new_settings = updated(self.settings, watched_schedules=watched)
        try:
            self._save(new_settings)
            if self.active_index:
                self._refresh_other_settings()
        except OSError as exc:
            # the star goes back (render below draws the settings as they are) and the popup says why
            self.settings_warnings = [
                f"Could not save the watched schedules in {config_dir()} ({exc.strerror or exc}); the change was "
                "not kept. Free some disk space or check the folder's permissions, then star it again."
            ]
        else:
            self.coverage.check()
        self.render()

    # -- settings -----------------------------------------------------------------------------------------------

    def token_status(self) -> TokenStatus:
        """Reads the keyring: call it off the UI thread (see :meth:`open_settings`)."""
        from pdtray.ui.settings_dialog import TokenStatus

        if os.environ.get(TOKEN_ENV, "").strip():
            return TokenStatus(from_environment=True)
        from pdtray.app.sign_in import read_sign_in

        try:
            return TokenStatus(stored=read_keyring_token() is not None, signed_in=read_sign_in() is not None)
        except KeyringUnavailableError as exc:
            return TokenStatus(keyring_problem=str(exc))

    def open_settings(self, first_run: bool = False) -> None:
        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            self.settings_dialog.raise_()
            self.settings_dialog.activateWindow()
            return
        self._spawn(self._open_settings(first_run))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)  # asyncio keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)

    async def _open_settings(self, first_run: bool) -> None:
        from pdtray.ui.settings_dialog import SettingsDialog, TokenStatus

        if self.demo:
            status = TokenStatus(demo=True)
        else:
            try:
                status = await off_the_ui_thread(self.token_status, timeout=SETTINGS_KEYRING_WAIT)
            except KeyringUnavailableError as exc:
                status = TokenStatus(keyring_problem=str(exc))
        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            return  # opened twice while the keyring was being asked
        # The desktop's own startup settings may have changed it since: show what will really happen at login.
        shown = replace(self.settings, launch_at_login=self.autostart.is_enabled())
        dialog = SettingsDialog(
            shown,
            list(self.refresh.state.schedules),
            status,
            first_run=first_run,
            default_watched=[
                ref.id for ref in watched_refs(self.refresh.state, replace(self.settings, watched_schedules=[]))
            ],
        )

        dialog.test_requested.connect(self._test_connection)
        dialog.save_requested.connect(self._save_from_dialog)
        dialog.sign_in_requested.connect(lambda *args: self._spawn(self._sign_in(*args)))
        dialog.demo_requested.connect(self.use_demo)
        self.settings_dialog = dialog
        dialog.open()  # not exec(): a nested event loop would stall the asyncio tasks
        dialog.raise_()
        dialog.activateWindow()

    async def _sign_in(self, client_id: str, region: str, url: str) -> None:
        """Sign in with PagerDuty: the browser, then the tokens into the keyring, then the account's data."""
        from pdtray.app.sign_in import sign_in, store_sign_in
        from pdtray.pagerduty.oauth import identity_url

        dialog = self.settings_dialog
        try:
            identity = identity_url(region, url or os.environ.get(API_URL_ENV) or None)
            signed_in = await sign_in(identity, client_id, lambda link: QDesktopServices.openUrl(QUrl(link)))
            await off_the_ui_thread(lambda: store_sign_in(signed_in))
            # a pasted key would win over the sign-in: signing in replaces it
            await off_the_ui_thread(delete_keyring_token)
            connection = await off_the_ui_thread(
                lambda: resolve_connection(replace(self.settings, region=region, api_url=url))
            )
            async with connection.client() as client:
                me = await queries.me(client)
        except PagerDutyError as exc:
            if dialog is not None:
                dialog.show_sign_in_result(False, str(exc))
            return
        if dialog is not None:
            dialog.show_sign_in_result(True, f"Signed in as {me.display_name}. Save to use this account.")
        if not self.demo:
            self.refresh.reconnect()

    def _test_connection(self, token: str | None, region: str, url: str) -> None:
        self._spawn(self._test_connection_async(token, region, url))

    async def _test_connection_async(self, token: str | None, region: str, url: str) -> None:
        try:
            typed = Token(token, TokenOrigin.KEYRING) if token else None
            settings = replace(self.settings, region=region, api_url=url)
            # without a typed token this reads the keyring
            connection = await off_the_ui_thread(lambda: resolve_connection(settings, token=typed))
            if typed is not None:
                check_token(typed.value)
        except PagerDutyError as exc:
            if self.settings_dialog is not None:
                self.settings_dialog.show_test_result(False, str(exc))
            return
        self.tester.start(connection)

    def _on_tested(self, result: TestResult) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.show_test_result(result.ok, result.message)

    def _save_from_dialog(self, settings: Settings, token: str | None) -> None:
        self._spawn(self._save_from_dialog_async(settings, token))

    async def _save_from_dialog_async(self, settings: Settings, token: str | None) -> None:
        dialog = self.settings_dialog
        if token is not None:
            try:
                check_token(token)
                await off_the_ui_thread(lambda: write_keyring_token(token))
            except (KeyringUnavailableError, MalformedTokenError) as exc:
                if dialog is not None:
                    dialog.show_save_error(str(exc))
                return
        if settings.launch_at_login != self.autostart.is_enabled():
            try:
                autostart.apply(settings.launch_at_login, self.autostart)
            except AutostartError as exc:
                if dialog is not None:
                    dialog.show_save_error(str(exc))
                return
        connection_changed = token is not None or (settings.region, settings.api_url) != (
            self.settings.region,
            self.settings.api_url,
        )
        try:
            self._save(settings)
        except OSError as exc:
            if dialog is not None:
                dialog.show_save_error(f"Could not save the settings in {config_dir()}: {exc.strerror}")
            return
        self.settings_warnings = []
        if dialog is not None:
            dialog.accept()
        self.refresh.set_poll_interval(settings.poll_interval)
        self.reminders.set_settings(settings)
        self._apply_tray_variant()
        self.coverage.check()  # switched on, or other schedules watched
        if connection_changed and not self.demo:
            self.refresh._cache_path = self._cache_path()  # type: ignore[assignment]
            self.refresh.reconnect()
        self.render()

    def _open_from_menu(self, target: tuple[str, str | None]) -> None:
        kind, schedule_id = target
        if kind == "incidents":
            self.open_incidents()
            return
        if kind == "schedule" and schedule_id:
            self.open_timeline(schedule_id)
        else:
            self._ensure_popup().show_schedules()
        popup = self._ensure_popup()
        if not popup.isVisible():
            self._show_popup(popup)

    def _on_state_save(self, problem: str) -> None:
        if problem != self._state_problem:
            self._state_problem = problem
            self.render()

    def _apply_tray_variant(self) -> None:
        """The panel's colours changed (a dark theme at dusk) or the setting did: redraw with the matching set."""
        self.tray.set_variant(tray_variant(self.settings.tray_icons))

    def _save(self, settings: Settings) -> None:
        """Saves this process's changes on top of what is on disk now, so that an edit made to settings.json
        while pdtray ran is not overwritten with the values pdtray started with."""
        merged = merged_with_disk(self.settings, settings)
        save_settings(merged)
        self.settings = merged

    # -- the rest of the menu -----------------------------------------------------------------------------------

    def pause(self, how: str | None) -> None:
        now = datetime.now(UTC)
        until: datetime | None
        if how is None:
            until = None
        elif how == "hour":
            until = now + timedelta(hours=1)
        else:
            local = now.astimezone(self.tz) if self.tz else now.astimezone()
            tomorrow = (local + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
            until = tomorrow.astimezone(UTC)
        self.reminders.set_pause(until)
        self._show_pause()

    @property
    def paused_until(self) -> datetime | None:
        return self.reminders.paused_until

    def _show_pause(self) -> None:
        until = self.reminders.paused_until
        self.menu.set_paused(format_at(until, datetime.now(UTC), self.tz) if until else None)

    def _open_from_notification(self, schedule_id: str | None) -> None:
        if schedule_id:
            self.open_timeline(schedule_id)
            popup = self._ensure_popup()
            if not popup.isVisible():
                self._show_popup(popup)
        else:
            self.open_popup()

    async def _handover(self, shift: MyShift) -> User | None:
        me = self.refresh.state.snapshot.mine.user.id if self.refresh.state.snapshot else None
        return await self.session.handover(shift, me)

    def _notification_state_path(self) -> Path:
        name = "notifications-demo.json" if self.demo else "notifications.json"
        return state_path().with_name(name)

    def about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About pdtray", "", QMessageBox.StandardButton.Close)
        box.setIconPixmap(app_icon().pixmap(64, 64))
        box.setText(f"<b>pdtray {__version__}</b>")
        box.setInformativeText(
            "PagerDuty on-call in the desktop tray: who is on call now, and a warning before your own shift starts."
            f"<br><br>Settings: {config_dir()}<br>Log: {log_file()}"
        )
        open_logs = box.addButton("Open log folder", QMessageBox.ButtonRole.ActionRole)
        open_logs.clicked.connect(self.open_log_folder)
        self._about = box  # held while open: a non-modal box with no owner would be collected
        box.open()

    def open_log_folder(self) -> None:
        folder = log_file().parent
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
