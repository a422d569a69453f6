"""People and escalation (issue 12), over real HTTP against the demo, with hand-worked expectations: the person
card, contact methods hidden by a 403, local time across a DST change, a service's chain with a schedule level, an
empty level and a directly targeted person, paging a person and a policy (and the refusals), and who is on call
as text, markdown and Slack lines."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from conftest import run
from test_cli import cli

from pdtray.app import actions, escalation, people
from pdtray.demo import DemoServer
from pdtray.demo.account import DEMO_USER_EMAIL, build_account
from pdtray.oncall import OnCall, Ref, User, by_schedule
from pdtray.oncall.escalation import level_lines
from pdtray.oncall.people import decode_contact_methods, local_time_line, shift_lines
from pdtray.oncall.summary import chat_summary
from pdtray.pagerduty import AccessDeniedError, BadRequestError, PagerDutyClient

START = datetime(2026, 11, 22, 14, 24, tzinfo=UTC)  # a Sunday; Berlin 15:24, New York 09:24
UTC_TZ = UTC


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    return datetime(2026, 11, 22, tzinfo=UTC) + timedelta(days=day, hours=hour, minutes=minute)


@pytest.fixture
def story():
    with DemoServer(build_account(START)) as server:
        yield server


async def _with(server, fn, *args, **kwargs):
    async with PagerDutyClient(server.token, base_url=server.url) as client:
        return await fn(client, *args, **kwargs)


def _user(server, name):
    return server.account.user_by_name(name)


# -- the person card ------------------------------------------------------------------------------------------------


def test_person_card_has_contacts_local_time_and_shifts(story):
    alice = _user(story, "Alice Nguyen")
    book = people.ContactBook()
    card = run(_with(story, people.person_card, alice.id, START, book))
    assert (card.user.name, card.user.email, card.user.time_zone) == (
        "Alice Nguyen",
        "alice.nguyen@example.com",
        "America/New_York",
    )
    # Alice is the second demo person: her fake mobile is 212 555 0101, country code 1
    assert [(c.kind, c.label, c.address, c.url) for c in card.contacts] == [
        ("email", "Work", "alice.nguyen@example.com", "mailto:alice.nguyen@example.com"),
        ("phone", "Mobile", "+1 2125550101", "tel:+12125550101"),
        ("sms", "Mobile", "+1 2125550101", "sms:+12125550101"),
    ]
    assert (card.email, card.phone, card.contacts_note) == ("alice.nguyen@example.com", "+1 2125550101", None)
    # 14:24 UTC on Sunday 22 Nov is 09:24 in New York (EST, UTC-5)
    assert local_time_line(card.user, START) == "It is Sun 09:24 for Alice (America/New_York)"
    # on call now for Platform Primary (L1 of Platform, L2 of Mobile) until the demo user takes over ten minutes
    # after the start, and for Platform Shifts until its daily 08:00 New York handoff (13:00 UTC); back on
    # Platform Primary after the demo user's 12 hours
    assert shift_lines(card.shifts, START, UTC_TZ) == [
        "On call for Platform Primary (L1, L2) until 14:34 today",
        "On call for Platform Shifts (L1) until tomorrow 13:00",
        "Next: Platform Primary (L1, L2), tomorrow at 02:34",
    ]


def test_contact_methods_are_asked_once_then_kept_for_minutes_in_memory(story):
    alice = _user(story, "Alice Nguyen")
    clock = [1000.0]
    book = people.ContactBook(clock=lambda: clock[0])
    run(_with(story, people.person_card, alice.id, START, book))
    run(_with(story, people.person_card, alice.id, START, book))
    asked = [r.path for r in story.faults.requests if r.path.endswith("/contact_methods")]
    assert asked == [f"/users/{alice.id}/contact_methods"]
    clock[0] += people.CONTACTS_TTL
    run(_with(story, people.person_card, alice.id, START, book))
    assert len([r for r in story.faults.requests if r.path.endswith("/contact_methods")]) == 2
    assert "alice" not in repr(book) and "555" not in repr(book)


def test_a_403_on_contact_methods_says_not_visible_and_the_card_still_opens(story):
    jonas = _user(story, "Jonas Berg")
    with pytest.raises(AccessDeniedError):
        run(_with(story, lambda client: client.contact_methods(jonas.id)))
    card = run(_with(story, people.person_card, jonas.id, START, people.ContactBook()))
    assert card.contacts is None
    assert card.contacts_note == "Contact methods are not visible with this token."
    assert card.user.email == "jonas.berg@example.com"  # the user object still carries the email
    farid = run(_with(story, people.person_card, _user(story, "Farid Haddad").id, START, people.ContactBook()))
    assert (farid.contacts, farid.contacts_note, farid.phone) == ((), None, None)


def test_local_time_across_the_autumn_dst_change():
    alice = User("PA", "Alice Nguyen", time_zone="America/New_York")
    # 1 Nov 2026, New York falls back at 06:00 UTC: 01:30 comes twice, first EDT (UTC-4) then EST (UTC-5)
    assert local_time_line(alice, datetime(2026, 11, 1, 5, 30, tzinfo=UTC)) == (
        "It is Sun 01:30 EDT for Alice (America/New_York)"
    )
    assert local_time_line(alice, datetime(2026, 11, 1, 6, 30, tzinfo=UTC)) == (
        "It is Sun 01:30 EST for Alice (America/New_York)"
    )
    assert (
        local_time_line(alice, datetime(2026, 11, 1, 8, 0, tzinfo=UTC))
        == "It is Sun 03:00 for Alice (America/New_York)"
    )
    assert local_time_line(User("PX", "Nobody"), START) is None  # no zone known


def test_contact_methods_decode_skips_push_and_malformed_and_keeps_no_address_in_repr():
    methods = decode_contact_methods(
        [
            {"type": "push_notification_contact_method", "label": "iPhone", "address": "token"},
            {"type": "phone_contact_method", "label": "Desk", "address": "(030) 123-456", "country_code": 49},
            {"type": "sms_contact_method", "label": "Mobile", "address": "   "},
            "nonsense",
        ]
    )
    assert [(m.kind, m.address, m.url) for m in methods] == [("phone", "+49 030123456", "tel:+49030123456")]
    assert "123" not in repr(methods[0])


# -- a service's escalation chain --------------------------------------------------------------------------------


def test_escalation_of_a_service_with_schedule_empty_and_direct_levels(story):
    found = run(_with(story, escalation.escalation, "Web Frontend", START))
    assert found.service is not None and found.service.ref.name == "Web Frontend"
    assert found.policy.ref.name == "Web"
    l1, l2, l3 = found.levels
    # L1 Frontend Shifts (Berlin): Emma until 09:00 Berlin (08:00 UTC) tomorrow; Grace's custom shift comes next
    assert [(r.user.name, r.end) for r in l1.now] == [("Emma Schulz", at(8, 0, day=1))]
    assert [(r.user.name, r.start) for r in l1.next] == [("Grace Kim", at(8, 0, day=1))]
    # L2 Experimental Service has nobody; L3 targets Jonas Berg directly: always on call
    assert (l2.now, l2.next) == ((), ())
    assert [(r.user.name, r.start, r.end) for r in l3.now] == [("Jonas Berg", None, None)]
    assert level_lines(found.levels, START, UTC_TZ) == [
        "L1 Frontend Shifts: Emma Schulz until tomorrow 08:00; next Grace Kim, tomorrow at 08:00",
        "L2 Experimental Service: nobody — escalates to L3",
        "L3 Jonas Berg: Jonas Berg (always)",
    ]
    # by service ID and by the policy's ID: the same chain (the policy alone names no service)
    by_id = run(_with(story, escalation.escalation, found.service.ref.id, START))
    by_policy = run(_with(story, escalation.escalation, found.policy.ref.id, START))
    assert by_id.levels == found.levels and by_policy.levels == found.levels and by_policy.service is None


def test_escalation_requests_are_few_and_unknown_names_say_what_to_do(story):
    story.faults.clear_requests()
    service = story.account.services[
        next(s for s in story.account.services if story.account.services[s].name == "Core API")
    ]
    run(_with(story, escalation.escalation, service.id, START))
    assert sorted(r.path for r in story.faults.requests) == sorted(
        [f"/services/{service.id}", f"/escalation_policies/{service.escalation_policy}", "/oncalls"]
    )
    with pytest.raises(Exception, match="no service or escalation policy 'Nope'; `pdtray services` lists"):
        run(_with(story, escalation.escalation, "Nope", START))


def test_change_events_of_the_last_24_hours_newest_first(story):
    core = next(s for s in story.account.services.values() if s.name == "Core API")
    changes = run(_with(story, escalation.recent_changes, core.id, START))
    # the demo's Core API changes are 2 h, 9 h and 30 h old: the last is outside the day
    assert [(c.summary, START - c.at) for c in changes] == [
        ("Deploy core-api v2.41.0", timedelta(hours=2)),
        ("Config change: connection pool 50 -> 80", timedelta(hours=9)),
    ]
    assert changes[0].source == "GitHub Actions" and changes[0].link.startswith("https://ci.example.com/")


def test_services_with_who_is_on_call_at_level_one(story):
    listed = run(_with(story, escalation.services_on_call, START))
    by_name = {s.ref.name: [r.user.name for r in rows] for s, rows in listed}
    assert by_name["Web Frontend"] == ["Emma Schulz"]
    assert by_name["Checkout API"] == ["Carmen Díaz"]  # Payments Primary's L1 at 15:24 Madrid


# -- paging a person or a policy ---------------------------------------------------------------------------------


def _page(server, **kwargs):
    core = next(s for s in server.account.services.values() if s.name == "Core API")
    kwargs.setdefault("dedup_key", actions.new_dedup_key())
    return run(_with(server, actions.page_directly, service_id=core.id, from_email=DEMO_USER_EMAIL, **kwargs)), core


def test_paging_a_person_assigns_the_incident_to_them_and_a_second_try_is_refused_as_already_paged(demo):
    bob = _user(demo, "Bob Okafor")
    key = actions.new_dedup_key()
    result, core = _page(demo, summary="Need Bob on the login 5xx", user_id=bob.id, dedup_key=key)
    assert result.incident is not None and result.incident.title == "Need Bob on the login 5xx"
    created = demo.account.incidents[result.incident.id]
    assert (created.assignees, created.service, created.incident_key) == ([bob.id], core.id, key)
    assert created.escalation_policy == ""  # assigned to Bob, not escalated through a policy
    # the person presses Page again after an uncertain answer: the same key, and PagerDuty has it already
    again, _ = _page(demo, summary="Need Bob on the login 5xx", user_id=bob.id, dedup_key=key)
    assert (again.already, again.incident) == (True, None)
    assert len([i for i in demo.account.incidents.values() if i.incident_key == key]) == 1


def test_paging_a_policy_goes_to_its_first_level(demo):
    web = demo.account.policies[next(p for p in demo.account.policies if demo.account.policies[p].name == "Web")]
    result, _ = _page(demo, summary="Frontend down", escalation_policy_id=web.id, urgency="low")
    created = demo.account.incidents[result.incident.id]
    assert created.escalation_policy == web.id and created.urgency == "low"
    # the demo's L1 of Web is Frontend Shifts: whoever holds it now is assigned
    holder = run(_with(demo, escalation.escalation, web.id, datetime.now(UTC))).levels[0].now
    assert [demo.account.users[u].name for u in created.assignees] == [r.user.name for r in holder]


def test_paging_refusals(demo, monkeypatch):
    with pytest.raises(ValueError, match="a person or an escalation policy"):
        _page(demo, summary="x")
    with pytest.raises(ValueError, match="say what is wrong"):
        _page(demo, summary="  ", user_id=_user(demo, "Bob Okafor").id)
    with pytest.raises(BadRequestError, match="Assignee PNOBODY not found"):
        _page(demo, summary="x", user_id="PNOBODY")
    core = next(s for s in demo.account.services.values() if s.name == "Core API")

    async def read_only(client):
        return await actions.page_directly(
            client, service_id=core.id, summary="x", user_id=core.id, dedup_key="k", from_email=DEMO_USER_EMAIL
        )

    async def with_read_only_key():
        async with PagerDutyClient("demo-readonly-token", base_url=demo.url) as client:
            return await read_only(client)

    with pytest.raises(AccessDeniedError, match="read-only"):
        run(with_read_only_key())


def test_a_page_is_sent_once_even_when_the_answer_is_lost(demo):
    """The POST reaches PagerDuty but the answer does not come back: no retry sends it again."""
    demo.faults.lose_answer(status=0, method="POST", path_prefix="/incidents")
    from pdtray.pagerduty import UncertainOutcomeError

    with pytest.raises(UncertainOutcomeError):
        _page(demo, summary="Lost answer", user_id=_user(demo, "Bob Okafor").id)
    assert len([i for i in demo.account.incidents.values() if i.title == "Lost answer"]) == 1


# -- who is on call, for a chat ------------------------------------------------------------------------------------


def _row(user, schedule, level, end, url=None):
    return OnCall(User(user[0], user[1], html_url=url), Ref("PEP", "Policy"), level, schedule, at(8, day=-1), end)


def test_chat_summaries_in_text_markdown_and_slack():
    platform, payments, release = Ref("PP", "Platform Primary"), Ref("PY", "Payments Primary"), Ref("PR", "Release")
    rows = [
        _row(("PA", "Alice Nguyen"), platform, 1, at(17, 0), "https://x.pagerduty.com/users/PA"),
        _row(("PB", "Bob Okafor"), payments, 1, at(8, 0, day=1)),
        _row(("PC", "Carol <Diaz>"), payments, 2, at(9, 0, day=1)),  # L2 is not the one to call
    ]
    on_call = by_schedule(rows, START)
    refs = [platform, payments, release]
    assert chat_summary(refs, on_call, START, UTC_TZ) == (
        "Alice Nguyen is on call for Platform Primary until 17:00, Bob Okafor for Payments Primary until tomorrow "
        "08:00, nobody for Release"
    )
    assert chat_summary(refs, on_call, START, UTC_TZ, "markdown") == (
        "- **Platform Primary**: [Alice Nguyen](https://x.pagerduty.com/users/PA) until 17:00\n"
        "- **Payments Primary**: Bob Okafor until tomorrow 08:00\n"
        "- **Release**: nobody on call"
    )
    assert chat_summary(refs, on_call, START, UTC_TZ, "slack") == (
        "• *Platform Primary*: <https://x.pagerduty.com/users/PA|Alice Nguyen> until 17:00\n"
        "• *Payments Primary*: Bob Okafor until tomorrow 08:00\n"
        "• *Release*: nobody on call"
    )
    # the display zone decides the clock: Berlin is UTC+1 in November
    from zoneinfo import ZoneInfo

    assert chat_summary([platform], on_call, START, ZoneInfo("Europe/Berlin")) == (
        "Alice Nguyen is on call for Platform Primary until 18:00"
    )
    # names are escaped for the form: a name cannot become a link or markup
    carol = by_schedule([_row(("PC", "Carol <Diaz>"), release, 1, at(20, 0))], START)
    assert chat_summary([release], carol, START, UTC_TZ, "slack") == "• *Release*: Carol &lt;Diaz&gt; until 20:00"
    assert chat_summary([release], carol, START, UTC_TZ, "markdown") == "- **Release**: Carol \\<Diaz\\> until 20:00"


# -- the command line -------------------------------------------------------------------------------------------


def test_cli_escalation_json_and_text(capsys):
    code, out, err = cli(capsys, "--demo", "escalation", "Web Frontend", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["service"]["name"], data["escalation_policy"]["name"]) == ("Web Frontend", "Web")
    l1, l2, l3 = data["levels"]
    assert [t["type"] for t in l1["targets"]] == ["schedule"] and l1["escalates_to"] is None
    assert (l2["on_call"], l2["escalates_to"]) == ([], 3)
    assert [(r["user"]["name"], r["end"]) for r in l3["on_call"]] == [("Jonas Berg", None)]
    code, out, _ = cli(capsys, "--demo", "escalation", "Web Frontend")
    assert "nobody — escalates to L3" in out and "Jonas Berg (always)" in out


def test_cli_person_shows_contacts_or_says_they_are_hidden(capsys):
    code, out, _ = cli(capsys, "--demo", "services", "--oncall", "--json")
    web = next(s for s in json.loads(out) if s["name"] == "Web Frontend")
    assert [r["user"]["name"] for r in web["on_call"]] == ["Emma Schulz"]
    code, out, _ = cli(capsys, "--demo", "escalation", web["id"], "--json")
    jonas = json.loads(out)["levels"][2]["on_call"][0]["user"]
    code, out, err = cli(capsys, "--demo", "person", jonas["id"], "--json")
    assert code == 0, err
    card = json.loads(out)
    assert card["contact_methods"] is None and card["user"]["time_zone"] == "Europe/Stockholm"
    code, out, _ = cli(capsys, "--demo", "person", jonas["id"])
    assert "Contact methods are not visible with this token." in out and "for Jonas (Europe/Stockholm)" in out


def test_cli_page_a_person_and_a_policy(capsys):
    code, out, _ = cli(capsys, "--demo", "services", "--json")
    core = next(s for s in json.loads(out) if s["name"] == "Core API")
    web = next(s for s in json.loads(out) if s["name"] == "Web Frontend")
    from pdtray.demo.account import pd_id

    bob = {"id": pd_id("user", "Bob Okafor")}  # the demo's IDs are fixed; whether Bob is on call depends on the hour
    code, out, err = cli(capsys, "--demo", "page", core["id"], "--user", bob["id"], "--summary", "Login 5xx")
    assert code == 2 and "Page Bob Okafor on Core API (high urgency): “Login 5xx”? Add --yes" in err
    code, out, err = cli(
        capsys, "--demo", "page", core["id"], "--user", bob["id"], "--summary", "Login 5xx", "--yes", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["paged"] == {"user": bob["id"], "escalation_policy": None}
    assert result["incident"]["title"] == "Login 5xx" and result["service"]["name"] == "Core API"
    policy = web["escalation_policy"]["id"]
    code, out, err = cli(capsys, "--demo", "page", "--escalation-policy", policy, "--summary", "Web down", "--yes")
    assert code == 0, err
    assert out.startswith("Triggered #") and "on Web Frontend; PagerDuty is paging escalation policy Web." in out
    code, _, err = cli(capsys, "--demo", "page", "--user", bob["id"], "--summary", "x", "--yes")
    assert code == 2 and "An incident belongs to a service" in err


def test_cli_oncall_format_lines(capsys):
    code, out, err = cli(capsys, "--demo", "oncall", "--format", "text")
    assert code == 0, err
    # every schedule someone is on call for (nothing is watched in this config), each once
    assert out.count(" for Platform Primary until ") == 1 and out.count(" for Platform Shifts until ") == 1
    assert out.count("\n") == 1 and " is on call for " in out  # one line for a chat topic
    code, out, _ = cli(capsys, "--demo", "oncall", "--format", "slack", "--json")
    data = json.loads(out)
    assert data["format"] == "slack" and data["text"].startswith("• *")


def test_no_contact_detail_reaches_the_log_or_the_cache(story, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    alice = _user(story, "Alice Nguyen")
    run(_with(story, people.person_card, alice.id, START, people.ContactBook()))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "2125550101" not in logged and "555" not in logged


# -- in the tray (offscreen) --------------------------------------------------------------------------------------


def test_tray_services_chain_person_card_and_copy(qtbot, make_app):
    from PySide6.QtWidgets import QApplication
    from test_tray_app import settle

    app = make_app(demo=True)
    settle(qtbot, app)
    # the Services submenu is filled once the first refresh is in: the demo's four services
    qtbot.waitUntil(lambda: len(app.menu.services_menu.actions()) == 4, timeout=10_000)
    assert app.popup is None  # the menu's services do not build the popup (its pages cost memory)
    web = next(a for a in app.menu.services_menu.actions() if a.text() == "Web Frontend")
    web.trigger()  # two clicks from the tray: the menu, then the service
    popup = app.popup
    assert popup.isVisible() and popup.stack.currentWidget() is popup.services
    levels = popup.services.levels
    qtbot.waitUntil(lambda: levels.topLevelItemCount() == 3, timeout=10_000)
    tops = [levels.topLevelItem(i).text(0) for i in range(3)]
    assert tops == ["L1 · Frontend Shifts", "L2 · Experimental Service", "L3 · Jonas Berg"]
    assert levels.topLevelItem(1).child(0).text(0) == "nobody — escalates to L3"
    assert levels.topLevelItem(2).child(0).text(0) == "Jonas Berg — always"
    l1 = levels.topLevelItem(0).child(0)
    assert l1.text(0).startswith("Emma Schulz — until ")
    # the L1's card: how to reach her
    popup.services.levels.setCurrentItem(l1)
    popup.services.contact.click()
    assert popup.stack.currentWidget() is popup.person
    qtbot.waitUntil(lambda: popup.person.card is not None, timeout=10_000)
    card = popup.person
    assert card.name.text() == "Emma Schulz"
    shown = [card.contacts.itemAtPosition(r, 0).widget().text() for r in range(card.contacts.rowCount())]
    assert shown == ["Email (Work)", "Call (Mobile)", "SMS (Mobile)"]
    assert "mailto:emma.schulz@example.com" in card.contacts.itemAtPosition(0, 1).widget().text()
    assert card.local_time.text().startswith("It is ") and "for Emma (Europe/Berlin)" in card.local_time.text()
    assert card.page.text() == "Page Emma…"
    # hiding the popup forgets her contact details
    popup.hide()
    assert card.card is None and card.contacts.count() == 0
    assert popup.stack.currentWidget() is popup.services
    # Copy who is on call: one line for a chat topic, on the clipboard
    app.copy_who_is_on_call()
    copied = QApplication.clipboard().text()
    assert " is on call for " in copied and "\n" not in copied and "Platform Primary" in copied


# -- the demo as a stand-in any PagerDuty client can use ------------------------------------------------------


def test_demo_answers_where_it_used_to_diverge_from_pagerdutys_schema(story):
    import httpx

    headers = {"Authorization": f"Token token={story.token}", "Accept": "application/vnd.pagerduty+json;version=2"}

    def get(path, **params):
        return httpx.get(story.url + path, headers=headers, params=params, timeout=10)

    alice = _user(story, "Alice Nguyen")
    user = get(f"/users/{alice.id}").json()["user"]
    assert user["avatar_url"].startswith("https://")  # PagerDuty always sends one
    assert [c["type"] for c in user["contact_methods"]] == [
        "email_contact_method_reference",
        "phone_contact_method_reference",
        "sms_contact_method_reference",
    ]
    # GET /users exists, paginated
    listed = get("/users", limit=5).json()
    assert len(listed["users"]) == 5 and listed["more"] is True
    # without statuses[], every status of the last month: the demo's resolved incident is among them
    every = get("/incidents", limit=100).json()["incidents"]
    assert {i["status"] for i in every} == {"triggered", "acknowledged", "resolved"}
    resolved = next(i for i in every if i["status"] == "resolved")
    assert resolved["assignments"] == []  # PagerDuty empties them on resolve
    open_one = next(i for i in every if i["status"] == "triggered")
    assert set(open_one["assignments"][0]) == {"at", "assignee"}
    # a schedule with only since renders two weeks from it; with only until, the two weeks before it
    schedule = story.account.schedule_by_name("Platform Primary")
    since_only = get(f"/schedules/{schedule.id}", since=START.isoformat()).json()["schedule"]["final_schedule"]
    entries = since_only["rendered_schedule_entries"]
    assert entries and entries[-1]["end"] >= (START + timedelta(days=13)).isoformat()[:10]
    until_only = get(f"/schedules/{schedule.id}", until=START.isoformat()).json()["schedule"]["final_schedule"]
    assert until_only["rendered_schedule_entries"][0]["start"] <= (START - timedelta(days=13)).isoformat()[:10]
    # a refused override: error.errors is an array of strings
    refused = httpx.post(
        f"{story.url}/schedules/{schedule.id}/overrides",
        headers=headers,
        json={
            "overrides": [{"start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z", "user": {"id": alice.id}}]
        },
        timeout=10,
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["errors"] == ["Overrides cannot be created in the past"]
    # escalation policies and a service by ID follow the schema's shapes
    policy = get("/escalation_policies", query="Web").json()["escalation_policies"][0]
    assert [len(r["targets"]) for r in policy["escalation_rules"]] == [1, 1, 1]
    assert [r["targets"][0]["type"] for r in policy["escalation_rules"]] == [
        "schedule_v3_reference",
        "schedule_reference",
        "user_reference",
    ]
    assert policy["services"][0]["summary"] == "Web Frontend"
