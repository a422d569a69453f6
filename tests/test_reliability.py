"""Faults and bad input, each through the demo's fault knobs over real HTTP (or a real file, socket or process), with
what a person should see worked out by hand. The numbers in the test names are the items of the reliability issue.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import run
from test_actions import ME_EMAIL, routing_key
from test_cli import cli
from test_refresh import make_service  # noqa: F401 - a fixture

from pdtray.app import actions, cache, queries
from pdtray.app.json_file import UnusableFileError, read_json_object
from pdtray.app.notification_state import load_state
from pdtray.app.settings import Settings, load_settings, merged_with_disk, save_settings, settings_path
from pdtray.demo.faults import Canned
from pdtray.oncall.display_text import for_terminal, inert, one_line
from pdtray.oncall.human_time import clock
from pdtray.pagerduty import (
    MalformedTokenError,
    NetworkError,
    PagerDutyClient,
    RateLimitedError,
    RetryPolicy,
    TLSVerificationError,
    TruncatedListError,
    UncertainOutcomeError,
)
from pdtray.pagerduty.retry import MAX_RATE_LIMIT_WAIT, rate_limit_wait


def _posts(demo, prefix: str) -> list:
    return [r for r in demo.faults.requests if r.method in ("POST", "PUT") and r.path.startswith(prefix)]


def _core(demo):
    return next(s for s in demo.account.services.values() if s.name == "Core API")


# -- 1. a write is sent once ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lost", [502, 0], ids=["502 after applying", "connection reset after applying"])
def test_1_a_rest_page_whose_answer_is_lost_is_not_sent_again_and_says_it_may_have_worked(demo, make_client, lost):
    before = len(demo.account.incidents)
    demo.faults.lose_answer(1, status=lost, path_prefix="/incidents")

    async def go():
        async with make_client() as client:
            await actions.page_on_call(client, service_id=_core(demo).id, summary="DB down", from_email=ME_EMAIL)

    with pytest.raises(UncertainOutcomeError) as caught:
        run(go())
    assert len(_posts(demo, "/incidents")) == 1  # one POST on the wire, no retry
    assert len(demo.account.incidents) == before + 1  # PagerDuty did create it: exactly one
    assert "may have carried it out" in str(caught.value) and "check in PagerDuty" in str(caught.value)


def test_1_taking_a_shift_whose_answer_is_lost_sends_one_override(demo, make_client):
    schedule = demo.account.schedule_by_name("Payments Secondary")
    demo.faults.lose_answer(1, status=504, path_prefix=f"/schedules/{schedule.id}/overrides")
    start = datetime.now(UTC) + timedelta(days=1)

    async def go():
        async with make_client() as client:
            await client.create_override(
                schedule.id, user_id=demo.account.me, start=start, end=start + timedelta(hours=2)
            )

    with pytest.raises(UncertainOutcomeError):
        run(go())
    assert len(_posts(demo, f"/schedules/{schedule.id}/overrides")) == 1
    assert len(schedule.overrides) == 1


def test_1_an_events_api_page_is_retried_with_its_dedup_key_and_pages_once(demo, make_client):
    before = len(demo.account.incidents)
    demo.faults.lose_answer(2, status=502, path_prefix="/v2/enqueue")  # applied twice, answered only the third time

    async def go():
        async with make_client() as client:
            return await actions.page_on_call(
                client, service_id=_core(demo).id, summary="DB down", routing_key=routing_key("Core API")
            )

    result = run(go())
    sent = _posts(demo, "/v2/enqueue")
    assert len(sent) == 3  # retried: safe, because every try carries the same dedup key
    assert result.dedup_key and result.dedup_key.startswith("pdtray-")
    assert len(demo.account.incidents) == before + 1  # folded into one alert


def test_1_the_same_intent_sent_again_reuses_its_dedup_key_and_still_pages_once(demo, make_client):
    before = len(demo.account.incidents)
    key = actions.new_dedup_key()

    async def page():
        async with make_client() as client:
            return await actions.page_on_call(
                client, service_id=_core(demo).id, summary="x", routing_key=routing_key("Core API"), dedup_key=key
            )

    first, second = run(page()), run(page())
    assert first.dedup_key == second.dedup_key == key
    assert len(demo.account.incidents) == before + 1


def test_1_a_resolve_whose_answer_was_lost_is_a_success_not_a_rollback(demo, make_client):
    async def go():
        async with make_client() as client:
            mine = await queries.my_incidents(client, await queries.me(client))
            demo.faults.lose_answer(1, status=502, method="PUT", path_prefix=f"/incidents/{mine[0].id}")
            return mine[0], await actions.set_incident_status(client, mine[0].id, "resolved", from_email=ME_EMAIL)

    target, resolved = run(go())
    assert resolved.id == target.id and resolved.status == "resolved"
    # the first PUT resolved it, the retry met "Incident Already Resolved", and a GET confirmed the state
    assert len(_posts(demo, f"/incidents/{target.id}")) == 2
    assert demo.account.incidents[target.id].status == "resolved"


def test_1_the_command_line_says_an_uncertain_page_may_have_gone_through(capsys, demo, monkeypatch):
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    monkeypatch.setenv("PAGERDUTY_TOKEN", demo.token)
    demo.faults.lose_answer(1, status=502, path_prefix="/incidents")
    code, out, err = cli(capsys, "page", _core(demo).id, "--summary", "DB down", "--yes")
    assert code == 4 and out == ""
    assert "may have carried it out" in err and "Traceback" not in err
    assert len(_posts(demo, "/incidents")) == 1


# -- 2. files read back: any shape, pdtray starts ------------------------------------------------------------------

DEEP = "[" * 50_000 + "]" * 50_000


SNAPSHOT_NAMING = (
    '{"format": 3, "texts": ["PU", "Ann", "ann@example.com", "UTC", "PP", "Platform"], "schedules": [], "snapshot": '
    '{"taken_at": "2026-11-24T06:00:00Z", "users": [[0, 1, 2, null, 3, false]], "refs": [[4, 5, null]], '
    '"on_call_now": [[%s, 0, 1, null, null, null]], "me": 0, "my_now": [], "my_upcoming": []}}'
)
SCHEDULE = '{"format": 3, "texts": ["PS1", "Platform", "", "UTC", "layer"], "schedules": [[%s, true, null, 4, true]]}'


def test_2_the_wrong_shapes_below_differ_from_files_that_load(tmp_path):
    """Each damaged file below is one of these with one thing wrong: these two load."""
    path = tmp_path / "snapshot.json"
    path.write_text(SNAPSHOT_NAMING % "0")
    loaded = cache.load(path)
    assert loaded is not None and loaded.snapshot.on_call_now[0].user.name == "Ann"
    assert loaded.snapshot.on_call_now[0].escalation_policy.name == "Platform"
    path.write_text(SCHEDULE % "0, 1, 2, 3, null, [0]")
    loaded = cache.load(path)
    assert loaded is not None and loaded.snapshot is None
    assert [(s.id, s.name, s.time_zone, s.kind, s.member_ids) for s in loaded.schedules] == [
        ("PS1", "Platform", "UTC", "layer", ("PS1",))
    ]


@pytest.mark.parametrize(
    "content",
    [
        "[]",
        '{"format": 3, "texts": [], "schedules": [1]}',
        '{"format": 3, "texts": [], "schedules": [], "snapshot": {"taken_at": 5}}',
        SNAPSHOT_NAMING % "1",
        SNAPSHOT_NAMING % "-1",
        SNAPSHOT_NAMING % "true",
        SCHEDULE % '0, "Platform", 2, 3, null, []',
        SCHEDULE % "0, null, 2, 3, null, []",
        SCHEDULE % "0, 1, 2, 3, null, [9]",
        SCHEDULE % "0, 1, 2, 3, null, 7",
        '{"format": 3, "texts": ["PS1", 7], "schedules": []}',
        '{"format": 3, "texts": {}, "schedules": []}',
        DEEP,
    ],
    ids=[
        "a list",
        "a wrong row",
        "a wrong type",
        "a row naming nobody",
        "a row naming from the end",
        "a row naming by a bool",
        "a schedule whose name is a text, not its place",
        "a schedule without a name",
        "a schedule naming a member past the texts",
        "a schedule whose members are not a list",
        "a text that is a number",
        "texts that are not a list",
        "deeply nested",
    ],
)
def test_2_a_cache_of_the_wrong_shape_is_moved_aside(tmp_path, content):
    path = tmp_path / "snapshot.json"
    path.write_text(content)
    assert cache.load(path) is None
    assert not path.exists()
    assert [p.read_text() for p in tmp_path.glob("snapshot.json.corrupt-*")] == [content]


@pytest.mark.parametrize("content", ['{"sent": []}', '{"rows": [{"user": 3}]}', "[]", DEEP])
def test_2_notification_state_of_the_wrong_shape_starts_afresh(tmp_path, content):
    path = tmp_path / "notifications.json"
    path.write_text(content)
    state = load_state(path)
    assert state.sent == {} and state.rows == []
    assert len(list(tmp_path.glob("notifications.json.corrupt-*"))) == 1


def test_2_nesting_is_measured_past_what_the_parser_takes_and_a_large_cache_is_not_nested(tmp_path):
    """json.loads takes a thousand levels; pdtray's files nest 5 deep, and anything past 16 is refused before a
    check of its shape or a message about it could recurse that deep."""
    path = tmp_path / "f.json"
    path.write_text('{"a": ' + "[" * 15 + "1" + "]" * 15 + "}")  # the object and 15 lists: 16 levels
    assert read_json_object(path) is not None
    for deep in ('{"a": ' + "[" * 16 + "1" + "]" * 16 + "}", '{"a": ' + '{"b": ' * 16 + "1" + "}" * 16 + "}"):
        path.write_text(deep)
        with pytest.raises(UnusableFileError, match="nested too deeply"):
            read_json_object(path)
    # a wide file of pdtray's own depth (100,000 values) is read, however many values it has
    path.write_text(json.dumps({"rows": [[i, "x", None, [i]] for i in range(25_000)]}))
    assert len(read_json_object(path)["rows"]) == 25_000


def test_2_deeply_nested_settings_give_defaults_and_a_warning(tmp_path):
    settings_path(tmp_path).write_text(DEEP)
    loaded = load_settings(tmp_path)
    assert loaded.settings == Settings()
    assert "nested too deeply" in loaded.warnings[0] and "settings.json.corrupt-" in loaded.warnings[0]


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_2_a_fifo_at_settings_json_does_not_hang(tmp_path):
    os.mkfifo(settings_path(tmp_path))
    result: list = []
    reader = threading.Thread(target=lambda: result.append(load_settings(tmp_path)), daemon=True)
    reader.start()
    reader.join(5)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert result[0].settings == Settings() and "not a regular file" in result[0].warnings[0]


def test_2_the_tray_starts_with_a_broken_cache_and_notification_state(qtbot, make_app):
    from pdtray.app.notification_state import state_path
    from pdtray.app.paths import cache_dir

    cache_file = cache.cache_file("demo", cache_dir())
    cache_file.parent.mkdir(parents=True)
    cache_file.write_text("[]")
    notifications = state_path().with_name("notifications-demo.json")
    notifications.parent.mkdir(parents=True)
    notifications.write_text('{"sent": []}')
    app = make_app(demo=True)
    qtbot.waitUntil(lambda: app.refresh.state.snapshot is not None and not app.refresh.state.refreshing, timeout=15_000)
    assert app.refresh.state.error is None


# -- 3. a keyring that never answers does not freeze the UI -------------------------------------------------------


def test_3_a_keyring_that_never_answers_becomes_an_error_while_the_ui_keeps_running(qtbot, make_app, monkeypatch):
    import keyring
    from keyring.backend import KeyringBackend

    from pdtray.app import secrets
    from pdtray.app.secrets import KeyringUnavailableError

    release = threading.Event()

    class StuckKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service, username):
            release.wait(30)  # an unlock prompt nobody answers
            return None

        def set_password(self, service, username, password):
            release.wait(30)

        def delete_password(self, service, username):
            release.wait(30)

    keyring.set_keyring(StuckKeyring())
    monkeypatch.setattr(secrets, "KEYRING_TIMEOUT", 0.5)
    try:
        app = make_app(demo=False)
        ticks = []
        timer_started = time.monotonic()
        from PySide6.QtCore import QTimer

        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start(20)
        qtbot.waitUntil(lambda: isinstance(app.refresh.state.error, KeyringUnavailableError), timeout=10_000)
        timer.stop()
        assert "did not answer within 0.5 s" in str(app.refresh.state.error)
        # the event loop went on turning while the keyring hung: no gap between ticks near the 0.5 s wait
        gaps = [b - a for a, b in zip([timer_started, *ticks], ticks, strict=False)]
        assert ticks and max(gaps) < 0.4
    finally:
        release.set()


# -- 4. odd 429s ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "0"}, 1.0),
        ({"ratelimit-reset": "inf"}, MAX_RATE_LIMIT_WAIT),
        ({"ratelimit-reset": "1e300"}, MAX_RATE_LIMIT_WAIT),
        ({"ratelimit-reset": "3000000"}, MAX_RATE_LIMIT_WAIT),
        ({"ratelimit-reset": "nan", "retry-after": "7"}, 7.0),
        ({"retry-after": "-5"}, None),
    ],
)
def test_4_rate_limit_waits_are_clamped(headers, expected):
    assert rate_limit_wait(headers) == expected


def test_4_retry_after_zero_for_ever_is_no_hot_loop(demo, make_client, sleeps):
    demo.faults.rate_limit(20, retry_after=0)
    with pytest.raises(RateLimitedError):
        run(make_client().me())
    assert len(demo.faults.requests) == 5  # the first try and 4 retries
    assert sleeps.delays == [1.0, 1.0, 1.0, 1.0]


@pytest.fixture
def refresh_service(request):
    """test_refresh's make_service: a RefreshService on the demo, stopped after the test."""
    return request.getfixturevalue("make_service")


def test_4_a_huge_reset_keeps_refreshing_afterwards(qtbot, demo, refresh_service):
    demo.faults.rate_limit(1, reset=1e300, path_prefix="/oncalls")
    service = refresh_service()
    service.start()
    qtbot.waitUntil(lambda: isinstance(service.state.error, RateLimitedError), timeout=10_000)
    assert service._timer.isActive()  # the next refresh is planned: no OverflowError killed the loop
    assert service._timer.interval() == 15 * 60 * 1000  # the header's "1e300" s, clamped to the longest backoff
    service.refresh_now()
    qtbot.waitUntil(lambda: service.state.error is None and service.state.snapshot is not None, timeout=10_000)


# -- 5. a malformed answer ------------------------------------------------------------------------------------


def test_5_incidents_that_cannot_be_read_keep_the_last_good_ones_marked_with_their_age(qtbot, demo, refresh_service):
    from pdtray.app.refresh_state import RefreshState
    from pdtray.app.settings import Settings
    from pdtray.ui.tray_status import tray_look

    service = refresh_service()
    service.start()
    qtbot.waitUntil(lambda: service.state.snapshot is not None and not service.state.refreshing, timeout=10_000)
    first = service.state.snapshot
    assert first.incidents and len(first.incidents) == 2
    demo.faults.malformed(10, path_prefix="/incidents")
    service.refresh_now()
    qtbot.waitUntil(lambda: service.state.snapshot is not first and not service.state.refreshing, timeout=20_000)
    second = service.state.snapshot
    assert second.incidents == first.incidents and second.incidents_at == first.taken_at
    look = tray_look(RefreshState(snapshot=second), Settings(), second.taken_at, UTC)
    assert look.badge == 2
    assert f"2 open incidents assigned to you (1 not acknowledged) (as of today at {clock(first.taken_at, UTC)})" in (
        look.tooltip
    )


# -- 6. deadlines ----------------------------------------------------------------------------------------------


def test_6_a_trickling_answer_is_given_up_on_at_the_deadline(demo, make_client):
    demo.faults.trickle(0.05, path_prefix="/users/me")  # ~3 KB at 20 bytes a second would take minutes
    client = make_client(timeout=1.0, retry=RetryPolicy(max_server_retries=0))
    started = time.monotonic()
    with pytest.raises(NetworkError, match="timed out"):
        run(client.me())
    assert time.monotonic() - started < 10


def test_6_retries_stop_at_the_request_deadline(demo, make_client, sleeps):
    demo.faults.server_error(50)
    clock_now = [0.0]

    async def slow_sleep(delay):
        clock_now[0] += delay
        await sleeps(delay)

    client = PagerDutyClient(
        demo.token,
        base_url=demo.url,
        sleep=slow_sleep,
        clock=lambda: clock_now[0],
        retry=RetryPolicy(max_server_retries=50, base_backoff=4, max_backoff=4, deadline=10),
    )
    with pytest.raises(Exception, match="HTTP 500"):
        run(client.me())
    # 4 s backoffs (jittered down to 2-4 s) stop before the 10 s deadline is passed: at most 5 waits
    assert sum(sleeps.delays) <= 10 and len(sleeps.delays) <= 5


# -- 7. a partial list is never shown as whole -----------------------------------------------------------------


def _oncall_page(demo, n: int) -> dict:
    row = {
        "user": {"id": "PXU", "type": "user_reference", "summary": "Someone Else"},
        "escalation_policy": {"id": "PXEP", "type": "escalation_policy_reference", "summary": "Elsewhere"},
        "escalation_level": 1,
        "schedule": {"id": f"PXS{n}", "type": "schedule_reference", "summary": f"Other {n}"},
        "start": None,
        "end": None,
    }
    return {"oncalls": [row] * 100, "more": True, "limit": 100, "offset": 0, "total": None}


def test_7_past_the_offset_cap_the_watched_schedules_are_asked_for_and_the_answer_says_incomplete(demo, make_client):
    watched = demo.account.schedule_by_name("Payments Secondary")
    demo.faults.queue(*[Canned.json(200, _oncall_page(demo, n), path_prefix="/oncalls") for n in range(100)])

    now = datetime.now(UTC)

    async def go():
        async with make_client() as client:
            # the on-call part of a refresh alone: my shifts, asked at the same time, would take canned pages too
            return await queries.on_call_now_at_least_for(client, now, [watched.id])

    rows, complete = run(go())
    assert complete is False
    assert watched.id in {r.schedule.id for r in rows if r.schedule}
    assert any(("schedule_ids[]", watched.id) in r.query for r in demo.faults.requests)
    # and the tray says so
    from pdtray.app.refresh_state import RefreshState
    from pdtray.app.snapshot import Snapshot
    from pdtray.oncall.models import MyShifts, User
    from pdtray.ui.tray_status import tray_look

    me = User("PME", "Demo User")
    snapshot = Snapshot(now, tuple(rows), MyShifts(me, (), ()), incidents=(), complete=complete)
    look = tray_look(RefreshState(snapshot=snapshot), Settings(watched_schedules=[watched.id]), now, UTC)
    assert "Account too large to read whole: only watched schedules are complete" in look.tooltip


def test_7_an_empty_page_that_says_more_is_an_incomplete_list(demo, make_client):
    demo.faults.queue(Canned.json(200, {"schedules": [], "more": True, "limit": 100, "offset": 0}))
    with pytest.raises(TruncatedListError, match="sent an empty page"):
        run(make_client().schedules())


def test_7_oncall_for_an_existing_schedule_beyond_the_list_cap(capsys, demo, monkeypatch):
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    monkeypatch.setenv("PAGERDUTY_TOKEN", demo.token)
    schedule = demo.account.schedule_by_name("Payments Secondary")
    page = {"schedules": [{"id": f"P{i}", "name": str(i)} for i in range(100)], "more": True, "limit": 100}
    demo.faults.queue(*[Canned.json(200, page, path_prefix="/schedules$")] * 100)  # the list, cut at the cap
    code, out, err = cli(capsys, "oncall", "--schedule", schedule.id, "--json")
    assert code == 0, err
    assert {row["schedule"]["id"] for row in json.loads(out)} == {schedule.id}
    code, _, err = cli(capsys, "oncall", "--schedule", "PNOPE")
    assert code == 4 and "no schedule with ID PNOPE" in err


# -- 8. names are text, not markup or terminal commands ------------------------------------------------------------


def test_8_markup_and_control_characters_in_names():
    assert inert('<b style="color:red">FAKE ALERT</b> &amp; more') == (
        '\u2039b style="color:red"\u203aFAKE ALERT\u2039/b\u203a \uff06amp; more'
    )
    assert inert("R&D on call") == "R&D on call"  # a plain ampersand stays
    assert one_line("Plat\nform\x1b[31m Primary\x00") == "Plat form\\x1b[31m Primary\\x00"
    assert one_line("x" * 20_000) == "x" * 254 + "…"
    assert for_terminal("a\x1b]0;owned\x07b\nc") == "a\\x1b]0;owned\\x07b\nc"


def test_8_the_tray_tooltip_and_popup_show_markup_as_text(qtbot, make_app, demo, monkeypatch):
    schedule = demo.account.schedule_by_name("Payments Secondary")
    schedule.name = '<img src="/etc/x.png"><font color=red size=7>FAKE ALERT</font>' + "y" * 20_000
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    monkeypatch.setenv("PAGERDUTY_TOKEN", demo.token)
    save_settings(Settings(watched_schedules=[schedule.id]))
    app = make_app(demo=False)
    qtbot.waitUntil(lambda: app.refresh.state.snapshot is not None and not app.refresh.state.refreshing, timeout=15_000)
    app.render()
    shown = app.tray.icon.toolTip()
    assert "<" not in shown and ">" not in shown
    assert "\u2039font color=red size=7\u203aFAKE ALERT" in shown
    assert len(shown) < 1_000
    app.open_timeline(schedule.id)
    from PySide6.QtCore import Qt

    assert app.popup.timeline.title.textFormat() == Qt.TextFormat.PlainText


def test_8_the_command_line_escapes_control_characters(capsys, demo, monkeypatch):
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    monkeypatch.setenv("PAGERDUTY_TOKEN", demo.token)
    demo.account.schedule_by_name("Payments Secondary").name = "Pay\x1b[2J\x1b]0;pwned\x07ments"
    code, out, _ = cli(capsys, "schedules")
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "Pay\\x1b[2J\\x1b]0;pwned\\x07ments" in out


# -- 9. settings edited while pdtray runs --------------------------------------------------------------------------


def test_9_a_save_keeps_what_was_changed_on_disk_meanwhile(tmp_path):
    started_with = Settings()
    save_settings(started_with, tmp_path)
    edited = json.loads(settings_path(tmp_path).read_text())
    edited["poll_interval"] = 300  # by hand, while pdtray runs
    settings_path(tmp_path).write_text(json.dumps(edited))
    mine = Settings(watched_schedules=["PABC"])  # pdtray's own change: a star
    merged = merged_with_disk(started_with, mine, tmp_path)
    assert (merged.poll_interval, merged.watched_schedules) == (300, ["PABC"])


# -- 10. TLS ---------------------------------------------------------------------------------------------------


@pytest.fixture
def tls_demo():
    import ssl

    import trustme

    from pdtray.demo import DemoServer

    authority = trustme.CA()
    server = DemoServer()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    server._httpd.socket = context.wrap_socket(server._httpd.socket, server_side=True)
    server.url = server.url.replace("http://", "https://")
    with server, authority.cert_pem.tempfile() as ca_file:
        yield server, ca_file


def test_10_an_untrusted_certificate_is_named_as_such(tls_demo):
    from pdtray.pagerduty.tls import build_context

    server, _ = tls_demo
    client = PagerDutyClient(
        server.token, base_url=server.url, tls=build_context({}), retry=RetryPolicy(max_server_retries=0)
    )
    with pytest.raises(TLSVerificationError) as caught:
        run(client.me())
    assert "certificate" in str(caught.value) and "trust store" in str(caught.value)
    assert "connection failed" not in str(caught.value)


def test_10_ssl_cert_file_is_honoured(tls_demo):
    from pdtray.pagerduty.tls import build_context

    server, ca_file = tls_demo
    client = PagerDutyClient(server.token, base_url=server.url, tls=build_context({"SSL_CERT_FILE": ca_file}))
    assert run(client.me())["name"] == "Demo User"


# -- 11. a pasted token with an invisible character ---------------------------------------------------------------


def test_11_a_token_with_a_zero_width_space_is_refused_with_its_name(demo):
    with pytest.raises(MalformedTokenError, match="zero width space, character 5"):
        PagerDutyClient("abcd\u200befgh12345", base_url=demo.url)


def test_11_the_command_line_says_so_without_a_traceback(capsys, demo, monkeypatch):
    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    monkeypatch.setenv("PAGERDUTY_TOKEN", "demo-user-token\u00a0x")
    code, out, err = cli(capsys, "oncall")
    assert code == 3 and out == ""
    assert "no-break space" in err and "Traceback" not in err


def test_11_settings_test_connection_answers_for_a_malformed_token(qtbot, make_app):
    from test_tray_app import settings_dialog

    app = make_app(demo=True)
    dialog = settings_dialog(qtbot, app)
    dialog.token_edit.setText("abcdefgh\u200bijk")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "zero width space" in dialog.test_result.text(), timeout=5_000)


# -- 12. a config dir that cannot be written ------------------------------------------------------------------------


def test_12_a_star_that_cannot_be_saved_is_not_lost_silently(qtbot, make_app, monkeypatch, tmp_path):
    app = make_app(demo=True)
    qtbot.waitUntil(lambda: bool(app.refresh.state.schedules), timeout=15_000)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("PDTRAY_CONFIG_DIR", str(blocker / "config"))  # every write there fails
    schedule = app.refresh.state.schedules[0]
    before = list(app.settings.watched_schedules)
    app.toggle_star(schedule.id)
    assert app.settings.watched_schedules == before  # not pretended saved
    app.open_popup()
    app.render()
    assert "Could not save the watched schedules" in app.popup.banner_text.text()


# -- 13. secrets in the log ----------------------------------------------------------------------------------------


def test_13_a_bearer_token_with_a_line_break_never_reaches_the_log():
    from pdtray.app.log import redact, remember_secret

    token = "pdus+abcdefgh\nijklmnop42"
    remember_secret(token)
    for line in (f"Authorization: Bearer {token}", repr({"Authorization": f"Bearer {token}"}), f"header {token!r}"):
        out = redact(line)
        assert "abcdefgh" not in out and "ijklmnop42" not in out, out


# -- 14. proxies -----------------------------------------------------------------------------------------------


def test_14_a_proxy_setting_does_not_apply_to_a_loopback_api(demo, make_client, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    assert run(make_client().me())["name"] == "Demo User"


# -- 15. single instance -------------------------------------------------------------------------------------------

RACE = """
import sys, time
from PySide6.QtCore import QCoreApplication
from pdtray.ui.single_instance import InstanceLock
app = QCoreApplication([])
lock = InstanceLock(sys.argv[1])
got = lock.acquire()
print("won" if got else "lost", flush=True)
time.sleep(1.5)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="socket paths")
def test_15_of_simultaneous_starts_exactly_one_runs(tmp_path):
    name = str(tmp_path / "pdtray-race.sock")
    starts = [subprocess.Popen([sys.executable, "-c", RACE, name], stdout=subprocess.PIPE, text=True) for _ in range(8)]
    outcomes = [p.communicate(timeout=60)[0].strip() for p in starts]
    assert sorted(outcomes) == ["lost"] * 7 + ["won"]


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to make another user's socket")
def test_15_a_socket_squatted_by_another_user_is_not_taken_for_pdtray(tmp_path):
    import socket

    from pdtray.ui.single_instance import ask_running_instance

    name = str(tmp_path / "squat.sock")
    squatter = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    squatter.bind(name)
    squatter.listen()
    try:
        os.chown(name, 65534, 65534)
        assert ask_running_instance(name) is False
    finally:
        squatter.close()


# -- 17. the repeated hour of a DST change ------------------------------------------------------------------------


def test_17_labels_in_the_repeated_hour_say_which_one():
    berlin = ZoneInfo("Europe/Berlin")
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, an hour later
    assert (clock(first, berlin), clock(second, berlin)) == ("02:30 CEST", "02:30 CET")
    assert clock(datetime(2026, 10, 25, 2, 30, tzinfo=UTC), berlin) == "03:30"
    assert clock(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), berlin) == "03:30"  # spring: nothing repeats


# -- 18. core dumps ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux")
def test_18_pdtray_opts_out_of_core_dumps(demo):
    probe = (
        "import resource, sys\n"
        "from pdtray.cli.main import main\n"
        "from pdtray.app.no_core_dumps import is_dumpable\n"
        "code = main(['--demo', 'schedules', '--json'])\n"
        "print(code, resource.getrlimit(resource.RLIMIT_CORE), is_dumpable(), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stderr.strip().splitlines()[-1] == "0 (0, 0) False"


# -- 19. anyio's lost event loop ---------------------------------------------------------------------------------


def test_19_no_event_loop_error_is_retried_for_a_read(demo, sleeps):
    import httpx
    from anyio import NoEventLoopError

    real = httpx.AsyncHTTPTransport()
    calls = []

    class FlakyTransport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            calls.append(request.url.path)
            if len(calls) == 1:
                raise NoEventLoopError("Not currently running on any asynchronous event loop.")
            return await real.handle_async_request(request)

    client = PagerDutyClient(demo.token, base_url=demo.url, sleep=sleeps, transport=FlakyTransport())
    assert run(client.me())["name"] == "Demo User"
    assert calls == ["/users/me", "/users/me"]


def test_19_no_event_loop_error_on_a_write_is_uncertain(demo, sleeps):
    import httpx
    from anyio import NoEventLoopError

    class BrokenTransport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            raise NoEventLoopError("Not currently running on any asynchronous event loop.")

    client = PagerDutyClient(demo.token, base_url=demo.url, sleep=sleeps, transport=BrokenTransport())
    with pytest.raises(UncertainOutcomeError):
        run(client.create_incident(service_id="PX", title="t", from_email=ME_EMAIL))


def test_12_a_pause_that_cannot_be_recorded_says_so_and_says_so_no_more_once_it_can(qapp, tmp_path):
    from pdtray.app.reminders import ReminderScheduler

    blocker = tmp_path / "full"
    blocker.write_text("")  # a file where the folder should be: every write below it fails
    scheduler = ReminderScheduler(Settings(), state_file=blocker / "notifications.json")
    problems: list[str] = []
    scheduler.save_failed.connect(problems.append)
    scheduler.set_pause(datetime.now(UTC) + timedelta(hours=1))
    assert problems and "Could not record sent notifications and the pause" in problems[-1]
    assert "a pause may be lost" in problems[-1]
    blocker.unlink()
    blocker.mkdir()
    scheduler.set_pause(None)
    assert problems[-1] == ""  # recorded again: the popup's warning goes away


def test_3_a_cancelled_keyring_prompt_is_not_asked_again_by_itself(qtbot, make_app):
    """An unlock prompt cancelled once is shown again only when the person asks (issue 13, item 15)."""
    import keyring
    from keyring.backend import KeyringBackend
    from keyring.errors import KeyringLocked

    from pdtray.app.secrets import KeyringUnavailableError

    asked = []

    class LockedKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service, username):
            asked.append(username)
            raise KeyringLocked("the user dismissed the unlock prompt")

        def set_password(self, service, username, password):
            raise KeyringLocked("locked")

        def delete_password(self, service, username):
            raise KeyringLocked("locked")

    keyring.set_keyring(LockedKeyring())
    app = make_app(demo=False)
    qtbot.waitUntil(lambda: isinstance(app.refresh.state.error, KeyringUnavailableError), timeout=10_000)
    qtbot.waitUntil(lambda: not app.refresh.state.refreshing, timeout=5_000)
    assert not app.refresh._timer.isActive() and app.refresh.state.next_at is None  # no automatic retry
    app.render()
    assert "keyring is locked or not answering — unlock it, then Refresh now" in app.tray.look.tooltip
    before = len(asked)
    app.refresh.refresh_now()  # the person's "Refresh now"
    qtbot.waitUntil(lambda: len(asked) > before, timeout=5_000)


def test_9_a_save_onto_an_unreadable_file_keeps_this_processs_settings(tmp_path):
    """Merging onto a corrupt file would put defaults in place of everything this process knows."""
    mine = Settings(poll_interval=300, watched_schedules=["PABC"])
    settings_path(tmp_path).write_text("{not json")
    merged = merged_with_disk(Settings(poll_interval=300), mine, tmp_path)
    assert merged == mine
