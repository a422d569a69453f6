"""One full refresh's answer: who is on call now, my shifts and my open incidents.

Plain data, shared by the refresh and the cache."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from pdtray.oncall import MyShifts, OnCall
from pdtray.oncall.incidents import Incident


@dataclass(frozen=True)
class Snapshot:
    taken_at: datetime
    on_call_now: tuple[OnCall, ...]
    mine: MyShifts
    #: my open incidents; None when they could not be fetched (the on-call data is still good)
    incidents: tuple[Incident, ...] | None = None
    #: when ``incidents`` were read, if earlier than ``taken_at``: this refresh could not read them, and the last
    #: good list is carried over (shown as such) rather than shown as "no incidents"
    incidents_at: datetime | None = None
    #: False when the account has more on-call rows than PagerDuty lets a client read (its 10,000 offset cap):
    #: the watched schedules are complete, others may be missing
    complete: bool = True

    @cached_property
    def rows_known(self) -> tuple[OnCall, ...]:
        """Every on-call row this refresh brought: who was on call then, and my shifts of the next 7 days.

        Read at any later moment (``active_rows``/``by_schedule`` with ``now``), they say who is on call then as
        far as is known: at my handover the icon, the tooltip and the popup all show me on call at the same tick,
        rather than the icon alone until the next refresh. The same tuple each time it is read, so that work
        done on it can be remembered (:class:`pdtray.oncall.current.OnCallAt`)."""
        return (*self.on_call_now, *self.mine.on_call_now, *self.mine.upcoming)

    def next_change(self, now: datetime, schedule_ids: frozenset[str] | None = None) -> datetime | None:
        """The next moment after ``now`` at which a known row starts or ends: on the watched schedules (all if
        None) and in my own shifts. A refresh then brings the real new state."""
        # one pass, comparing only ends sooner than the soonest so far: run after every refresh, over 6,000 rows
        # on a large account (a list of every end, then min(), took 8 ms of the UI thread there)
        soonest: datetime | None = None
        for row in self.on_call_now:
            end = row.end
            if end is None or end <= now or (soonest is not None and end >= soonest):
                continue
            if schedule_ids is None or (row.schedule is not None and row.schedule.id in schedule_ids):
                soonest = end
        for row in (*self.mine.on_call_now, *self.mine.upcoming):
            for moment in (row.start, row.end):
                if moment is not None and moment > now and (soonest is None or moment < soonest):
                    soonest = moment
        return soonest

    def schedules_to_read_again(self, now: datetime, watched: Iterable[str]) -> list[str]:
        """What a refresh between two whole reads of a large account must ask for by ID: the watched schedules
        (whose changes the tooltip and the notices show at once, overrides included) and every schedule one of
        whose rows has ended by ``now`` (its handover passed: who took over is not known). The watched first, in
        their order, then the others in the rows' order, each once."""
        wanted = dict.fromkeys(watched)
        for row in self.on_call_now:
            if row.schedule is not None and row.end is not None and row.end <= now:
                wanted.setdefault(row.schedule.id)
        return list(wanted)

    def shared_objects(self) -> dict[object, object]:
        """This answer's users and references, each as itself: decoding the next answer with these (its
        ``shared``) makes its equal ones these objects, so that a refresh of a large account holds no second copy
        of them while the two answers live (the holes the first copy leaves stay in the process's size)."""
        return {value: value for row in self.on_call_now for value in (row.user, row.escalation_policy, row.schedule)}

    def rows_kept_besides(self, schedule_ids: Iterable[str]) -> list[OnCall]:
        """This snapshot's rows other than those of ``schedule_ids``: what stands of them when only those
        schedules were read again. The rows of users an escalation rule targets directly have no schedule and
        are kept (they change only when a policy is edited, which a whole read brings)."""
        asked = frozenset(schedule_ids)
        return [row for row in self.on_call_now if row.schedule is None or row.schedule.id not in asked]
