"""Several accounts (issue 15, the command-line part): the existing single-account setup is account 1 with nothing
moved; another account has its own URL or region and its own keyring entries; `--account` picks it; one account
failing leaves the other working; removing one forgets its credential."""

from __future__ import annotations

import io
import json
import re

import pytest
from test_cli import cli

from pdtray.app.accounts import FIRST_ACCOUNT, accounts_of, with_account
from pdtray.app.secrets import KEYRING_SERVICE, KEYRING_USERNAME
from pdtray.app.settings import Settings, load_settings
from pdtray.demo import DemoServer


def test_an_old_single_account_setup_is_account_one_unchanged(capsys, isolated, tmp_path, monkeypatch, demo):
    config = tmp_path / "config"
    config.mkdir(parents=True, exist_ok=True)
    # settings.json as the last release wrote it: no accounts, no OAuth client ID
    (config / "settings.json").write_text(json.dumps({"region": "us", "lead_times": [900], "poll_interval": 120}))
    isolated.set_password(KEYRING_SERVICE, KEYRING_USERNAME, demo.token)
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    loaded = load_settings()
    assert loaded.warnings == () and loaded.settings.accounts == [] and loaded.settings.poll_interval == 120
    code, out, err = cli(capsys, "accounts", "--json")
    assert code == 0, err
    assert json.loads(out) == [
        {"name": FIRST_ACCOUNT, "region": "us", "api_url": None, "credential": "api key", "first": True}
    ]
    code, out, err = cli(capsys, "next", "--json")
    assert code == 0, err and json.loads(out)["user"]["name"] == "Demo User"
    assert isolated.items[(KEYRING_SERVICE, KEYRING_USERNAME)] == demo.token  # nothing moved


def test_two_accounts_each_with_its_credential_and_one_failing_leaves_the_other(capsys, isolated, monkeypatch, demo):
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)  # the first account ("US")
    isolated.set_password(KEYRING_SERVICE, KEYRING_USERNAME, demo.token)
    with DemoServer() as europe:
        code, out, err = cli(capsys, "accounts", "add", "Europe", "--region", "eu", "--api-url", europe.url, "--json")
        assert code == 0, err
        assert [a["name"] for a in json.loads(out)] == [FIRST_ACCOUNT, "Europe"]
        monkeypatch.setattr("sys.stdin", io.StringIO(europe.token + "\n"))
        code, out, err = cli(capsys, "accounts", "set-key", "europe")  # names in any case
        assert code == 0, err
        assert isolated.items[(KEYRING_SERVICE, f"account:Europe:{KEYRING_USERNAME}")] == europe.token
        assert "Europe" in out and "api key" in out
        europe.faults.clear_requests()
        demo.faults.clear_requests()
        code, out, err = cli(capsys, "--account", "Europe", "next", "--json")
        assert code == 0, err
        assert europe.faults.requests and not demo.faults.requests  # its own URL, not PAGERDUTY_API_URL's
        # the first account's PagerDuty is down: its commands fail, the other account's still answer
        demo.faults.server_error(1000, status=503)
        code, _, err = cli(capsys, "oncall")
        assert code == 4 and "503" in err
        code, out, err = cli(capsys, "oncall", "--account", "Europe", "--json")
        assert code == 0, err and json.loads(out)
        code, out, err = cli(capsys, "accounts", "remove", "Europe")
        assert code == 0, err
        assert (KEYRING_SERVICE, f"account:Europe:{KEYRING_USERNAME}") not in isolated.items
        code, _, err = cli(capsys, "--account", "Europe", "oncall")
        assert code == 3 and "No account named 'Europe'" in err


def test_account_names_are_checked():
    settings = with_account(Settings(), "Europe", region="eu")
    with pytest.raises(ValueError, match="already an account named 'Europe'"):
        with_account(settings, "europe")
    with pytest.raises(ValueError, match="the first account's name"):
        with_account(settings, "PagerDuty")
    with pytest.raises(ValueError, match="without : / or"):
        with_account(settings, "a:b")
    [first, europe] = accounts_of(settings)
    assert (first.keyring_prefix, europe.keyring_prefix, europe.where) == ("", "account:Europe:", "EU")


def test_login_for_another_account_keeps_its_sign_in_apart(capsys, isolated, monkeypatch, tmp_path, demo):
    from test_sign_in import use_headless_browser

    from pdtray.demo.oauth import DEMO_CLIENT_ID

    use_headless_browser(tmp_path, monkeypatch)
    code, _, err = cli(capsys, "accounts", "add", "Second", "--api-url", demo.url, "--client-id", DEMO_CLIENT_ID)
    assert code == 0, err
    code, out, err = cli(capsys, "--account", "Second", "login")
    assert code == 0, err and out.startswith("Signed in as Demo User")
    assert (KEYRING_SERVICE, "account:Second:pagerduty-oauth") in isolated.items
    assert (KEYRING_SERVICE, "pagerduty-oauth") not in isolated.items  # the first account is untouched
    code, out, err = cli(capsys, "--account", "Second", "next", "--json")
    assert code == 0, err
    code, out, _ = cli(capsys, "accounts", "--json")
    assert [(a["name"], a["credential"]) for a in json.loads(out)] == [(FIRST_ACCOUNT, "none"), ("Second", "signed in")]


# -- in the tray (offscreen) --------------------------------------------------------------------------------------


def two_account_app(make_app, demo, europe, isolated, monkeypatch):
    """The tray on two accounts: the first on ``demo`` (through the environment), "Europe" on ``europe`` (its
    URL in settings.json, its key in the keyring under its own name)."""
    from pdtray.app.settings import save_settings, updated

    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    monkeypatch.setenv("PAGERDUTY_TOKEN", demo.token)
    save_settings(updated(Settings(), accounts=[{"name": "Europe", "region": "eu", "api_url": europe.url}]))
    isolated.set_password(KEYRING_SERVICE, f"account:Europe:{KEYRING_USERNAME}", europe.token)
    app = make_app(demo=False)
    [other] = app.other_accounts
    return app, other


def test_tray_shows_two_accounts_and_one_failing_does_not_affect_the_other(
    qtbot, make_app, demo, isolated, monkeypatch
):
    from test_tray_app import drawn, settle

    with DemoServer() as europe:
        app, other = two_account_app(make_app, demo, europe, isolated, monkeypatch)
        sent = []
        other.notify.connect(sent.append)
        settle(qtbot, app)
        qtbot.waitUntil(lambda: other.refresh.state.snapshot is not None, timeout=10_000)
        drawn(qtbot, app)
        first, second = app.tray.look.tooltip.split("\n\nEurope:\n")
        assert first.startswith(f"{FIRST_ACCOUNT}:\n")
        # each account's own watched schedules (the demo user's, by default) and status, under its name
        for part in (first, second):
            assert "Platform Primary — Alice Nguyen (L1, L2), until" in part and "Your next shift:" in part
        assert any(text.startswith("Europe · Platform Primary") for text, _ in app.tray.look.menu_lines)
        # its own reminders, naming the account (the demo user's shift there starts ten minutes after its start)
        qtbot.waitUntil(lambda: any(n.message.title.startswith("On call in") for n in sent), timeout=10_000)
        reminder = next(n for n in sent if n.message.title.startswith("On call in"))
        assert re.fullmatch(r"On call in (9|10) min: Platform Primary \(Europe\)", reminder.message.title)
        assert (reminder.reminder, reminder.incident, reminder.schedule_id) == (None, None, None)
        # Europe's PagerDuty goes down: its part says so; the first account refreshes as before
        europe.faults.server_error(1000, status=503)
        other.refresh.refresh_now()
        qtbot.waitUntil(lambda: other.refresh.state.error is not None, timeout=20_000)
        demo.faults.clear_requests()
        app.refresh.refresh_now()
        qtbot.waitUntil(lambda: bool(demo.faults.requests) and not app.refresh.state.refreshing, timeout=10_000)
        assert app.refresh.state.error is None
        drawn(qtbot, app)
        first, second = app.tray.look.tooltip.split("\n\nEurope:\n")
        assert "PagerDuty is having trouble" in second and "may be out of date" in second
        assert "trouble" not in first and "out of date" not in first
        assert app.tray.look.icon != "problem"  # the first account is fine


def test_the_popup_switches_account_and_acts_on_the_one_it_shows(qtbot, make_app, demo, isolated, monkeypatch):
    from test_tray_app import settle

    with DemoServer() as europe:
        app, other = two_account_app(make_app, demo, europe, isolated, monkeypatch)
        settle(qtbot, app)
        qtbot.waitUntil(lambda: other.refresh.state.snapshot is not None, timeout=10_000)
        app.open_popup()
        popup = app.popup
        assert popup.account_box.isVisible() and popup.account_box.count() == 2
        # (an account may be refreshing at that moment: "Refreshing…" in place of "Updated 23:12")
        assert re.match(rf"{FIRST_ACCOUNT} · (Updated|Refreshing)", popup.status.text()), popup.status.text()
        popup.account_box.setCurrentIndex(1)
        assert re.match(r"Europe · (Updated|Refreshing)", popup.status.text()), popup.status.text()
        # acknowledging from the Europe view changes Europe's incident, not the first account's
        triggered = next(i for i in europe.account.incidents.values() if i.number == 101)
        europe.faults.clear_requests()
        demo.faults.clear_requests()
        popup.incidents.acknowledge_requested.emit(triggered.id)
        qtbot.waitUntil(lambda: europe.account.incidents[triggered.id].status == "acknowledged", timeout=10_000)
        assert demo.account.incidents[triggered.id].status == "triggered"
        assert not [r for r in demo.faults.requests if r.method == "PUT"]
        # a timeline opened there is asked of Europe's PagerDuty: the first account's answers only errors for it
        primary = europe.account.schedule_by_name("Platform Primary")
        demo.faults.server_error(1000, status=503, path_prefix=f"/schedules/{primary.id}")
        europe.faults.clear_requests()
        app.open_timeline(primary.id)
        qtbot.waitUntil(lambda: popup.timeline.entries.topLevelItemCount() >= 2, timeout=10_000)
        assert any(r.path == f"/schedules/{primary.id}" for r in europe.faults.requests)
        # a star there is Europe's watched list; the first account's stays as it was
        app.toggle_star(primary.id)
        saved = load_settings().settings
        assert saved.watched_schedules == [] and primary.id not in saved.accounts[0]["watched_schedules"]
        popup.account_box.setCurrentIndex(0)
        assert re.match(rf"{FIRST_ACCOUNT} · (Updated|Refreshing)", popup.status.text()), popup.status.text()
