"""The command line's actions against a demo server over real HTTP: JSON shapes, texts, confirmation and exit
codes. One demo server per test, reached through PAGERDUTY_API_URL, so that what one command changes the next
command sees."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from test_cli import cli

INCIDENT_KEYS = {"id", "number", "title", "status", "urgency", "service", "created_at", "html_url"}


@pytest.fixture
def account(demo, monkeypatch):
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    monkeypatch.setenv("PAGERDUTY_TOKEN", demo.token)
    return demo


def test_incidents_ack_and_resolve(capsys, account):
    code, out, _ = cli(capsys, "incidents", "--json")
    assert code == 0
    listed = json.loads(out)
    assert all(set(i) == INCIDENT_KEYS for i in listed)
    assert [(i["number"], i["status"]) for i in listed] == [(101, "triggered"), (102, "acknowledged")]
    first = listed[0]["id"]

    code, out, _ = cli(capsys, "ack", first)
    assert (code, out) == (0, "Acknowledged #101 Checkout latency p99 above 2 s.\n")
    code, out, _ = cli(capsys, "resolve", first, "--json")
    assert code == 0 and json.loads(out)[0]["status"] == "resolved"
    code, out, _ = cli(capsys, "incidents")
    assert code == 0
    assert out.splitlines()[0].split() == ["STATUS", "URGENCY", "SERVICE", "INCIDENT", "AGE", "ID"]
    assert len(out.splitlines()) == 2 and "#102 Disk 91% full" in out


def test_ack_with_account_level_tokens(capsys, account, monkeypatch):
    code, out, _ = cli(capsys, "incidents", "--json")
    first = json.loads(out)[0]["id"]
    monkeypatch.setenv("PAGERDUTY_TOKEN", "demo-readonly-token")
    code, out, err = cli(capsys, "ack", first)
    assert code == 3 and out == ""
    assert "add --from with that user's email address" in err
    code, out, err = cli(capsys, "ack", first, "--from", "demo@pdtray.example")
    assert code == 3 and out == ""
    assert err.startswith("pdtray: The API token is not allowed") and "read-only" in err
    assert len(err.splitlines()) == 1
    monkeypatch.setenv("PAGERDUTY_TOKEN", "demo-account-token")
    code, out, err = cli(capsys, "ack", first, "--from", "demo@pdtray.example")
    assert (code, out) == (0, "Acknowledged #101 Checkout latency p99 above 2 s.\n"), err


def test_page_asks_first_and_refuses_without_a_terminal(capsys, account):
    code, out, _ = cli(capsys, "services", "--json")
    core = next(s for s in json.loads(out) if s["name"] == "Core API")
    code, out, err = cli(capsys, "page", core["id"], "--summary", "Core API 500s")
    assert code == 2 and out == ""
    assert "Page the on-call for Core API (critical)" in err and "--yes" in err
    code, out, _ = cli(capsys, "incidents", "--json")
    assert len(json.loads(out)) == 2  # nothing was triggered


def test_page_with_yes_triggers_through_rest(capsys, account):
    code, out, _ = cli(capsys, "services", "--json")
    core = next(s for s in json.loads(out) if s["name"] == "Core API")
    code, out, err = cli(capsys, "page", core["id"], "--summary", "Core API 500s", "--yes", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["via"] == "rest" and result["dedup_key"] is None
    assert result["service"] == {"id": core["id"], "name": "Core API"}
    assert (result["incident"]["title"], result["incident"]["status"]) == ("Core API 500s", "triggered")


def test_page_an_unknown_service(capsys, account):
    code, _, err = cli(capsys, "page", "PNOPE", "--summary", "x", "--yes")
    assert code == 4 and "no service with ID PNOPE" in err


def test_take_the_current_shift(capsys, account):
    code, out, _ = cli(capsys, "schedules", "--json")
    pipeline = next(s for s in json.loads(out) if s["name"] == "Data Pipeline")
    code, out, _ = cli(capsys, "timeline", pipeline["id"], "--json")
    current = next(e for e in json.loads(out)["entries"] if e["current"])
    code, out, err = cli(capsys, "take", pipeline["id"], "--yes", "--json")
    assert code == 0, err
    taken = json.loads(out)
    assert taken["user"]["name"] == "Demo User"
    assert taken["from_user"]["id"] == current["user"]["id"]
    assert datetime.fromisoformat(taken["end"]) == datetime.fromisoformat(current["end"])
    code, out, _ = cli(capsys, "timeline", pipeline["id"], "--json")
    now_entry = next(e for e in json.loads(out)["entries"] if e["current"])
    assert now_entry["user"]["name"] == "Demo User"


def test_take_in_the_past_is_a_usage_error(capsys, account):
    code, out, _ = cli(capsys, "schedules", "--json")
    pipeline = next(s for s in json.loads(out) if s["name"] == "Data Pipeline")
    code, _, err = cli(capsys, "take", pipeline["id"], "--at", "2020-01-01T09:00Z", "--yes")
    assert code == 2 and "has passed" in err


def test_export_ics(capsys, account, tmp_path):
    target = tmp_path / "shifts.ics"
    code, out, _ = cli(capsys, "export-ics", str(target), "--json")
    assert code == 0
    result = json.loads(out)
    calendar = Calendar.from_ical(target.read_bytes())
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert result == {"path": str(target), "events": len(events)}
    code, out, _ = cli(capsys, "next", "--json")
    mine = json.loads(out)
    # Every shift of mine with an end is an event, once per schedule and span, at its own times.
    spans = {
        (r["schedule"]["name"], r["start"], r["end"])
        for r in mine["on_call_now"] + mine["upcoming"]
        if r["end"] is not None and r["schedule"]
    }
    got = {
        (
            str(e["summary"]).removeprefix("On call: ").rsplit(" (", 1)[0],
            e.decoded("dtstart").astimezone(UTC),
            e.decoded("dtend").astimezone(UTC),
        )
        for e in events
    }
    assert got == {(n, datetime.fromisoformat(s).astimezone(UTC), datetime.fromisoformat(e)) for n, s, e in spans}
    assert len({str(e["uid"]) for e in events}) == len(events)
