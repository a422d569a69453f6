"""The command line: JSON shapes, tables, exit codes and one-line errors, against the demo over real HTTP."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pdtray import __version__
from pdtray.cli.main import main

ROW_KEYS = {"schedule", "escalation_policy", "escalation_level", "user", "start", "end"}
USER_KEYS = {"id", "name", "email"}


def cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exit_:  # argparse exits for usage errors and --help
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def check_row(row: dict) -> None:
    assert set(row) == ROW_KEYS
    assert set(row["user"]) == USER_KEYS
    assert set(row["escalation_policy"]) == {"id", "name"}
    assert row["schedule"] is None or set(row["schedule"]) == {"id", "name"}
    assert isinstance(row["escalation_level"], int)
    for key in ("start", "end"):
        if row[key] is not None:
            assert datetime.fromisoformat(row[key]).utcoffset() is not None


def test_version_as_a_real_process():
    done = subprocess.run([sys.executable, "-m", "pdtray", "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"pdtray {__version__}"


def test_demo_oncall_json_as_a_real_process(tmp_path):
    env = {**os.environ, "PDTRAY_CONFIG_DIR": str(tmp_path)}
    env.pop("PAGERDUTY_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "pdtray", "--demo", "oncall", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    for row in rows:
        check_row(row)
    direct = [r for r in rows if r["schedule"] is None]
    assert direct and all(r["start"] is None and r["end"] is None for r in direct)
    now = datetime.now(UTC)
    for row in rows:
        if row["start"]:
            assert datetime.fromisoformat(row["start"]) <= now + timedelta(seconds=5)


def test_schedules_json(capsys):
    code, out, _ = cli(capsys, "--demo", "schedules", "--json")
    assert code == 0
    items = json.loads(out)
    assert len(items) == 17  # 14 layer-based and 3 shift-based
    assert all(set(i) == {"id", "name", "description", "time_zone", "html_url", "kind"} for i in items)
    kinds = {i["name"]: i["kind"] for i in items}
    assert (kinds["Platform Primary"], kinds["Platform Shifts"]) == ("layer", "shift")
    # a shift-based schedule as PagerDuty's v3 list gives it: a reference, its zone not known yet
    assert next(i for i in items if i["name"] == "Platform Shifts")["time_zone"] is None
    assert [i["name"] for i in items] == sorted((i["name"] for i in items), key=str.casefold)


def test_schedules_table(capsys):
    code, out, _ = cli(capsys, "schedules", "--demo")  # options after the command work too
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["SCHEDULE", "KIND", "TIME", "ZONE", "ID", "DESCRIPTION"]
    assert any(line.startswith("Platform Shifts") and line.split()[2] == "shift" for line in lines)
    assert any(line.startswith("Data Pipeline") and "Asia/Kolkata" in line for line in lines)


def _schedule_id(capsys, name: str) -> str:
    _, out, _ = cli(capsys, "--demo", "schedules", "--json")
    return next(s["id"] for s in json.loads(out) if s["name"] == name)


def test_oncall_filtered_by_schedule(capsys):
    sid = _schedule_id(capsys, "Platform Secondary")
    code, out, _ = cli(capsys, "--demo", "oncall", "--schedule", sid, "--json")
    assert code == 0
    rows = json.loads(out)
    # Platform Secondary is level 2 of "Platform" and of "Frontend", and level 3 of "Payments"
    assert sorted((r["escalation_policy"]["name"], r["escalation_level"]) for r in rows) == [
        ("Frontend", 2),
        ("Payments", 3),
        ("Platform", 2),
    ]
    assert {r["schedule"]["id"] for r in rows} == {sid}


def test_oncall_table_says_until(capsys):
    code, out, _ = cli(capsys, "--demo", "oncall")
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["ON", "CALL", "FOR"]
    assert "until further notice" in out  # the directly targeted users


def test_unknown_schedule_is_named_and_exits_4(capsys):
    code, out, err = cli(capsys, "--demo", "oncall", "--schedule", "PNOPE12")
    assert code == 4
    assert out == ""
    assert "PNOPE12" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(capsys, "--demo", "timeline", "PNOPE12")
    assert code == 4
    assert "schedule PNOPE12" in err
    assert "Traceback" not in err


def test_timeline_json(capsys):
    sid = _schedule_id(capsys, "Security Triage")
    code, out, _ = cli(capsys, "--demo", "timeline", sid, "--hours", "48", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"schedule", "since", "until", "entries", "kind", "coverage"}
    assert (data["kind"], data["coverage"]) == ("layer", None)
    assert data["schedule"] == {"id": sid, "name": "Security Triage", "time_zone": "UTC"}
    since, until = datetime.fromisoformat(data["since"]), datetime.fromisoformat(data["until"])
    assert until - since == timedelta(hours=48)
    entries = data["entries"]
    assert all(set(e) == {"user", "people", "start", "end", "current"} for e in entries)
    # one person at a time on a layer-based schedule: "people" is that person, or nobody
    assert all(e["people"] == ([e["user"]] if e["user"] else []) for e in entries)
    # contiguous from since to until, exactly one current entry, and the gap now is a null user
    assert entries[0]["start"] == data["since"] and entries[-1]["end"] == data["until"]
    assert all(a["end"] == b["start"] for a, b in itertools.pairwise(entries))
    assert [e["current"] for e in entries].count(True) == 1
    assert entries[0]["current"] and entries[0]["user"] is None


def test_timeline_table_marks_gaps_and_next_handoff(capsys):
    sid = _schedule_id(capsys, "Security Triage")
    code, out, _ = cli(capsys, "--demo", "timeline", sid)
    assert code == 0
    assert "Nobody on call" in out
    assert "Next handoff" in out


def test_next_json_and_text(capsys):
    before = datetime.now(UTC)
    code, out, _ = cli(capsys, "--demo", "next", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"user", "on_call_now", "upcoming"}
    assert data["user"]["email"] == "demo@pdtray.example"
    assert data["on_call_now"] == []
    for row in data["upcoming"]:
        check_row(row)
    starts = [datetime.fromisoformat(r["start"]) for r in data["upcoming"]]
    assert starts == sorted(starts)
    # the demo account starts at the current minute: the first shift is 9-10 minutes away
    lead = starts[0] - before
    assert timedelta(minutes=9) - timedelta(seconds=5) <= lead <= timedelta(minutes=10)
    code, out, _ = cli(capsys, "--demo", "next")
    assert "Not on call now." in out
    assert ("Platform Primary" in out and "in 10 min" in out) or "in 9 min" in out


def test_usage_errors_exit_2(capsys):
    assert cli(capsys, "timeline", "PX", "--hours", "0")[0] == 2
    assert cli(capsys, "frobnicate")[0] == 2
    assert cli(capsys, "help", "frobnicate")[0] == 2


def test_help(capsys):
    code, out, _ = cli(capsys, "help")
    assert code == 0 and "timeline SCHEDULE_ID" in out
    code, out, _ = cli(capsys, "help", "timeline")
    assert code == 0 and "--hours" in out


def test_missing_token_exits_3_and_mentions_demo(capsys):
    code, out, err = cli(capsys, "oncall")
    assert code == 3
    assert out == ""
    assert "PAGERDUTY_TOKEN" in err and "--demo" in err
    assert len(err.strip().splitlines()) == 1


def test_token_from_the_keyring(capsys, demo, isolated, monkeypatch):
    isolated.set_password("pdtray", "pagerduty-api-token", demo.token)
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    code, out, _ = cli(capsys, "next", "--json")
    assert code == 0
    assert json.loads(out)["user"]["name"] == "Demo User"


def test_rejected_token_exits_3_without_printing_it(capsys, demo, monkeypatch):
    monkeypatch.setenv("PAGERDUTY_TOKEN", "sekrit-wrong-token-123")
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    code, out, err = cli(capsys, "oncall")
    assert code == 3
    assert "rejected the API token" in err
    assert "sekrit-wrong-token-123" not in out + err


def test_account_token_on_next_exits_3(capsys, demo, monkeypatch):
    monkeypatch.setenv("PAGERDUTY_TOKEN", "demo-account-token")
    code, _, err = cli(capsys, "next", "--api-url", demo.url)
    assert code == 3
    assert "user token" in err


def test_insecure_url_exits_3(capsys, monkeypatch):
    monkeypatch.setenv("PAGERDUTY_TOKEN", "x")
    code, _, err = cli(capsys, "oncall", "--api-url", "http://pagerduty.example.com")
    assert code == 3
    assert "plain http" in err


def test_network_down_exits_4(capsys, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("PAGERDUTY_TOKEN", "x")
    code, _, err = cli(capsys, "schedules", "--api-url", f"http://127.0.0.1:{port}")
    assert code == 4
    assert "Could not reach PagerDuty at 127.0.0.1" in err


def test_server_errors_from_demo_faults_exit_4(capsys, monkeypatch):
    # every try fails: the two schedule lists (layer- and shift-based), asked together, with 3 retries each
    faults = {"queue": [{"status": 503, "body": {"error": {"message": "Service Unavailable", "code": 5000}}}] * 8}
    monkeypatch.setenv("PDTRAY_DEMO_FAULTS", json.dumps(faults))
    code, _, err = cli(capsys, "--demo", "schedules")
    assert code == 4
    assert "HTTP 503" in err


def test_corrupt_settings_are_set_aside_with_a_warning(capsys, tmp_path):
    config = Path(os.environ["PDTRAY_CONFIG_DIR"])
    config.mkdir(parents=True)
    (config / "settings.json").write_text("{not json")
    code, out, err = cli(capsys, "--demo", "schedules", "--json")
    assert code == 0
    assert len(json.loads(out)) == 17
    assert "warning" in err and "default settings" in err
    aside = list(config.glob("settings.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == "{not json"
    assert not (config / "settings.json").exists()


def test_region_from_settings_is_used(capsys, monkeypatch):
    config = Path(os.environ["PDTRAY_CONFIG_DIR"])
    config.mkdir(parents=True)
    (config / "settings.json").write_text(json.dumps({"region": "eu", "api_url": "http://insecure.example.com"}))
    monkeypatch.setenv("PAGERDUTY_TOKEN", "x")
    # the bad api_url is reported as a warning and dropped: the EU region would be used (and is unreachable here)
    code, _, err = cli(capsys, "schedules", "--api-url", "http://example.org")
    assert code == 3
    assert "Custom API URL" in err and "plain http" in err


@pytest.mark.parametrize("command", ["schedules", "oncall", "next"])
def test_every_command_prints_json_that_parses(capsys, command):
    code, out, _ = cli(capsys, "--demo", command, "--json")
    assert code == 0
    json.loads(out)


def test_tray_without_a_desktop_says_so(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}}
    env["PDTRAY_CONFIG_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "pdtray", "--demo"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 3
    assert "needs a desktop session" in done.stderr and "pdtray --demo oncall" in done.stderr
    assert "Traceback" not in done.stderr
