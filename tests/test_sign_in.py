"""Sign in with PagerDuty (issue 15), end to end over real HTTP against the demo's authorization server: PKCE with
a loopback redirect followed by a headless "browser", the refusals (wrong verifier, wrong state, expired code),
renewal before expiry and after a 401, revocation leading to "sign in again", the command line, and no token in
logs, settings or caches."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from conftest import run

from pdtray.app import queries
from pdtray.app.connection import Connection
from pdtray.app.secrets import KEYRING_SERVICE, TokenOrigin
from pdtray.app.sign_in import KEYRING_OAUTH_USERNAME, SignedIn, SignInError, read_sign_in, sign_in, store_sign_in
from pdtray.demo import DemoServer
from pdtray.demo.oauth import CODE_LIFETIME, DEMO_CLIENT_ID
from pdtray.pagerduty import PagerDutyClient
from pdtray.pagerduty.oauth import (
    RENEW_MARGIN,
    OAuthCredentials,
    SignInAgainError,
    authorization_request,
    exchange_code,
)


def browser(*, tamper_state: bool = False):
    """A headless browser: opens the consent URL (the demo approves at once) and follows the redirect back to the
    loopback receiver, from a thread, as a real browser is another process."""

    def open_url(url: str) -> None:
        def go() -> None:
            # urllib, not httpx: a browser is another process, and httpx would log the redirect (code and all)
            # into this test process's log, which the no-secrets test reads
            location = _redirect_of(url)
            if tamper_state:
                parts = urlsplit(location)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                query["state"] = "forged"
                location = urlunsplit(parts._replace(query=urlencode(query)))
            urllib.request.urlopen(location, timeout=10).read()

        threading.Thread(target=go, daemon=True).start()

    return open_url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _redirect_of(url: str) -> str:
    """Where the consent page sends the browser (the demo approves at once and answers 302)."""
    try:
        urllib.request.build_opener(_NoRedirect).open(url, timeout=10)
    except urllib.error.HTTPError as answer:
        return answer.headers["Location"]
    raise AssertionError("the consent page did not redirect")


def use_headless_browser(tmp_path, monkeypatch) -> None:
    """``$BROWSER`` (what Python's webbrowser runs) set to a script that follows the consent page and the
    redirect back, for the command line's `pdtray login`."""
    script = tmp_path / "browser.py"
    script.write_text(
        "import sys, httpx\n"
        "r = httpx.get(sys.argv[1], follow_redirects=False, timeout=10)\n"
        "httpx.get(r.headers['location'], timeout=10)\n"
    )
    monkeypatch.setenv("BROWSER", f"{sys.executable} {script} %s")


def signed_in_by_browser(demo: DemoServer) -> SignedIn:
    return run(sign_in(demo.url, DEMO_CLIENT_ID, browser(), timeout=20))


def test_sign_in_with_pkce_then_use_the_api_as_the_user(demo):
    signed = signed_in_by_browser(demo)
    assert signed.tokens.access_token.startswith("pdus+") and signed.tokens.refresh_token
    assert signed.tokens.expires_at == pytest.approx(time.time() + 3600, abs=30)
    assert demo.api.oauth.grants == ["authorization_code"]
    store_sign_in(signed)
    stored = read_sign_in()
    assert stored is not None and stored.tokens == signed.tokens
    # with no API key anywhere, the sign-in is what pdtray connects with
    from pdtray.app.secrets import load_token

    token = load_token()
    assert token.origin is TokenOrigin.OAUTH and signed.tokens.access_token not in repr(token)

    async def whoami() -> str:
        async with Connection(token, base_url=demo.url).client() as client:
            return (await queries.me(client)).name

    assert run(whoami()) == "Demo User"
    assert [r.auth_scheme for r in demo.faults.requests if r.path == "/users/me"] == ["Bearer"]


def test_a_wrong_verifier_and_an_expired_code_are_refused(demo):
    redirect = "http://127.0.0.1:9/callback"

    def code_for(request) -> str:
        location = httpx.get(request.url, follow_redirects=False, timeout=10).headers["location"]
        return parse_qs(urlsplit(location).query)["code"][0]

    request = authorization_request(demo.url, DEMO_CLIENT_ID, redirect)
    # PKCE: the challenge in the URL is S256 of the verifier, and the verifier is never in the URL
    query = parse_qs(urlsplit(request.url).query)
    assert query["code_challenge_method"] == ["S256"] and request.verifier not in request.url
    code = code_for(request)
    other = authorization_request(demo.url, DEMO_CLIENT_ID, redirect)  # another verifier
    with pytest.raises(SignInAgainError, match="code_verifier does not match"):
        run(
            exchange_code(
                demo.url, DEMO_CLIENT_ID, other.__class__(request.url, request.state, other.verifier, redirect), code
            )
        )
    # a code works once: the right verifier now meets a used code
    with pytest.raises(SignInAgainError, match="invalid or was already used"):
        run(exchange_code(demo.url, DEMO_CLIENT_ID, request, code))
    late = authorization_request(demo.url, DEMO_CLIENT_ID, redirect)
    late_code = code_for(late)
    started = time.monotonic()
    demo.api.oauth.clock = lambda: time.monotonic() + CODE_LIFETIME + 1  # a minute later
    with pytest.raises(SignInAgainError, match="expired"):
        run(exchange_code(demo.url, DEMO_CLIENT_ID, late, late_code))
    assert time.monotonic() - started < CODE_LIFETIME


def test_a_redirect_with_another_state_is_refused(demo):
    with pytest.raises(SignInError, match="state mismatch"):
        run(sign_in(demo.url, DEMO_CLIENT_ID, browser(tamper_state=True), timeout=20))
    assert demo.api.oauth.grants == []  # the code was never exchanged


def test_no_client_id_says_what_to_do():
    with pytest.raises(SignInError, match="client ID in Settings"):
        run(sign_in("https://identity.pagerduty.com", " ", browser()))


def _credentials(demo, signed, saved, clock=time.time) -> OAuthCredentials:
    async def save(tokens) -> None:
        saved.append(tokens)

    return OAuthCredentials(signed.tokens, identity=demo.url, client_id=DEMO_CLIENT_ID, save=save, clock=clock)


async def _me(demo, credentials) -> str:
    async with PagerDutyClient(credentials, base_url=demo.url) as client:
        return (await queries.me(client)).name


def test_renewed_before_it_expires(demo):
    signed = signed_in_by_browser(demo)
    saved: list = []
    # five minutes before expiry counts as expired: renewed first, then used
    credentials = _credentials(demo, signed, saved, clock=lambda: signed.tokens.expires_at - RENEW_MARGIN + 1)
    assert run(_me(demo, credentials)) == "Demo User"
    assert demo.api.oauth.grants == ["authorization_code", "refresh_token"]
    assert len(saved) == 1 and saved[0].access_token != signed.tokens.access_token
    assert saved[0].refresh_token != signed.tokens.refresh_token  # rotated, and kept


def test_renewed_once_after_a_401_and_the_request_goes_through(demo):
    signed = signed_in_by_browser(demo)
    saved: list = []
    credentials = _credentials(demo, signed, saved)
    demo.api.oauth.access.clear()  # the access token stops working early (PagerDuty may revoke it)
    assert run(_me(demo, credentials)) == "Demo User"
    assert demo.api.oauth.grants.count("refresh_token") == 1
    assert [r.path for r in demo.faults.requests].count("/users/me") == 2  # the 401, then the retry


def test_a_revoked_sign_in_asks_to_sign_in_again(demo):
    signed = signed_in_by_browser(demo)
    credentials = _credentials(demo, signed, [])
    demo.api.oauth.revoke_all()  # the app removed by an admin
    with pytest.raises(SignInAgainError, match="sign in again"):
        run(_me(demo, credentials))


def test_cli_login_uses_the_browser_and_logout_revokes(demo, capsys, isolated, monkeypatch, tmp_path):
    from test_cli import cli

    use_headless_browser(tmp_path, monkeypatch)
    code, out, err = cli(capsys, "login", "--api-url", demo.url, "--client-id", DEMO_CLIENT_ID)
    assert code == 0, err
    assert out.startswith("Signed in as Demo User (demo@pdtray.example)")
    stored = isolated.items[(KEYRING_SERVICE, KEYRING_OAUTH_USERNAME)]
    tokens = json.loads(stored)["tokens"]
    code, out, err = cli(capsys, "--api-url", demo.url, "next", "--json")
    assert code == 0, err and json.loads(out)["user"]["name"] == "Demo User"
    code, out, err = cli(capsys, "logout")
    assert code == 0, err
    assert (KEYRING_SERVICE, KEYRING_OAUTH_USERNAME) not in isolated.items
    assert tokens["refresh_token"] not in demo.api.oauth.refresh and tokens["access_token"] not in demo.api.oauth.access


def test_no_token_reaches_logs_settings_or_caches(demo, caplog, tmp_path):
    import os
    from pathlib import Path

    caplog.set_level(logging.DEBUG)
    signed = signed_in_by_browser(demo)
    store_sign_in(signed)
    credentials = _credentials(demo, signed, [], clock=lambda: signed.tokens.expires_at)  # renews at once
    run(_me(demo, credentials))
    codes = set(demo.api.oauth.codes)  # the authorization code(s) the browser carried back
    assert codes
    secrets_seen = {signed.tokens.access_token, signed.tokens.refresh_token, credentials.tokens.access_token, *codes}
    logged = "\n".join(r.getMessage() for r in caplog.records) + repr(credentials) + repr(signed)
    assert not any(secret in logged for secret in secrets_seen)
    for folder in (os.environ["PDTRAY_CONFIG_DIR"], os.environ["PDTRAY_CACHE_DIR"]):
        for path in Path(folder).rglob("*") if Path(folder).exists() else ():
            if path.is_file():
                text = path.read_text(errors="replace")
                assert not any(secret in text for secret in secrets_seen), path


# -- in the tray (offscreen) --------------------------------------------------------------------------------------


def test_tray_sign_in_from_settings_then_revoked_keeps_the_data_and_asks_to_sign_in_again(
    qtbot, make_app, demo, isolated, monkeypatch
):
    from test_tray_app import drawn, settle

    from pdtray.ui import application

    monkeypatch.setenv("PAGERDUTY_API_URL", demo.url)
    # the system browser, as a seam: a headless one that really follows the consent page and the redirect
    monkeypatch.setattr(application.QDesktopServices, "openUrl", lambda url: browser()(url.toString()))
    app = make_app(demo=False)
    qtbot.waitUntil(lambda: app.settings_dialog is not None and app.settings_dialog.isVisible(), timeout=10_000)
    dialog = app.settings_dialog  # first run without a token: Settings opens by itself
    dialog.editors["oauth_client_id"].put(DEMO_CLIENT_ID)
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: dialog.test_result.text().startswith("✓"), timeout=20_000)
    assert dialog.test_result.text() == "✓ Signed in as Demo User. Save to use this account."
    assert (KEYRING_SERVICE, KEYRING_OAUTH_USERNAME) in isolated.items
    settle(qtbot, app)
    qtbot.waitUntil(lambda: app.refresh.state.error is None and app.refresh.state.snapshot is not None, timeout=10_000)
    assert app.refresh.state.snapshot.mine.user.name == "Demo User"
    # an admin removes the app: the next refresh cannot renew; the last good data stays, marked, with the way out
    demo.api.oauth.revoke_all()
    app.refresh.refresh_now()
    qtbot.waitUntil(lambda: isinstance(app.refresh.state.error, SignInAgainError), timeout=10_000)
    drawn(qtbot, app)
    assert "Signed out of PagerDuty — sign in again in Settings" in app.tray.look.tooltip
    assert "may be out of date" in app.tray.look.tooltip
    assert app.refresh.state.snapshot.mine.user.name == "Demo User"
