"""The demo account tells its story over real HTTP, and the app's queries read it correctly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import at
from conftest import run

from pdtray.app import queries
from pdtray.demo import DemoServer, build_account
from pdtray.demo.account import DEMO_SHIFT_LEAD, DEMO_SHIFT_LENGTH
from pdtray.oncall import by_schedule
from pdtray.pagerduty import PagerDutyClient

START = at(22, 14, 24)


@pytest.fixture
def story():
    with DemoServer(build_account(START)) as server:
        yield server


def _client(server: DemoServer) -> PagerDutyClient:
    return PagerDutyClient(server.token, base_url=server.url)


async def _with(server, fn, *args, **kwargs):
    async with _client(server) as client:
        return await fn(client, *args, **kwargs)


def test_demo_user_goes_on_call_ten_minutes_after_start(story):
    mine = run(_with(story, queries.full_refresh, START)).mine
    assert mine.user.email == "demo@pdtray.example"
    assert mine.on_call_now == ()
    first = mine.next_shift
    assert first.schedule.name == "Platform Primary"
    assert (first.start, first.end) == (START + DEMO_SHIFT_LEAD, START + DEMO_SHIFT_LEAD + DEMO_SHIFT_LENGTH)
    # 11 minutes in, the demo user is on call for Platform Primary, handed over from Alice
    later = START + timedelta(minutes=11)
    after = run(_with(story, queries.full_refresh, later)).mine
    assert [r.schedule.name for r in after.on_call_now if r.escalation_level == 1] == ["Platform Primary"]
    timeline = run(_with(story, queries.timeline, story.account.schedule_by_name("Platform Primary").id, START))
    assert [e.user.name for e in timeline.entries[:2]] == ["Alice Nguyen", "Demo User"]
    assert timeline.next_handoff(START) == START + DEMO_SHIFT_LEAD


def test_one_schedule_has_a_gap_now(story):
    triage = story.account.schedule_by_name("Security Triage")
    timeline = run(_with(story, queries.timeline, triage.id, START))
    current = timeline.current
    assert current.is_gap
    # coverage resumes on the hour after next (16:00 UTC) and stops 18 h later
    assert current.end == at(22, 16)
    assert [(e.user.name if e.user else None, e.start, e.end) for e in timeline.entries[1:]] == [
        ("Ines Moreau", at(22, 16), at(23, 0)),
        ("Jonas Berg", at(23, 0), at(23, 10)),
        (None, at(23, 10), START + timedelta(hours=24)),
    ]
    now_rows = run(_with(story, queries.on_call_now, START))
    assert triage.id not in by_schedule(now_rows, START)


def test_half_hour_zone_schedule_answers_in_its_own_offset(story):
    data = story.account.schedule_by_name("Data Pipeline")

    async def fetch(client):
        return await client.schedule(data.id, since=START, until=START + timedelta(hours=24))

    raw = run(_with(story, fetch))
    starts = [e["start"] for e in raw["final_schedule"]["rendered_schedule_entries"]]
    assert all(s.endswith("+05:30") for s in starts)
    # handoffs at 09:30 and 21:30 IST: the entry running at 14:24 UTC (19:54 IST) began at 09:30 IST
    assert starts[0] == "2026-11-22T19:54:00+05:30"
    assert starts[1] == "2026-11-22T21:30:00+05:30"


def test_deactivated_user_in_a_rotation(story):
    db = story.account.schedule_by_name("Database On-Call")
    timeline = run(_with(story, queries.timeline, db.id, START, hours=24 * 8))
    sam = [e.user for e in timeline.entries if e.user and e.user.name == "Sam Rivera"]
    assert sam and sam[0].deleted


def test_open_incidents_for_the_demo_user(story):
    async def fetch(client):
        return await client.incidents(user_ids=[story.account.me])

    incidents = run(_with(story, fetch))
    assert sorted(i["status"] for i in incidents) == ["acknowledged", "triggered"]


def test_account_shape(story):
    schedules = run(_with(story, queries.schedules))
    assert len(schedules) == 17
    assert [s.name for s in schedules if s.shift_based] == ["Frontend Shifts", "Platform Shifts", "Release Captain"]
    levels = [len(p.levels) for p in story.account.policies.values()]
    assert set(levels) == {2, 3}
    zones = {s.time_zone for s in schedules}
    assert {"Asia/Kolkata", "America/New_York", "Europe/Berlin", "UTC"} <= zones


def test_size_knob_gives_three_hundred_schedules_and_about_nine_hundred_rows():
    with DemoServer(build_account(START, schedules=300)) as big:
        schedules = run(_with(big, queries.schedules))
        rows = run(_with(big, queries.on_call_now, START))
    assert len(schedules) == 300
    # 283 synthetic schedules next to the 17 of the base account: 94 triples, each schedule of which is on call at
    # three levels (3 rows), and one left over in a one-level policy (1 row); the base account adds its own rows.
    synthetic = 94 * 3 * 3 + 1
    assert synthetic == 847
    assert len(rows) >= synthetic + 15
    # every fourth synthetic schedule is shift-based: 70 of 283, beside the base account's 3
    assert sum(s.shift_based for s in schedules) == 70 + 3


def test_the_schedule_list_is_decoded_a_page_at_a_time_never_held_whole(monkeypatch):
    """A large account's list was held whole as JSON before it was decoded: 2,000 schedules' dicts at once, the
    start's largest peak of small objects, which stayed in the process's size. Each page is decoded as it comes."""
    decoded: list[int] = []
    original = queries._decode_schedules

    def recording(raw):
        decoded.append(len(raw))
        return original(raw)

    monkeypatch.setattr(queries, "_decode_schedules", recording)
    with DemoServer(build_account(START, schedules=300)) as big:
        schedules = run(_with(big, queries.schedules))
    # 227 layer-based schedules in three pages of /schedules (100, 100, 27) and 73 shift-based ones in one of v3
    assert sorted(decoded) == [27, 73, 100, 100]
    assert len(schedules) == 300 == len({s.id for s in schedules})
    assert [s.name.casefold() for s in schedules] == sorted(s.name.casefold() for s in schedules)


def test_a_refresh_of_unchanged_data_holds_no_second_copy_of_it():
    """While a new answer replaces the last one both live: its users, references and schedules equal to the
    last one's are those objects, so a large account is not held twice (the first copy's holes would stay in the
    process's size). What changed is new, and the answer equals one read from scratch."""
    with DemoServer(build_account(START, schedules=300)) as big:
        first = run(_with(big, queries.full_refresh, START))
        listed = run(_with(big, queries.schedules))
        again = run(_with(big, queries.full_refresh, START, previous=first))
        relisted = run(_with(big, queries.schedules, known=listed[:100]))
        scratch = run(_with(big, queries.full_refresh, START))
    assert again == scratch
    held = {id(o) for row in first.on_call_now for o in (row.user, row.escalation_policy, row.schedule)}
    reused = [o for row in again.on_call_now for o in (row.user, row.escalation_policy, row.schedule) if o]
    assert len(reused) > 2_500 and all(id(o) in held for o in reused)
    # none of a refresh from scratch, which shares only within its own answer
    assert not any(id(o) in held for row in scratch.on_call_now for o in (row.user, row.escalation_policy))
    assert relisted == listed
    assert [s is k for s, k in zip(relisted, listed, strict=True)].count(True) == 100  # the known ones only
