"""The on-call domain: dataclasses and pure functions. No Qt, no I/O, and no clock reads: ``now`` is passed in.

The names below are loaded from their modules when first asked for (PEP 562), not all with the package: the tray's
first icon, drawn from the cache before the rest of the app loads, needs the models and who is on call, not the
decoders, the shift lists or the timelines (2 ms of a start that takes 150).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pdtray.oncall.current import ScheduleOnCall, active_rows, by_schedule, now_window
    from pdtray.oncall.decode import DecodeError, decode_oncalls, decode_schedule, decode_user
    from pdtray.oncall.decode_shifts import decode_rendered_entries
    from pdtray.oncall.models import MyShifts, OnCall, Ref, Schedule, User
    from pdtray.oncall.shifts import my_shifts, shifts_window
    from pdtray.oncall.timeline import build_timeline, timeline_window
    from pdtray.oncall.timeline_models import ScheduledShift, Timeline, TimelineEntry

#: each name, and the module it comes from
_HOMES = {
    "ScheduleOnCall": "current",
    "active_rows": "current",
    "by_schedule": "current",
    "now_window": "current",
    "DecodeError": "decode",
    "decode_oncalls": "decode",
    "decode_rendered_entries": "decode_shifts",
    "decode_schedule": "decode",
    "decode_user": "decode",
    "MyShifts": "models",
    "OnCall": "models",
    "Ref": "models",
    "Schedule": "models",
    "User": "models",
    "my_shifts": "shifts",
    "shifts_window": "shifts",
    "build_timeline": "timeline",
    "timeline_window": "timeline",
    "ScheduledShift": "timeline_models",
    "Timeline": "timeline_models",
    "TimelineEntry": "timeline_models",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # asked once: the next lookup is an ordinary global
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


__all__ = [
    "DecodeError",
    "MyShifts",
    "OnCall",
    "Ref",
    "Schedule",
    "ScheduleOnCall",
    "ScheduledShift",
    "Timeline",
    "TimelineEntry",
    "User",
    "active_rows",
    "build_timeline",
    "by_schedule",
    "decode_oncalls",
    "decode_rendered_entries",
    "decode_schedule",
    "decode_user",
    "my_shifts",
    "now_window",
    "shifts_window",
    "timeline_window",
]
