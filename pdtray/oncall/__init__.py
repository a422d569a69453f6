"""The on-call domain: dataclasses and pure functions. No Qt, no I/O, and no clock reads: ``now`` is passed in."""

from pdtray.oncall.current import ScheduleOnCall, active_rows, by_schedule, now_window
from pdtray.oncall.decode import (
    DecodeError,
    decode_oncalls,
    decode_rendered_entries,
    decode_schedule,
    decode_user,
)
from pdtray.oncall.models import (
    MyShifts,
    OnCall,
    Ref,
    Schedule,
    ScheduledShift,
    Timeline,
    TimelineEntry,
    User,
)
from pdtray.oncall.shifts import my_shifts, shifts_window
from pdtray.oncall.timeline import build_timeline, timeline_window

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
