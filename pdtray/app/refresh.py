"""The refresh loop: asks PagerDuty who is on call and what my shifts are, every poll interval and when asked.

Runs as asyncio tasks on the qasync loop, so the UI never waits on the network. It refreshes at start, on
"Refresh now", every poll interval, after the machine wakes (the wall clock jumped past the monotonic one) and
when the network comes back. Failures back off (30 s doubling to 15 min; a 429 waits as long as PagerDuty says),
the last good data is kept and marked stale, and it is written to disk so the next start has something to show.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from pdtray.app import cache, queries
from pdtray.app.atomic_file import write_atomically
from pdtray.app.awake_clock import awake_clock
from pdtray.app.blocking import blocking_io, off_the_loop
from pdtray.app.malloc_arenas import release_free_memory
from pdtray.app.refresh_state import RefreshState
from pdtray.app.secrets import KeyringUnavailableError
from pdtray.app.session import Session
from pdtray.app.snapshot import Snapshot
from pdtray.oncall import Schedule, User
from pdtray.pagerduty import (
    BadRequestError,
    ConfigurationError,
    CredentialsError,
    NetworkError,
    PagerDutyError,
    RateLimitedError,
    ServiceError,
    TruncatedListError,
)

log = logging.getLogger(__name__)

SCHEDULES_EVERY = timedelta(hours=1)
FIRST_BACKOFF = 30.0
MAX_BACKOFF = 15 * 60.0
MAX_DELAY = 3600.0
#: an account with more on-call rows than this (ten pages of /oncalls) is read whole every WHOLE_EVERY, when the
#: popup is on screen and when asked; the refreshes between read the watched schedules and those whose handover
#: passed (Snapshot.schedules_to_read_again). A 2,000-schedule account's whole read is 60 requests: every minute,
#: 16 round trips, for lines of the popup nobody is looking at.
LARGE_ACCOUNT_ROWS = 1000
WHOLE_EVERY = timedelta(minutes=10)
#: how long a large account's cache write waits for the render of what it saves (see _save)
SAVE_AFTER_DRAWING = 0.3
#: more schedules to read again than this (a Monday 9:00 handover across the account) make a whole read cheaper
MOST_READ_AGAIN = 500
#: a refresh planned for a handover comes this long after it, when PagerDuty has the new state for certain
HANDOVER_SLACK = 2.0
#: and never sooner than this after the refresh before it
HANDOVER_MIN_DELAY = 5.0
#: credentials do not fix themselves: look again now and then, and at once when the settings change
CREDENTIALS_RETRY = 5 * 60.0
#: a whole refresh (a dozen requests with their retries) gives up after this, so that a server trickling bytes or
#: never answering shows as a problem instead of "Loading…" for ever
REFRESH_DEADLINE = 150.0
WAKE_CHECK_MS = 10_000
#: how far the wall clock may run ahead of the monotonic one between two checks before it counts as a wake
WAKE_SLACK = 20.0


def backoff_delay(failures: int) -> float:
    return min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** max(0, failures - 1))


class RefreshService(QObject):
    changed = Signal(object)  # RefreshState
    #: the machine woke from sleep or its clock jumped: reminders must be re-planned
    clock_jumped = Signal()

    def __init__(
        self,
        session: Session,
        *,
        poll_interval: int = 60,
        cache_path: Path | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        initial: RefreshState | None = None,
        watched: Callable[[], Iterable[str]] = tuple,
        looking: Callable[[], bool] = bool,
        wall_clock: Callable[[], float] = time.time,
        awake: Callable[[], float] | None = None,
        release_memory: Callable[[], object] = release_free_memory,
        parent: QObject | None = None,
    ) -> None:
        """``initial``: a state already read from the cache (the early tray did), so start() need not read it.
        ``release_memory``: gives freed memory back to the system once a refresh's cache is written."""
        super().__init__(parent)
        self._session = session
        self._initial = initial
        #: the watched schedules' IDs: asked for by ID when the account is too large to read whole
        self._watched = watched
        #: whether the popup (every schedule's line) is on screen: then each refresh reads the whole account
        self._looking = looking
        #: when the whole account was last read, and whether the next refresh must read it whole
        self._whole_at: datetime | None = None
        self._want_whole = True
        self._poll = poll_interval
        self._cache_path = cache_path
        self._clock = clock
        self._me: User | None = None
        self._failures = 0
        self._task: asyncio.Task[None] | None = None
        self._again = False
        #: stop() was called: nothing starts again, even a refresh that finished in spite of its cancel
        self._stopped = False
        self._want_schedules = True
        self.state = RefreshState()
        #: completed refresh attempts, successful or not (for tests and benchmarks)
        self.cycles = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh_now)
        self._wake_timer = QTimer(self)
        self._wake_timer.setInterval(WAKE_CHECK_MS)
        self._wake_timer.timeout.connect(self._check_clock)
        self._wall = wall_clock
        #: stands still while the machine sleeps (see awake_clock), so a wake shows as the wall clock running ahead
        self._awake = awake or awake_clock()
        self._marks = (self._wall(), self._awake())
        self._release_memory = release_memory

    # -- control ------------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Shows cached data at once (stale), then refreshes."""
        if self._initial is not None:
            self._publish(
                **{f: getattr(self._initial, f) for f in ("snapshot", "schedules", "schedules_at", "from_cache")}
            )
        elif self._cache_path is not None:
            cached = cache.load(self._cache_path)
            if cached is not None:
                self._publish(
                    snapshot=cached.snapshot,
                    schedules=cached.schedules,
                    schedules_at=cached.schedules_at,
                    from_cache=cached.snapshot is not None,
                )
        self._session.schedule_kinds = {s.id: s.kind for s in self.state.schedules}
        self._wake_timer.start()
        self.refresh_now(schedules=True)
        QTimer.singleShot(2_000, self._watch_network)  # after the first refresh: it loads a Qt plugin

    def refresh_now(self, *, schedules: bool = False, whole: bool = False) -> None:
        """Starts a refresh unless one is running; then one more follows it, so nothing asked for is lost.
        ``whole``: every schedule's rows, even on a large account (``schedules`` implies it: a person asked)."""
        self._want_schedules = self._want_schedules or schedules
        if self._stopped:
            return
        self._want_whole = self._want_whole or whole or schedules
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._timer.stop()
        self._task = asyncio.ensure_future(self._run())

    def looked_at(self) -> None:
        """The popup opened on this account. A large account's lines of the other schedules are read again
        unless read within the poll interval. Not while refreshes fail: those wait for their backoff (or for a
        person to unlock the keyring), not for the popup."""
        snapshot, now, whole_at = self.state.snapshot, self._clock(), self._whole_at
        if snapshot is None or len(snapshot.on_call_now) <= LARGE_ACCOUNT_ROWS or self.state.error is not None:
            return
        if whole_at is None or not timedelta(0) <= now - whole_at < timedelta(seconds=self._poll):
            self.refresh_now(whole=True)

    def learn_schedule(self, schedule: Schedule) -> None:
        """A shift-based schedule is listed as a bare reference; once read whole (its timeline was opened), the
        list shows its zone and description too, with no request of its own."""
        listed = self.state.schedules
        if not any(s.id == schedule.id and not s.details_known for s in listed):
            return
        updated = tuple(
            replace(schedule, used_by_policies=s.used_by_policies) if s.id == schedule.id else s for s in listed
        )
        self._publish(schedules=updated)

    def set_poll_interval(self, seconds: int) -> None:
        self._poll = seconds
        if self._timer.isActive() and self.state.error is None:
            self._schedule(float(seconds))

    def reconnect(self) -> None:
        """The token, region or URL changed: forget the client and who "me" is, and refresh at once."""
        self._session.reset()
        self._me = None
        self._failures = 0
        self.refresh_now(schedules=True)

    async def stop(self) -> None:
        """For good: a stopped service neither refreshes nor arms its timer again. A cancelled refresh can still
        finish (Python 3.11's ``asyncio.wait_for`` drops a cancel that arrives with the answer); without the flag it
        would arm the timer, and the next refresh would start after the event loop is gone."""
        self._stopped = True
        self._timer.stop()
        self._wake_timer.stop()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._session.aclose()

    # -- the refresh --------------------------------------------------------------------------------------------

    async def _run(self) -> None:
        self._publish(refreshing=True)
        delay: float | None = float(self._poll)
        try:
            client = await self._session.client()
            now = self._clock()
            previous = self.state.snapshot
            part = self._part_to_read(previous, now)
            # Who is on call first: the tooltip can show it before the (rarely changing) schedule list arrives.
            try:
                if part is None:
                    asked = queries.full_refresh(client, now, user=self._me, watched=self._watched(), previous=previous)
                else:
                    assert previous is not None and self._me is not None  # (a part needs both: _part_to_read)
                    asked = queries.refresh_of_schedules(client, now, previous, part, user=self._me)
                snapshot = await asyncio.wait_for(asked, REFRESH_DEADLINE)
            except TimeoutError:
                raise NetworkError(
                    f"PagerDuty did not finish answering within {REFRESH_DEADLINE:.0f} s; the network or a proxy "
                    "may be very slow. pdtray will try again."
                ) from None
            snapshot = self._carry_incidents_over(snapshot)
            self._session.users.learn(row.user for row in (*snapshot.on_call_now, *snapshot.mine.upcoming))
            self._me = snapshot.mine.user
            self._failures = 0
            if part is None:
                self._whole_at, self._want_whole = now, False
            stale_list = self.state.schedules_at is None or now - self.state.schedules_at >= SCHEDULES_EVERY
            if self._want_schedules or stale_list:
                self._publish(snapshot=snapshot, error=None, from_cache=False)
                try:
                    schedules = tuple(await queries.schedules(client, known=self.state.schedules))
                except TruncatedListError as exc:
                    log.warning("%s", exc)
                    schedules = tuple(exc.partial)  # type: ignore[arg-type]
                self._want_schedules = False
                self._session.schedule_kinds = {s.id: s.kind for s in schedules}
                self._publish(schedules=schedules, schedules_at=now)
            self._publish(snapshot=snapshot, error=None, from_cache=False)
            await self._save()
            self._publish(refreshing=False)
            delay = self._until_next_change(snapshot, delay)
        except asyncio.CancelledError:
            raise
        except RateLimitedError as exc:
            self._failures += 1
            # never sooner than the usual backoff: a server answering "retry after 0" for ever would make a hot loop
            # and never later than the longest backoff: the header is clamped to an hour, and a tray that says nothing
            # new for an hour because one header said "1e300" helps nobody
            delay = min(MAX_BACKOFF, max(exc.retry_after or 0.0, backoff_delay(self._failures)))
            self._fail(exc)
        except KeyringUnavailableError as exc:
            # A locked keyring asks the person to unlock it; asking again by itself every few minutes would bring
            # the prompt back each time they cancelled it. It is asked again on "Refresh now", a settings change
            # or a wake, when the person is there.
            self._session.reset()
            delay = None
            self._fail(exc)
        except (CredentialsError, ConfigurationError) as exc:
            self._session.reset()
            delay = max(float(self._poll), CREDENTIALS_RETRY)
            self._fail(exc)
        except ServiceError as exc:
            if isinstance(exc, BadRequestError):
                # a refusal of some schedules' IDs (one deleted since, say) must not come back each minute
                self._want_whole = True
            self._failures += 1
            delay = backoff_delay(self._failures)
            self._fail(exc)
        except Exception as exc:  # a bug must not stop the refreshes; it is logged with its traceback
            log.exception("refresh failed unexpectedly")
            self._failures += 1
            delay = backoff_delay(self._failures)
            self._fail(ServiceError(f"Refreshing failed unexpectedly ({type(exc).__name__}); see the log."))
        finally:
            self.cycles += 1
        if self._stopped:
            return
        if self._again:
            self._again = False
            self._task = asyncio.ensure_future(self._run())
        elif delay is None:
            self._publish(next_at=None)
        else:
            self._schedule(delay)

    def _until_next_change(self, snapshot: Snapshot, poll: float | None) -> float | None:
        """Sooner than the poll interval when a watched schedule or my own shift changes hands before it: a
        refresh just after the handover shows the new person on call, not only at the next poll."""
        if poll is None:
            return None
        now = self._clock()
        change = snapshot.next_change(now, frozenset(self._watched()))
        if change is None:
            return poll
        return min(poll, max(HANDOVER_MIN_DELAY, (change - now).total_seconds() + HANDOVER_SLACK))

    def _part_to_read(self, previous: Snapshot | None, now: datetime) -> list[str] | None:
        """The schedules this refresh reads again, or None to read the whole account: a small account, a first
        refresh, one asked for by a person, the popup on screen, a whole read over WHOLE_EVERY ago (or in the
        future: the clock went back), or too many handovers at once."""
        whole_at = self._whole_at
        if (
            self._want_whole
            or previous is None
            or self._me is None
            or whole_at is None
            or len(previous.on_call_now) <= LARGE_ACCOUNT_ROWS
            or not timedelta(0) <= now - whole_at < WHOLE_EVERY
            or self._looking()
        ):
            return None
        # a watched ID no longer in the account's list is not asked for: PagerDuty may refuse the whole request
        listed = {s.id for s in self.state.schedules}
        watched = [i for i in self._watched() if i in listed or not listed]
        part = previous.schedules_to_read_again(now, watched)
        return part if len(part) <= MOST_READ_AGAIN else None

    def _carry_incidents_over(self, snapshot: Snapshot) -> Snapshot:
        """My incidents could not be read this time: keep the last ones (with their age) instead of none."""
        previous = self.state.snapshot
        if snapshot.incidents is not None or previous is None or previous.incidents is None:
            return snapshot
        return replace(snapshot, incidents=previous.incidents, incidents_at=previous.incidents_at or previous.taken_at)

    def _fail(self, exc: PagerDutyError) -> None:
        log.warning("refresh failed: %s", exc)
        self._publish(error=exc, refreshing=False)

    def _schedule(self, delay: float) -> None:
        if self._stopped:
            return
        delay = min(max(delay, 1.0), MAX_DELAY)  # QTimer takes a 32-bit count of milliseconds
        self._timer.start(int(delay * 1000))
        self._publish(next_at=self._clock() + timedelta(seconds=delay))

    def _publish(self, **changes: object) -> None:
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        self.changed.emit(self.state)

    async def _save(self) -> None:
        """Writes the cache off the UI thread: its encoding with the other pure work, its write (an fsync) on a
        thread of its own. A large account's cache waits until the new state has been drawn: encoding 6,000 rows
        beside the render shares the interpreter with it, and made the render take twice as long."""
        if self._cache_path is None:
            return
        state = self.state
        if state.snapshot is not None and len(state.snapshot.on_call_now) > LARGE_ACCOUNT_ROWS:
            await asyncio.sleep(SAVE_AFTER_DRAWING)
        try:
            # (the encoded text is not kept in a name: it is freed once written, before the memory is given back)
            await blocking_io(
                write_atomically,
                self._cache_path,
                await off_the_loop(cache.encode, state.snapshot, state.schedules, state.schedules_at),
            )
        except OSError as exc:
            log.warning("could not write the cache %s: %s", self._cache_path, exc)
        # what the refresh replaced and the encoding used is free now: given back to the system, from anywhere in
        # the heap (a large account's start kept 0.3-0.8 MB more otherwise); off the UI thread, which it would lock
        await blocking_io(self._release_memory)

    # -- wake and network ---------------------------------------------------------------------------------------

    def _check_clock(self) -> None:
        wall, mono = self._wall(), self._awake()
        last_wall, last_mono = self._marks
        self._marks = (wall, mono)
        if abs((wall - last_wall) - (mono - last_mono)) > WAKE_SLACK:
            log.info("clock jumped or the machine woke up: refreshing")
            self.clock_jumped.emit()
            self.refresh_now()

    def _watch_network(self) -> None:
        if self._stopped:
            return
        try:
            from PySide6.QtNetwork import QNetworkInformation

            if not QNetworkInformation.loadBackendByFeatures(QNetworkInformation.Feature.Reachability):
                return
            info = QNetworkInformation.instance()
        except (ImportError, RuntimeError, AttributeError):
            return
        if info is None:
            return

        def changed(reachability: object) -> None:
            if reachability == QNetworkInformation.Reachability.Online and self.state.error is not None:
                log.info("network is back: refreshing")
                self.refresh_now()

        info.reachabilityChanged.connect(changed)


__all__ = ["RefreshService", "RefreshState", "backoff_delay"]
