"""PagerDuty timestamps: each one is read with its own UTC offset, never assumed to be in local time."""

from __future__ import annotations

from datetime import UTC, datetime, timezone


def parse_timestamp(value: str) -> datetime:
    """An aware datetime that keeps the offset PagerDuty wrote ("...-05:00", "...+05:30", "...Z").

    A timestamp without an offset is taken as UTC: PagerDuty always sends one, and guessing the local zone would
    shift a shift by hours on a traveller's laptop.
    """
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        from dateutil.parser import isoparse  # only for the rarer ISO 8601 forms: week dates, "+0530" offsets

        parsed = isoparse(text)
        offset = parsed.utcoffset()
        if offset is not None:
            parsed = parsed.replace(tzinfo=timezone(offset))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse_optional(value: object) -> datetime | None:
    """None stays None: on-call rows use null start/end for "always" and "never ends"."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected a timestamp string, got {type(value).__name__}")
    return parse_timestamp(value)


def to_iso(value: datetime | None) -> str | None:
    """ISO 8601 with the offset, as the command line's JSON promises."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetimes have no place in pdtray: pass an aware one")
    return value.isoformat()
