"""Changes to my upcoming shifts between two refreshes: a shift appeared, disappeared or moved.

Time passing is not a change: a shift that started or ended, or one that just came into the 7-day window as it
slid forward, is not reported. A removed and an added shift on the same schedule within a day of each other are
one shift that moved (an override or a swap).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pdtray.oncall.reminders import MyShift

#: how far a removed and an added shift on one schedule may lie apart and still count as one shift that moved
MOVE_WINDOW = timedelta(hours=24)


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"


@dataclass(frozen=True)
class ShiftChange:
    kind: ChangeKind
    #: the shift as it is now (for REMOVED: as it was)
    shift: MyShift
    #: for MOVED: the shift as it was
    before: MyShift | None = None


def _identity(shift: MyShift) -> tuple[str, datetime, datetime | None]:
    return (shift.source_id, shift.start, shift.end)


def shift_changes(
    before: Iterable[MyShift], after: Iterable[MyShift], now: datetime, *, before_window_end: datetime
) -> list[ShiftChange]:
    """``before`` came from a refresh whose 7-day window ended at ``before_window_end``; ``after`` is the latest."""
    old = {_identity(s): s for s in before if s.start > now}
    new = {_identity(s): s for s in after if now < s.start < before_window_end}
    removed = [s for k, s in old.items() if k not in new]
    added = [s for k, s in new.items() if k not in old]
    changes: list[ShiftChange] = []
    for gone in sorted(removed, key=lambda s: s.start):
        partner = next(
            (
                a
                for a in sorted(added, key=lambda s: abs((s.start - gone.start).total_seconds()))
                if a.source_id == gone.source_id and abs(a.start - gone.start) <= MOVE_WINDOW
            ),
            None,
        )
        if partner is not None:
            added.remove(partner)
            changes.append(ShiftChange(ChangeKind.MOVED, partner, gone))
        else:
            changes.append(ShiftChange(ChangeKind.REMOVED, gone))
    changes.extend(ShiftChange(ChangeKind.ADDED, a) for a in added)
    return sorted(changes, key=lambda c: c.shift.start)
