"""The consent page in headless Chromium, against a production-mode server (no `--dev`):
page-bound approval (`--consent-approval bound`, the default), a developer from `grantex developers create`
and a signing key from `--signing-key-file`.

* Approve: live key → authorize (PKCE) → open `consentUrl` → click Approve → the browser ends on the redirect
  URI (a local HTTP server that records the query) with `code` → the SDK exchanges it.
* Deny: same, click Deny → `error=access_denied`.
* Approval without the page (only the request id, no cookie / CSRF token) → 403, request stays pending.

Chromium is driven by Playwright (Python package) with `executable_path` = the system Chromium.
"""

from __future__ import annotations

import http.server
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import urllib.parse
from pathlib import Path
from typing import Iterator

import pytest
from grantex import (
    AuthorizeParams,
    ExchangeTokenParams,
    Grantex,
    VerifyGrantTokenOptions,
    generate_pkce,
    verify_grant_token,
)
from harness import Server, free_port, run_cli

CHROMIUM = os.environ.get("GRANTEX_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api")


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[dict[str, list[str]]] = []

    def do_GET(self) -> None:  # noqa: N802
        url = urllib.parse.urlparse(self.path)
        if url.path == "/callback":  # not /favicon.ico
            type(self).hits.append(urllib.parse.parse_qs(url.query))
        body = b"<!DOCTYPE html><title>callback</title><p>received</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def redirect_server() -> Iterator[tuple[str, type[_Recorder]]]:
    port = free_port()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/callback", _Recorder
    finally:
        httpd.shutdown()


@pytest.fixture(scope="module")
def prod_server() -> Iterator[tuple[Server, str]]:
    """`grantex serve` without `--dev`: returns the server and a live API key made by `developers create`."""
    data_dir = Path(tempfile.mkdtemp(prefix="grantex-e2e-prod-"))
    key_file = data_dir / "signing-key.pem"
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(key_file)],
        check=True,
        capture_output=True,
    )
    developer = run_cli("developers", "create", "--name", "E2E Browser Co", data_dir=data_dir)
    assert developer["mode"] == "live"
    server = Server(
        dev=False,
        data_dir=data_dir,
        extra=["--signing-key-file", str(key_file), "--consent-approval", "bound"],
    ).start()
    try:
        yield server, developer["apiKey"]
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("no Chromium (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def _register_redirect(server: Server, agent_id: str, uri: str) -> None:
    # Outside --dev an http:// loopback redirect URI must be registered on the agent (IMP-9). The HTTP API has
    # no route for that yet, so the test writes the column the server reads (`agents.redirect_uris`).
    db = sqlite3.connect(server.data_dir / "grantex.db", timeout=10)
    with db:
        db.execute("UPDATE agents SET redirect_uris = ? WHERE id = ?", (f'["{uri}"]', agent_id))
    db.close()


def _setup(server: Server, key: str, redirect_uri: str):
    gx = Grantex(api_key=key, base_url=server.base_url, max_retries=0)
    agent = gx.agents.register(name="Trip <Booker>", scopes=["calendar:read", "email:send"], description="Books trips")
    _register_redirect(server, agent.id, redirect_uri)
    return gx, agent


def _authorize(gx: Grantex, agent_id: str, redirect_uri: str):
    pkce = generate_pkce()
    auth = gx.authorize(
        AuthorizeParams(
            agent_id=agent_id,
            user_id="alice",
            scopes=["calendar:read", "email:send"],
            redirect_uri=redirect_uri,
            code_challenge=pkce.code_challenge,
            code_challenge_method=pkce.code_challenge_method,
        )
    )
    assert auth.code is None, "a live developer's request must wait for consent"
    return auth, pkce


def test_approve_in_browser(prod_server, redirect_server, browser) -> None:
    server, key = prod_server
    redirect_uri, recorder = redirect_server
    gx, agent = _setup(server, key, redirect_uri)
    auth, pkce = _authorize(gx, agent.id, redirect_uri)
    assert auth.consent_url.startswith(server.base_url + "/consent?req=")

    page = browser.new_page()
    page.goto(auth.consent_url)
    content = page.content()
    assert "Trip &lt;Booker&gt;" in content and "E2E Browser Co" in content
    page.screenshot(path=str(server.data_dir / "consent.png"))
    before = len(recorder.hits)
    page.click("button.approve")
    page.wait_for_url(redirect_uri + "?*", timeout=15_000)
    assert len(recorder.hits) == before + 1
    query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    assert recorder.hits[-1] == query
    code = query["code"][0]
    page.close()

    tokens = gx.tokens.exchange(
        ExchangeTokenParams(code=code, agent_id=agent.id, code_verifier=pkce.code_verifier)
    )
    verified = verify_grant_token(
        tokens.grant_token, VerifyGrantTokenOptions(jwks_uri=f"{server.base_url}/.well-known/jwks.json")
    )
    assert verified.principal_id == "alice" and verified.scopes == ("calendar:read", "email:send")
    assert gx.tokens.verify(tokens.grant_token).valid is True
    # The request is consumed: the page now shows no approvable request.
    status, _ = server.request("GET", f"/v1/consent/{auth.request_id}")
    assert status == 410
    gx.close()


def test_deny_in_browser(prod_server, redirect_server, browser) -> None:
    server, key = prod_server
    redirect_uri, recorder = redirect_server
    gx, agent = _setup(server, key, redirect_uri)
    auth, _ = _authorize(gx, agent.id, redirect_uri)

    page = browser.new_page()
    page.goto(auth.consent_url)
    page.click("button.deny")
    page.wait_for_url(redirect_uri + "?*", timeout=15_000)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    assert query.get("error") == ["access_denied"] and "code" not in query
    assert recorder.hits[-1] == query
    page.close()
    status, _ = server.request("GET", f"/v1/consent/{auth.request_id}")
    assert status == 410
    gx.close()


def test_approval_without_the_page_fails(prod_server, redirect_server, browser) -> None:
    server, key = prod_server
    redirect_uri, _ = redirect_server
    gx, agent = _setup(server, key, redirect_uri)
    auth, pkce = _authorize(gx, agent.id, redirect_uri)
    rid = auth.request_id

    # Only the request id (upstream's legacy behaviour): refused in bound mode.
    status, body = server.request("POST", f"/v1/consent/{rid}/approve", body={})
    assert status == 403 and body["code"] == "FORBIDDEN", body
    # A forged CSRF token without the page's cookie: refused too.
    status, body = server.request("POST", f"/v1/consent/{rid}/approve", body={"csrfToken": "x" * 43})
    assert status == 403, body
    # The sandbox approval endpoint is not available to a live developer.
    status, body = server.request("POST", f"/v1/authorize/{rid}/approve", key=key)
    assert status == 403, body

    # Even after the page was loaded in the browser, a request without its cookie fails...
    page = browser.new_page()
    page.goto(auth.consent_url)
    status, body = server.request("POST", f"/v1/consent/{rid}/approve", body={})
    assert status == 403, body
    # ...and the request is still pending: the real page can approve it.
    status, body = server.request("GET", f"/v1/consent/{rid}")
    assert status == 200 and body["status"] == "pending", body
    page.click("button.approve")
    page.wait_for_url(redirect_uri + "?*", timeout=15_000)
    code = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["code"][0]
    page.close()
    tokens = gx.tokens.exchange(ExchangeTokenParams(code=code, agent_id=agent.id, code_verifier=pkce.code_verifier))
    assert tokens.grant_id.startswith("grnt_")
    gx.close()
