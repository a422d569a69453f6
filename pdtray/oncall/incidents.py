"""My open incidents: decoding, ordering, the tray badge and tooltip line, and which ones are new since last time.

Pure functions like the rest of the domain: the refresh passes in what PagerDuty answered and ``now``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pdtray.oncall.decode import DecodeError, _require_id, _text, decode_ref
from pdtray.oncall.display_text import one_line
from pdtray.oncall.human_time import format_duration
from pdtray.oncall.models import Ref
from pdtray.oncall.timestamps import parse_timestamp

TRIGGERED = "triggered"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
OPEN_STATUSES = (TRIGGERED, ACKNOWLEDGED)


#: PagerDuty's limit for an incident title
TITLE_LIMIT = 1024


@dataclass(frozen=True)
class Incident:
    id: str
    number: int | None
    title: str
    status: str  # triggered, acknowledged or resolved
    urgency: str  # high or low
    service: Ref
    created_at: datetime
    html_url: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def with_status(self, status: str) -> Incident:
        return replace(self, status=status)

    @property
    def label(self) -> str:
        return f"#{self.number} {self.title}" if self.number is not None else self.title


def decode_incident(obj: Any) -> Incident:
    incident_id = _require_id(obj, "incident")
    status = obj.get("status")
    if status not in (TRIGGERED, ACKNOWLEDGED, RESOLVED):
        raise DecodeError(f"incident {incident_id} with an unknown status {status!r}")
    created = obj.get("created_at")
    if not isinstance(created, str):
        raise DecodeError(f"incident {incident_id} without created_at")
    number = obj.get("incident_number")
    title = one_line(_text(obj, "title") or _text(obj, "summary") or "", TITLE_LIMIT) or f"Incident {incident_id}"
    return Incident(
        id=incident_id,
        number=number if isinstance(number, int) and not isinstance(number, bool) else None,
        title=title,
        status=status,
        urgency=obj.get("urgency") if obj.get("urgency") in ("high", "low") else "high",
        service=decode_ref(obj.get("service"), "service"),
        created_at=parse_timestamp(created),
        html_url=_text(obj, "html_url"),
    )


def decode_incidents(objs: Iterable[Any]) -> list[Incident]:
    return [decode_incident(o) for o in objs]


def ordered(incidents: Iterable[Incident]) -> list[Incident]:
    """Open ones only: triggered before acknowledged, high urgency first, newest first within each."""
    rank = {TRIGGERED: 0, ACKNOWLEDGED: 1}
    found = [i for i in incidents if i.is_open]
    return sorted(found, key=lambda i: (rank[i.status], i.urgency != "high", -i.created_at.timestamp(), i.id))


def triggered(incidents: Iterable[Incident]) -> list[Incident]:
    return [i for i in incidents if i.status == TRIGGERED]


def badge(incidents: Sequence[Incident]) -> tuple[int, bool]:
    """How many open incidents the tray icon shows, and whether any of them still waits for an acknowledgement."""
    open_ = [i for i in incidents if i.is_open]
    return len(open_), any(i.status == TRIGGERED for i in open_)


def tooltip_line(incidents: Sequence[Incident]) -> str | None:
    count, _ = badge(incidents)
    if count == 0:
        return None
    waiting = len(triggered(incidents))
    noun = "incident" if count == 1 else "incidents"
    detail = f" ({waiting} not acknowledged)" if waiting and waiting < count else ""
    if waiting == count:
        detail = " — not acknowledged" if count == 1 else " — none acknowledged"
    return f"{count} open {noun} assigned to you{detail}"


def age(incident: Incident, now: datetime) -> str:
    return format_duration(now - incident.created_at)


def notice_key(incident: Incident) -> str:
    """The key that makes "newly triggered" go out once per incident, across restarts."""
    return f"incident:{incident.id}:triggered"


def apply_status(
    incidents: Sequence[Incident], changes: Mapping[str, str], pending: Collection[str] = ()
) -> tuple[Incident, ...]:
    """The list as shown while acknowledges and resolves are on their way: each changed incident takes its new
    status. A resolved one stays listed while its request is ``pending`` (so the click shows), and leaves once
    PagerDuty agreed."""
    shown = []
    for incident in incidents:
        if incident.id in changes:
            incident = incident.with_status(changes[incident.id])
        if incident.is_open or incident.id in pending:
            shown.append(incident)
    return tuple(shown)


__all__ = [
    "ACKNOWLEDGED",
    "OPEN_STATUSES",
    "RESOLVED",
    "TRIGGERED",
    "Incident",
    "age",
    "apply_status",
    "badge",
    "decode_incident",
    "decode_incidents",
    "notice_key",
    "ordered",
    "tooltip_line",
    "triggered",
]
