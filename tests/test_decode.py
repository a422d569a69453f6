"""Reading PagerDuty's JSON: references and full objects, deleted users, nulls, flexible schedules, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pdtray.oncall import DecodeError, decode_oncalls, decode_rendered_entries, decode_schedule, decode_user
from pdtray.oncall.timestamps import parse_timestamp, to_iso

POLICY = {"id": "PEP1", "type": "escalation_policy_reference", "summary": "Platform"}


def test_user_reference_and_full_user():
    ref = decode_user({"id": "PU1", "type": "user_reference", "summary": "Alice Nguyen"})
    assert (ref.name, ref.email, ref.deleted) == ("Alice Nguyen", None, False)
    full = decode_user({"id": "PU1", "type": "user", "name": "Alice Nguyen", "email": "alice@example.com"})
    assert (full.name, full.email) == ("Alice Nguyen", "alice@example.com")


def test_deleted_user():
    gone = decode_user({"id": "PU9", "summary": "Sam Rivera", "deleted_at": "2026-11-02T10:00:00Z"})
    assert gone.deleted
    assert gone.display_name == "Sam Rivera (deleted)"
    nameless = decode_user({"id": "PU8", "deleted_at": "2026-11-02T10:00:00Z"})
    assert nameless.name == "Deleted user"


def test_oncall_rows_with_nulls_and_flexible_schedules():
    rows = decode_oncalls(
        [
            {
                "escalation_policy": POLICY,
                "escalation_level": 3,
                "schedule": None,
                "user": {"id": "PU1", "summary": "Grace Kim"},
                "start": None,
                "end": None,
            },
            {
                "escalation_policy": POLICY,
                "escalation_level": 1,
                "schedule": {"id": "PS3", "type": "schedule_v3_reference", "summary": "Flexible Platform"},
                "user": {"id": "PU2", "summary": "Bob"},
                "start": "2026-11-22T09:00:00-05:00",
                "end": "2026-11-23T09:00:00-05:00",
            },
        ]
    )
    direct, flexible = rows
    assert (direct.schedule, direct.start, direct.end, direct.permanent) == (None, None, None, True)
    assert direct.source_name == "Platform (direct)"
    assert direct.is_active(datetime(1990, 1, 1, tzinfo=UTC))
    assert flexible.schedule.name == "Flexible Platform"
    assert flexible.start == datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad",
    [
        {"escalation_policy": POLICY, "user": {"id": "PU1"}, "start": None, "end": None},  # no level
        {"escalation_policy": POLICY, "escalation_level": 1, "user": {"summary": "x"}},  # user without id
        {"escalation_policy": POLICY, "escalation_level": 1, "user": {"id": "P"}, "start": "yesterday"},
        "not an object",
    ],
)
def test_unusable_rows_raise_decode_error(bad):
    with pytest.raises(DecodeError):
        decode_oncalls([bad])


def test_schedule_and_its_entries():
    schedule = decode_schedule({"id": "PS1", "summary": "Ops", "time_zone": "Asia/Kolkata"})
    assert (schedule.name, schedule.time_zone, schedule.description) == ("Ops", "Asia/Kolkata", "")
    assert decode_rendered_entries({"id": "PS1"}) == []
    assert decode_rendered_entries({"final_schedule": {"rendered_schedule_entries": []}}) == []
    with pytest.raises(DecodeError):
        decode_rendered_entries({"final_schedule": {"rendered_schedule_entries": [{"start": "2026-11-22T00:00:00Z"}]}})


def test_timestamps_keep_their_own_offsets():
    ist = parse_timestamp("2026-11-22T09:30:00+05:30")
    assert ist.utcoffset() == timedelta(hours=5, minutes=30)
    assert ist == datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
    assert parse_timestamp("2026-11-22T04:00:00Z") == ist
    assert parse_timestamp("2026-11-22T04:00:00.000Z") == ist
    assert parse_timestamp("2026-11-22T04:00:00").tzinfo == UTC  # no offset: UTC, never the machine's zone
    assert to_iso(ist) == "2026-11-22T09:30:00+05:30"
    assert to_iso(None) is None
    with pytest.raises(ValueError):
        to_iso(datetime(2026, 11, 22))
    assert parse_timestamp("2026-11-22T09:00:00-05:00").tzinfo == timezone(timedelta(hours=-5))
