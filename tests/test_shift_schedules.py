"""Shift-based (v3) schedules: decoding, timelines with people on call at once, taking shifts, and the whole path
over real HTTP against the demo, with expectations worked out by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import run
from test_cli import cli

from pdtray.app import actions, queries
from pdtray.app.user_directory import UserDirectory
from pdtray.demo import DemoServer
from pdtray.demo.account import build_account
from pdtray.demo.faults import Canned
from pdtray.demo.shift_schedules import ShiftEvent, occurrences
from pdtray.oncall import OnCall, Ref, Schedule, User, build_timeline, by_schedule
from pdtray.oncall.decode import decode_schedule
from pdtray.oncall.decode_shifts import decode_assignments
from pdtray.oncall.models import LAYER_BASED, SHIFT_BASED
from pdtray.oncall.summary import schedule_line
from pdtray.oncall.take_shift import ADD_RESPONDER, COVER_GAP, TAKE_OVER, NothingToTake, shift_to_take
from pdtray.oncall.timeline import lane_layout
from pdtray.oncall.timeline_models import ShiftSource
from pdtray.pagerduty import NotFoundError

UTC_DAY = datetime(2026, 11, 22, tzinfo=UTC)


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    return UTC_DAY + timedelta(days=day, hours=hour, minutes=minute)


ALICE = User("PALICE", "Alice Nguyen")
CAROL = User("PCAROL", "Carol Diaz")
ME = User("PME", "Demo User")
SHIFTS = Schedule("PSHIFT", "Platform Shifts", kind=SHIFT_BASED)


def assignment(user_id: str | None, start: datetime, end: datetime, source: dict) -> dict:
    member = {"type": "user_member", "user_id": user_id} if user_id else {"type": "empty_member"}
    return {
        "type": "computed_shift_assignment",
        "start_time": start.isoformat(),
        "end_time": end.isoformat(),
        "member": member,
        "source": source,
    }


R1 = {"type": "schedule_rotation", "rotation_id": "R1"}
R2 = {"type": "schedule_rotation", "rotation_id": "R2"}

# Alice 08-20 from rotation R1, Carol 12-16 from rotation R2 (a second responder), an empty slot 20-24
SCHEDULE_JSON = {
    "id": "PSHIFT",
    "type": "schedule_v3",
    "name": "Platform Shifts",
    "time_zone": "Europe/Berlin",
    "final_schedule": {
        "type": "final_schedule",
        "rendered_coverage_percentage": 75,
        "computed_shift_assignments": [
            assignment("PALICE", at(8), at(20), R1),
            assignment("PCAROL", at(12), at(16), R2),
            assignment(None, at(20), at(24), R1),
        ],
    },
}


def timeline_of(now: datetime | None = None):
    now = now or at(13)
    shifts = decode_assignments(SCHEDULE_JSON, {"PALICE": ALICE, "PCAROL": CAROL})
    return build_timeline(decode_schedule(SCHEDULE_JSON), shifts, at(8), at(24), now, coverage=75)


def who(timeline) -> list[tuple[list[str], datetime, datetime]]:
    return [([p.name for p in e.people], e.start, e.end) for e in timeline.entries]


# -- the domain ---------------------------------------------------------------------------------------------------


def test_decoding_a_shift_based_schedule_and_its_list_reference():
    schedule = decode_schedule(SCHEDULE_JSON)
    assert (schedule.kind, schedule.details_known, schedule.time_zone) == (SHIFT_BASED, True, "Europe/Berlin")
    listed = decode_schedule({"id": "PSHIFT", "type": "schedule_v3_reference", "summary": "Platform Shifts"})
    assert (listed.name, listed.kind, listed.details_known) == ("Platform Shifts", SHIFT_BASED, False)
    assert decode_schedule({"id": "PL", "type": "schedule", "name": "Layered"}).kind == LAYER_BASED
    shifts = decode_assignments(SCHEDULE_JSON, {"PALICE": ALICE})
    assert [(s.user.name if s.user else None, s.start.hour, s.end.hour) for s in shifts] == [
        ("Alice Nguyen", 8, 20),
        ("Unknown user PCAROL", 12, 16),  # not resolved: still a person, not a gap
        (None, 20, 0),
    ]
    assert shifts[0].source == ShiftSource("schedule_rotation", rotation_id="R1")
    assert shifts[1].user.deleted  # shown as "(deleted)": nobody by that ID could be found


def test_a_timeline_with_two_people_at_once_and_an_empty_slot():
    timeline = timeline_of()
    assert who(timeline) == [
        (["Alice Nguyen"], at(8), at(12)),
        (["Alice Nguyen", "Carol Diaz"], at(12), at(16)),
        (["Alice Nguyen"], at(16), at(20)),
        ([], at(20), at(24)),  # the empty_member slot is a gap
    ]
    assert [e.current for e in timeline.entries] == [False, True, False, False]
    assert timeline.lanes == 2 and timeline.coverage == 75
    assert timeline.covered_fraction() == 12 / 16
    # Alice keeps lane 0 from 08:00 to 20:00 while Carol comes and goes in lane 1
    assert [[(lane, p.name) for lane, p in row] for row in lane_layout(timeline)] == [
        [(0, "Alice Nguyen")],
        [(0, "Alice Nguyen"), (1, "Carol Diaz")],
        [(0, "Alice Nguyen")],
        [],
    ]
    assert timeline.next_handoff(at(13)) == at(16)


def test_a_person_keeps_their_lane_when_the_one_before_them_leaves():
    bob = User("PBOB", "Bob Okafor")
    shifts = decode_assignments(
        {
            "final_schedule": {
                "computed_shift_assignments": [
                    assignment("PALICE", at(8), at(12), R1),
                    assignment("PBOB", at(10), at(14), R2),
                    assignment("PCAROL", at(12), at(14), R1),
                ]
            }
        },
        {"PALICE": ALICE, "PBOB": bob, "PCAROL": CAROL},
    )
    timeline = build_timeline(SHIFTS, shifts, at(8), at(14), at(9))
    lanes = [[(lane, p.name) for lane, p in row] for row in lane_layout(timeline)]
    # Bob stays in lane 1 at 12:00 although Alice's lane 0 frees up; Carol takes lane 0
    assert lanes == [
        [(0, "Alice Nguyen")],
        [(0, "Alice Nguyen"), (1, "Bob Okafor")],
        [(0, "Carol Diaz"), (1, "Bob Okafor")],
    ]


def test_a_dst_change_in_a_daily_rotation_keeps_the_wall_clock_handoff():
    berlin = ZoneInfo("Europe/Berlin")
    first = datetime(2026, 10, 20, 8, 0, tzinfo=berlin)
    event = ShiftEvent(
        "E",
        "Daily",
        first,
        first + timedelta(hours=12),
        "Europe/Berlin",
        ("RRULE:FREQ=DAILY",),
        first,
        None,
        "rotating_member_assignment_strategy",
        ("PALICE", "PCAROL"),
    )
    found = occurrences(event, datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 26, 12, tzinfo=UTC))
    # 08:00-20:00 in Berlin each day: 06:00-18:00 UTC in summer time, 07:00-19:00 UTC after the 25th's change
    assert [(i, s.astimezone(UTC).hour, e.astimezone(UTC).hour) for i, s, e in found] == [
        (4, 6, 18),
        (5, 7, 19),
        (6, 7, 12),  # cut at the window's end
    ]
    # turn 4 is Alice's, 5 Carol's, 6 Alice's: the rotation does not slip across the change
    assert [event.members[i % 2] for i, _, _ in found] == ["PALICE", "PCAROL", "PALICE"]


def test_no_assignments_at_all_is_one_gap():
    empty = {"type": "schedule_v3", "id": "PX", "name": "Empty", "final_schedule": {"computed_shift_assignments": []}}
    timeline = build_timeline(decode_schedule(empty), decode_assignments(empty, {}), at(8), at(10), at(9))
    assert who(timeline) == [([], at(8), at(10))] and timeline.covered_fraction() == 0


def test_taking_a_shift_overrides_the_replaced_members_rotation_for_their_whole_shift():
    shift = shift_to_take(timeline_of(), ME, now=at(13))
    # Alice is the first of the two on call at 13:00; her shift in R1 runs to 20:00 across Carol's coming and going
    assert (shift.how, shift.from_user, shift.start, shift.end) == (TAKE_OVER, ALICE, at(13), at(20))
    assert shift.source == ShiftSource("schedule_rotation", rotation_id="R1")


def test_a_gap_is_covered_and_a_responder_added_with_custom_shifts():
    gap = shift_to_take(timeline_of(), ME, now=at(13), at=at(21))
    # the gap lies ahead: it is covered from its start, not from the moment clicked in it
    assert (gap.how, gap.from_user, gap.start, gap.end) == (COVER_GAP, None, at(20), at(24))
    extra = shift_to_take(timeline_of(), ME, now=at(13), extra=True)
    assert (extra.how, extra.from_user, extra.start, extra.end) == (ADD_RESPONDER, None, at(13), at(16))
    layered = build_timeline(Schedule("PL", "Layered"), [], at(8), at(10), at(9))
    with pytest.raises(NothingToTake, match="only a shift-based schedule"):
        shift_to_take(layered, ME, now=at(9), extra=True)


def test_the_tooltip_names_everyone_on_call_on_one_schedule():
    ref = Ref("PSHIFT", "Platform Shifts")
    policy = Ref("PEP", "Platform")
    bob = User("PBOB", "Bob Okafor")
    rows = [
        OnCall(ALICE, policy, 1, ref, at(8), at(17)),
        OnCall(bob, policy, 1, ref, at(12), at(17)),
        OnCall(CAROL, policy, 2, ref, at(9), at(21)),
    ]
    line = schedule_line(ref, by_schedule(rows, at(13))["PSHIFT"], at(13), UTC)
    assert (
        line
        == "Platform Shifts — Alice Nguyen + Bob Okafor (L1), until 17:00 today; Carol Diaz (L2), until 21:00 today"
    )


# -- over HTTP against the demo -------------------------------------------------------------------------------------

START = datetime(2026, 11, 22, 14, 24, tzinfo=UTC)


@pytest.fixture
def story():
    with DemoServer(build_account(START)) as server:
        yield server


def _client(server):
    from pdtray.pagerduty import PagerDutyClient

    return PagerDutyClient(server.token, base_url=server.url)


def _paths(server, method="GET"):
    return [r.path for r in server.faults.requests if r.method == method]


def test_both_lists_merge_across_pages():
    with DemoServer(build_account(START, schedules=500)) as big:
        schedules = run(_with(big, queries.schedules))
        v3_offsets = [dict(r.query)["offset"] for r in big.faults.requests if r.path == "/v3/schedules"]
    # 17 in the base account (3 shift-based) and 483 synthetic, of which every fourth (120) is shift-based
    assert len(schedules) == 500 and len({s.id for s in schedules}) == 500
    assert sum(s.shift_based for s in schedules) == 123
    assert v3_offsets == ["0", "100"]  # 123 references: two pages of 100
    assert [s.name for s in schedules] == sorted((s.name for s in schedules), key=str.casefold)


async def _with(server, fn, *args, **kwargs):
    async with _client(server) as client:
        return await fn(client, *args, **kwargs)


def test_platform_shifts_has_two_people_on_call_now_and_full_coverage(story):
    schedule = story.account.shift_schedule_by_name("Platform Shifts")
    timeline = run(_with(story, queries.timeline, schedule.id, START, kind=SHIFT_BASED))
    # NY 09:24 at START: Alice holds the daily 08:00 handoff; the deploy watch (08:24-12:24 NY) adds Carmen
    assert [([p.name for p in e.people], e.start.astimezone(UTC), e.end.astimezone(UTC)) for e in timeline.entries] == [
        (["Alice Nguyen", "Carmen Díaz"], START, at(17, 24)),
        (["Alice Nguyen"], at(17, 24), at(13, 0, day=1)),
        (["Bob Okafor"], at(13, 0, day=1), at(13, 24, day=1)),
        (["Bob Okafor", "Carmen Díaz"], at(13, 24, day=1), START + timedelta(days=1)),
    ]
    assert timeline.coverage == 100 and timeline.lanes == 2


def test_frontend_shifts_has_an_empty_slot_partly_covered_by_a_custom_shift(story):
    schedule = story.account.shift_schedule_by_name("Frontend Shifts")
    timeline = run(_with(story, queries.timeline, schedule.id, START, kind=SHIFT_BASED))
    # Berlin 15:24 at START: Emma until 09:00 Berlin (08:00 UTC); then the empty turn, of which Grace's custom
    # shift covers 09:00-15:00 Berlin; the 24 minutes left of the window are a gap
    assert [([p.name for p in e.people], e.start.astimezone(UTC), e.end.astimezone(UTC)) for e in timeline.entries] == [
        (["Emma Schulz"], START, at(8, 0, day=1)),
        (["Grace Kim"], at(8, 0, day=1), at(14, 0, day=1)),
        ([], at(14, 0, day=1), START + timedelta(days=1)),
    ]
    assert timeline.coverage == round(100 * (24 * 60 - 24) / (24 * 60), 2)  # 98.33
    grace_source = timeline.entries[1].source_of(story.account.user_by_name("Grace Kim").id)
    assert grace_source is not None and grace_source.type == "custom_shift" and grace_source.shift_id


def test_an_id_of_unknown_kind_asks_v3_first_and_falls_back_to_v2_on_400(story):
    layered = story.account.schedule_by_name("Platform Primary")
    shifted = story.account.shift_schedule_by_name("Release Captain")
    unknown_v2 = run(_with(story, queries.timeline, layered.id, START))
    assert _paths(story) == [f"/v3/schedules/{layered.id}", f"/schedules/{layered.id}"]
    assert unknown_v2.schedule.kind == LAYER_BASED and unknown_v2.entries
    story.faults.reset()
    run(_with(story, queries.timeline, layered.id, START, kind=LAYER_BASED))
    assert _paths(story) == [f"/schedules/{layered.id}"]  # the kind known from the list: one request
    story.faults.reset()
    unknown_v3 = run(_with(story, queries.timeline, shifted.id, START))
    assert _paths(story)[0] == f"/v3/schedules/{shifted.id}" and unknown_v3.schedule.kind == SHIFT_BASED
    assert f"/schedules/{shifted.id}" not in _paths(story)


def test_a_deleted_schedule_is_named_in_a_404(story):
    with pytest.raises(NotFoundError, match="schedule PGONE00"):
        run(_with(story, queries.timeline, "PGONE00", START))


def test_people_are_looked_up_once_and_a_deleted_one_stays_on_the_timeline(story):
    sam = story.account.user_by_name("Sam Rivera")  # deactivated in the demo
    body = {
        "schedule": {
            **SCHEDULE_JSON,
            "final_schedule": {
                "computed_shift_assignments": [
                    assignment(sam.id, START, START + timedelta(hours=2), R1),
                    assignment("PGONE00", START + timedelta(hours=2), START + timedelta(hours=4), R1),
                ]
            },
        }
    }
    story.faults.queue(*[Canned.json(200, body, path_prefix="/v3/schedules/PSHIFT")] * 2)
    directory = UserDirectory()
    first = run(_with(story, queries.timeline, "PSHIFT", START, hours=4, kind=SHIFT_BASED, users=directory))
    again = run(_with(story, queries.timeline, "PSHIFT", START, hours=4, kind=SHIFT_BASED, users=directory))
    assert [e.user.display_name for e in first.entries] == ["Sam Rivera (deleted)", "Deleted user (deleted)"]
    assert [e.user.display_name for e in again.entries] == ["Sam Rivera (deleted)", "Deleted user (deleted)"]
    assert _paths(story).count(f"/users/{sam.id}") == 1 and _paths(story).count("/users/PGONE00") == 1
    assert directory.fetched == 2


def test_my_upcoming_shift_on_a_shift_based_schedule_comes_through_oncalls(story):
    async def mine(client):
        return await queries.shifts_of(client, await queries.me(client), START)

    shifts = run(_with(story, mine))
    captain = [r for r in shifts.upcoming if r.schedule and r.schedule.name == "Release Captain"]
    # START + 14 h is 05:24 Berlin, on the hour 05:00 Berlin (04:00 UTC): the demo user's four-hour window, every
    # other day (the rotation alternates with Ines) within the 7 days asked for; level 2 of "Platform Shifts"
    assert [(r.start.astimezone(UTC), r.end.astimezone(UTC), r.escalation_level) for r in captain] == [
        (at(4, 0, day=d), at(8, 0, day=d), 2) for d in (1, 3, 5, 7)
    ]


# -- changes over HTTP against a live demo (PagerDuty refuses changes in the past) ---------------------------------


def _timeline_now(demo, name: str, hours: int = 24):
    schedule = demo.account.shift_schedule_by_name(name)

    async def go(client):
        now = datetime.now(UTC)
        me = await queries.me(client)
        return now, me, await queries.timeline(client, schedule.id, now, hours=hours, kind=SHIFT_BASED)

    return run(_with(demo, go))


def test_taking_a_shift_based_shift_sends_one_override_of_that_rotation(demo):
    now, me, timeline = _timeline_now(demo, "Platform Shifts")
    shift = shift_to_take(timeline, me, now)
    taken = run(_with(demo, actions.take_shift, timeline, me, shift))
    schedule = demo.account.shift_schedule_by_name("Platform Shifts")
    [override] = schedule.overrides
    assert (override.overridden, override.overriding) == (shift.from_user.id, me.id)
    assert override.rotation_id == shift.source.rotation_id and override.custom_shift_id is None
    assert taken.how == TAKE_OVER and taken.from_user == shift.from_user
    _, _, after = _timeline_now(demo, "Platform Shifts")
    assert me.id in [p.id for p in after.current.people]
    assert shift.from_user.id not in [p.id for p in after.current.people]


def test_adding_a_responder_and_covering_a_gap_make_custom_shifts(demo):
    now, me, timeline = _timeline_now(demo, "Platform Shifts")
    before = [p.id for p in timeline.current.people]
    run(_with(demo, actions.take_shift, timeline, me, shift_to_take(timeline, me, now, extra=True)))
    _, _, after = _timeline_now(demo, "Platform Shifts")
    assert [p.id for p in after.current.people if p.id != me.id] == before  # nobody taken off call
    # the empty turn starts at the next 09:00 in Berlin and Grace covers its first six hours: its gap begins 6 to 30
    # hours from now (a 24 h timeline started between 09:00 and 15:00 Berlin time has none), two days always show it
    now, me, frontend = _timeline_now(demo, "Frontend Shifts", hours=48)
    gap = next(e for e in frontend.entries if e.is_gap)
    run(_with(demo, actions.take_shift, frontend, me, shift_to_take(frontend, me, now, at=gap.start)))
    schedule = demo.account.shift_schedule_by_name("Frontend Shifts")
    assert [c.user for c in schedule.custom_shifts][-1] == me.id
    assert schedule.overrides == []
    posted = [r.path for r in demo.faults.requests if r.method == "POST"]
    assert posted == [
        f"/v3/schedules/{demo.account.shift_schedule_by_name('Platform Shifts').id}/custom_shifts",
        f"/v3/schedules/{schedule.id}/custom_shifts",
    ]


# -- the command line ----------------------------------------------------------------------------------------------


def test_cli_timeline_and_take_on_a_shift_based_schedule(capsys, demo, monkeypatch):
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    monkeypatch.setenv("PAGERDUTY_TOKEN", demo.token)
    sid = demo.account.shift_schedule_by_name("Platform Shifts").id
    code, out, err = cli(capsys, "timeline", sid, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["kind"], data["coverage"], data["schedule"]["time_zone"]) == ("shift", 100, "America/New_York")
    current = next(e for e in data["entries"] if e["current"])
    assert [p["name"] for p in current["people"]] == ["Alice Nguyen", "Carmen Díaz"]
    assert current["user"] == current["people"][0]
    code, out, _ = cli(capsys, "timeline", sid)
    assert "Alice Nguyen + Carmen Díaz" in out and "100 % covered in these 24 h." in out
    code, out, err = cli(capsys, "take", sid, "--add", "--yes", "--json")
    assert code == 0, err
    taken = json.loads(out)
    assert (taken["change"], taken["from_user"], taken["user"]["name"]) == ("custom_shift", None, "Demo User")


def test_the_tray_tooltip_names_both_people_on_platform_shifts(qtbot, make_app):
    from pdtray.app.settings import Settings, save_settings

    account = build_account()
    shifts = account.shift_schedule_by_name("Platform Shifts")
    save_settings(Settings(watched_schedules=[shifts.id], notify_incidents=False))
    app = make_app(demo=True)
    qtbot.waitUntil(lambda: "Platform Shifts —" in app.tray.look.tooltip, timeout=15_000)
    line = next(line for line in app.tray.look.tooltip.splitlines() if line.startswith("Platform Shifts"))
    assert "Alice Nguyen" in line and "Carmen Díaz" in line and "(L1)" in line, line


def test_opening_a_shift_based_timeline_fills_in_its_list_entry(qtbot, make_app):
    app = make_app(demo=True)
    qtbot.waitUntil(lambda: bool(app.refresh.state.schedules), timeout=15_000)
    listed = next(s for s in app.refresh.state.schedules if s.name == "Frontend Shifts")
    assert (listed.details_known, listed.description) == (False, "")  # a v3 list reference: a name only
    app.open_timeline(listed.id)
    qtbot.waitUntil(
        lambda: next(s for s in app.refresh.state.schedules if s.id == listed.id).details_known, timeout=10_000
    )
    known = next(s for s in app.refresh.state.schedules if s.id == listed.id)
    assert (known.time_zone, known.kind) == ("Europe/Berlin", SHIFT_BASED)
    assert known.description.startswith("Shift-based: one day in three is left empty on purpose")
