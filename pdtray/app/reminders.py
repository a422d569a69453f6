"""Times my shift notifications: plans after every refresh, wake, clock jump, pause or settings change, and wakes
up on the exact minute of the next one. What it decides to say goes out through the ``notify`` signal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from pdtray.app.notification_state import load_state, save_state
from pdtray.app.settings import Settings
from pdtray.app.snapshot import Snapshot
from pdtray.oncall import MyShifts, Timeline, TimelineEntry, User
from pdtray.oncall.coverage import gap_key, gap_text
from pdtray.oncall.incidents import Incident, triggered
from pdtray.oncall.incidents import notice_key as incident_notice_key
from pdtray.oncall.notice_text import Message, change_message, incident_message, notice_message
from pdtray.oncall.reminders import NOTICE_GRACE, MyShift, Notice, NoticeKind, group_shifts, plan
from pdtray.oncall.shift_changes import shift_changes
from pdtray.oncall.shifts import LOOKAHEAD

log = logging.getLogger(__name__)
SNOOZE = timedelta(minutes=5)
#: wake at least this often, so a suspended timer or a changed clock is caught even without a wake signal
MAX_SLEEP = timedelta(minutes=30)
HANDOVER_TIMEOUT = 5.0

Handover = Callable[[MyShift], Awaitable[User | None]]


@dataclass(frozen=True)
class OutgoingNotice:
    key: str
    message: Message
    schedule_id: str | None
    #: the reminder behind it, for "Snooze 5 min"; None for other kinds
    reminder: Notice | None = None
    urgent: bool = False
    #: the incident a "newly triggered" notice is about, for "Acknowledge" and "Open"
    incident: Incident | None = None


class ReminderScheduler(QObject):
    notify = Signal(object)  # OutgoingNotice
    #: what went wrong keeping the record of sent notifications ("" once it works again)
    save_failed = Signal(str)

    def __init__(
        self,
        settings: Settings,
        *,
        state_file: Path,
        tz: Callable[[], tzinfo | None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        handover: Handover | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self._path = state_file
        self._tz = tz
        self._clock = clock
        self._handover = handover
        self.state = load_state(state_file)
        self._snapshot: Snapshot | None = None
        self._recent: list[MyShift] = []  # shifts of the previous refresh, for end notices after a refresh
        self._snoozed: list[tuple[datetime, Notice]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.replan)

    # -- inputs -------------------------------------------------------------------------------------------------

    def update(self, snapshot: Snapshot) -> None:
        """A refresh succeeded: report changes to my shifts since the last one, then plan."""
        now = self._clock()
        if self._snapshot is not None:
            self._recent = group_shifts(self._snapshot.mine.on_call_now + self._snapshot.mine.upcoming)
        new_rows = list(snapshot.mine.on_call_now + snapshot.mine.upcoming)
        if self.settings.notify_changes and self.state.window_end is not None:
            before = group_shifts(self.state.rows)
            for change in shift_changes(before, group_shifts(new_rows), now, before_window_end=self.state.window_end):
                message = change_message(change, now, self._tz())
                key = f"change:{change.kind.value}:{change.shift.key}:{change.shift.end}"
                self._emit(OutgoingNotice(key, message, change.shift.schedule_id))
        self._notify_incidents(snapshot, now)
        self._snapshot = snapshot
        self.state.rows = new_rows
        self.state.window_end = snapshot.taken_at + LOOKAHEAD
        self._save(now)
        self.replan()

    def _notify_incidents(self, snapshot: Snapshot, now: datetime) -> None:
        """Each incident triggered for me is told once, also across restarts; one already acknowledged is not.
        A pause holds them: an incident still waiting when the pause ends is told at the next refresh."""
        if not self.settings.notify_incidents or snapshot.incidents is None or self.paused_until is not None:
            return
        for incident in triggered(snapshot.incidents):
            key = incident_notice_key(incident)
            if key in self.state.sent:
                continue
            self.state.sent[key] = now
            message = incident_message(incident, now, self._tz())
            self._emit(OutgoingNotice(key, message, None, urgent=incident.urgency == "high", incident=incident))

    def report_gaps(self, timeline: Timeline, gaps: list[TimelineEntry]) -> None:
        """Coverage gaps found in a watched schedule: each told once, unless paused (then found again later)."""
        if not self.settings.notify_coverage_gaps or self.paused_until is not None:
            return
        now = self._clock()
        for gap in gaps:
            key = gap_key(timeline, gap)
            if key in self.state.sent:
                continue
            self.state.sent[key] = now
            self._save(now)
            title, body = gap_text(timeline, gap, now, self._tz())
            self._emit(OutgoingNotice(key, Message(title, body), timeline.schedule.id))

    def use_state_file(self, path: Path) -> None:
        """Another account (the demo, say): its own record of what was sent and of my shifts."""
        self._path = path
        self.state = load_state(path)
        self._snapshot = None
        self._recent = []

    def set_settings(self, settings: Settings) -> None:
        self.settings = settings
        self.replan()

    def set_pause(self, until: datetime | None) -> None:
        self.state.paused_until = until
        self._save(self._clock())
        self.replan()

    @property
    def paused_until(self) -> datetime | None:
        now = self._clock()
        until = self.state.paused_until
        return until if until is not None and until > now else None

    def snooze(self, notice: Notice) -> None:
        """Tells the same reminder again in 5 minutes, unless the shift has started by then."""
        self._snoozed.append((self._clock() + SNOOZE, notice))
        self.replan()

    # -- planning -----------------------------------------------------------------------------------------------

    def replan(self) -> None:
        now = self._clock()
        snapshot = self._snapshot
        if snapshot is None:
            return
        mine = snapshot.mine
        # shifts of the previous refresh that ended just now still get their end notice
        known = {(s.source_id, s.start) for s in group_shifts(mine.on_call_now + mine.upcoming)}
        ended = [
            r
            for s in self._recent
            if (s.source_id, s.start) not in known and s.end and now - s.end < NOTICE_GRACE
            for r in s.rows
        ]
        shifts = MyShifts(mine.user, mine.on_call_now + tuple(ended), mine.upcoming)
        result = plan(
            shifts,
            now,
            leads=[timedelta(seconds=s) for s in self.settings.lead_times],
            sent=self.state.sent_keys(),
            notify_start=self.settings.notify_shift_start,
            notify_end=self.settings.notify_shift_end,
            paused_until=self.state.paused_until,
        )
        for key in result.settled:
            self.state.sent[key] = now
        for notice in result.due:
            self.state.sent[notice.key] = now
        if result.due or result.settled:
            self._save(now)  # before sending: a crash must not lead to a second copy
        for notice in result.due:
            self._send(notice, now)
        next_at = result.next_at
        for when, notice in list(self._snoozed):
            if notice.shift.start <= now:
                self._snoozed.remove((when, notice))
            elif when <= now and self.paused_until is None:
                self._snoozed.remove((when, notice))
                self._send(notice, now)
            else:
                next_at = when if next_at is None else min(next_at, when)
        self._arm(next_at, now)

    def _arm(self, next_at: datetime | None, now: datetime) -> None:
        wait = MAX_SLEEP if next_at is None else min(MAX_SLEEP, max(timedelta(0), next_at - now))
        # Qt imported here, not with the module: importing it builds Qt's whole enum namespace (15 ms), which a first
        # start does not need before its first answer is drawn (the notices are planned after it)
        from PySide6.QtCore import Qt

        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.start(int(wait.total_seconds() * 1000))
        self.next_at = next_at

    # -- output -------------------------------------------------------------------------------------------------

    def _send(self, notice: Notice, now: datetime) -> None:
        if notice.kind is NoticeKind.REMINDER and self._handover is not None and notice.shift.schedule_id:
            task = asyncio.ensure_future(self._send_with_handover(notice))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        self._emit_notice(notice, now, None)

    async def _send_with_handover(self, notice: Notice) -> None:
        assert self._handover is not None
        try:
            who = await asyncio.wait_for(self._handover(notice.shift), HANDOVER_TIMEOUT)
        except Exception as exc:  # the reminder matters more than the name in it
            log.info("could not find who hands over for %s: %s", notice.shift.source_name, exc)
            who = None
        self._emit_notice(notice, self._clock(), who)

    def _emit_notice(self, notice: Notice, now: datetime, handover: User | None) -> None:
        message = notice_message(notice, now, self._tz(), handover)
        reminder = notice if notice.kind is NoticeKind.REMINDER else None
        urgent = notice.kind is NoticeKind.REMINDER and notice.lead is not None and notice.lead <= timedelta(minutes=30)
        self._emit(OutgoingNotice(notice.key, message, notice.shift.schedule_id, reminder, urgent))

    def _emit(self, notice: OutgoingNotice) -> None:
        log.info("notify: %s", notice.message.title)
        self.notify.emit(notice)

    def _save(self, now: datetime) -> None:
        try:
            save_state(self._path, self.state, now)
        except OSError as exc:
            log.warning("could not record sent notifications in %s: %s", self._path, exc)
            self.save_failed.emit(
                f"Could not record sent notifications and the pause in {self._path.parent} "
                f"({exc.strerror or exc}): after a restart a reminder may come again and a pause may be lost. "
                "Free some disk space or check the folder's permissions."
            )
        else:
            self.save_failed.emit("")
