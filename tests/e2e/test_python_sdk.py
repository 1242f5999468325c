"""The published Python SDK (`grantex` 0.3.14) against a running `grantex serve --dev`, on SQLite and PostgreSQL.

Flow: register agents → authorize (sandbox key) → exchange → offline verification with the SDK's own
`verify_grant_token` against our JWKS → refresh → delegate → revoke the root (cascade) → audit log/list/get
and the chain check `GET /v1/audit/verify` (not covered by the SDK: raw HTTP).
"""

from __future__ import annotations

import base64
import json

import pytest
from grantex import (
    AuthorizeParams,
    ExchangeTokenParams,
    Grantex,
    GrantexApiError,
    GrantexAuthError,
    GrantexTokenError,
    ListAuditParams,
    ListGrantsParams,
    RefreshTokenParams,
    VerifyGrantTokenOptions,
    verify_grant_token,
)
from harness import LIVE_KEY, SANDBOX_KEY, Server


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _offline(server: Server, token: str, **kw):
    return verify_grant_token(
        token,
        VerifyGrantTokenOptions(jwks_uri=f"{server.base_url}/.well-known/jwks.json", **kw),
    )


def test_sdk_full_flow(dev_server: Server) -> None:
    server = dev_server
    with Grantex(api_key=SANDBOX_KEY, base_url=server.base_url, max_retries=0) as gx:
        # Agents.
        agent = gx.agents.register(name="e2e-bot", scopes=["read", "write"], description="books trips")
        sub = gx.agents.register(name="e2e-sub", scopes=["read"])
        assert agent.id.startswith("ag_") and agent.did.startswith("did:")
        assert agent.status == "active" and agent.scopes == ("read", "write")
        assert gx.agents.get(agent.id).name == "e2e-bot"
        assert {a.id for a in gx.agents.list().agents} >= {agent.id, sub.id}
        renamed = gx.agents.update(agent.id, description="books trips and hotels")
        assert renamed.description == "books trips and hotels"

        # Authorize (sandbox: auto-approved, code in the response) and exchange.
        auth = gx.authorize(AuthorizeParams(agent_id=agent.id, user_id="user_42", scopes=["read", "write"]))
        assert auth.request_id.startswith("areq_")
        assert auth.consent_url == f"{server.base_url}/consent?req={auth.request_id}"
        assert auth.sandbox is True and auth.code
        tok = gx.tokens.exchange(ExchangeTokenParams(code=auth.code, agent_id=agent.id))
        assert tok.grant_id.startswith("grnt_") and tok.refresh_token and tok.scopes == ("read", "write")

        # Offline verification with the SDK's verifier (issuer derived from the JWKS URL = our base URL).
        claims = _payload(tok.grant_token)
        assert claims["iss"] == server.base_url
        verified = _offline(server, tok.grant_token, required_scopes=["read"])
        assert verified.grant_id == tok.grant_id
        assert verified.principal_id == "user_42"
        assert verified.agent_did == agent.did
        assert verified.developer_id == agent.developer_id
        assert verified.scopes == ("read", "write")
        assert verified.delegation_depth in (None, 0)
        with pytest.raises(GrantexTokenError):
            _offline(server, tok.grant_token, required_scopes=["admin"])
        with pytest.raises(GrantexTokenError):
            _offline(server, tok.grant_token, issuer="https://not-us.example")
        tampered = tok.grant_token[:-4] + ("AAAA" if not tok.grant_token.endswith("AAAA") else "BBBB")
        with pytest.raises(GrantexTokenError):
            _offline(server, tampered)

        # Online verification (both endpoints).
        online = gx.tokens.verify(tok.grant_token)
        assert online.valid is True and online.grant_id == tok.grant_id
        assert online.principal == "user_42" and online.agent == agent.did
        assert gx.grants.verify(tok.grant_token).grant_id == tok.grant_id

        # Refresh: same grant, new refresh token, old one unusable.
        ref = gx.tokens.refresh(RefreshTokenParams(refresh_token=tok.refresh_token, agent_id=agent.id))
        assert ref.grant_id == tok.grant_id and ref.refresh_token != tok.refresh_token
        assert _offline(server, ref.grant_token).grant_id == tok.grant_id
        assert gx.tokens.verify(ref.grant_token).valid is True

        # Delegate to the sub-agent.
        child = gx.grants.delegate(parent_grant_token=ref.grant_token, sub_agent_id=sub.id, scopes=["read"])
        assert child["scopes"] == ["read"] and child["grantId"] != tok.grant_id
        child_verified = _offline(server, child["grantToken"])
        assert child_verified.parent_grant_id == tok.grant_id
        assert child_verified.parent_agent_did == agent.did
        assert child_verified.agent_did == sub.did
        assert child_verified.delegation_depth == 1
        assert gx.tokens.verify(child["grantToken"]).valid is True
        with pytest.raises(GrantexApiError) as widen:
            gx.grants.delegate(parent_grant_token=ref.grant_token, sub_agent_id=sub.id, scopes=["admin"])
        assert widen.value.status_code == 400

        grants = gx.grants.list(ListGrantsParams(principal_id="user_42")).grants
        assert {g.id for g in grants} >= {tok.grant_id, child["grantId"]}

        # Revoke the root: the child goes with it.
        assert gx.grants.revoke(tok.grant_id) is None
        assert gx.tokens.verify(child["grantToken"]).valid is False
        assert gx.tokens.verify(ref.grant_token).valid is False
        assert gx.tokens.verify(tok.grant_token).valid is False
        assert gx.grants.get(tok.grant_id).status == "revoked"
        assert gx.grants.get(child["grantId"]).status == "revoked"
        with pytest.raises(GrantexTokenError):
            gx.grants.verify(child["grantToken"])
        with pytest.raises(GrantexApiError):
            gx.tokens.refresh(RefreshTokenParams(refresh_token=ref.refresh_token, agent_id=agent.id))

        # Token revocation by jti on a second grant.
        auth2 = gx.authorize(AuthorizeParams(agent_id=agent.id, user_id="user_43", scopes=["read"]))
        tok2 = gx.tokens.exchange(ExchangeTokenParams(code=auth2.code, agent_id=agent.id))
        assert gx.tokens.revoke(_offline(server, tok2.grant_token).token_id) is None
        assert gx.tokens.verify(tok2.grant_token).valid is False

        # Replays: a second exchange of a code fails and revokes what it produced (IMP-8); a reused refresh
        # token fails and revokes the family (IMP-10).
        auth3 = gx.authorize(AuthorizeParams(agent_id=agent.id, user_id="user_44", scopes=["read"]))
        tok3 = gx.tokens.exchange(ExchangeTokenParams(code=auth3.code, agent_id=agent.id))
        ref3 = gx.tokens.refresh(RefreshTokenParams(refresh_token=tok3.refresh_token, agent_id=agent.id))
        with pytest.raises(GrantexApiError) as reuse:
            gx.tokens.refresh(RefreshTokenParams(refresh_token=tok3.refresh_token, agent_id=agent.id))
        assert reuse.value.status_code == 400
        with pytest.raises(GrantexApiError):
            gx.tokens.refresh(RefreshTokenParams(refresh_token=ref3.refresh_token, agent_id=agent.id))
        with pytest.raises(GrantexApiError) as second_use:
            gx.tokens.exchange(ExchangeTokenParams(code=auth3.code, agent_id=agent.id))
        assert second_use.value.status_code == 400
        assert gx.tokens.verify(tok3.grant_token).valid is False

        # Audit: write, list, get, chain check.
        e1 = gx.audit.log(
            agent_id=agent.id,
            agent_did=agent.did,
            grant_id=tok.grant_id,
            principal_id="user_42",
            action="tool.search",
            metadata={"query": "flights to Lisbon", "n": 1.5},
        )
        e2 = gx.audit.log(
            agent_id=sub.id,
            agent_did=sub.did,
            grant_id=child["grantId"],
            principal_id="user_42",
            action="tool.book",
            status="failure",
        )
        assert len(e1.hash) == 64 and e2.prev_hash == e1.hash and e2.status == "failure"
        listed = gx.audit.list(ListAuditParams(principal_id="user_42")).entries
        ids = [e.entry_id for e in listed]
        assert ids.index(e1.entry_id) < ids.index(e2.entry_id)
        assert [e.entry_id for e in gx.audit.list(ListAuditParams(action="tool.book")).entries] == [e2.entry_id]
        got = gx.audit.get(e1.entry_id)
        assert got.hash == e1.hash and got.metadata == {"query": "flights to Lisbon", "n": 1.5}
        status, report = server.request("GET", "/v1/audit/verify", key=SANDBOX_KEY)
        assert status == 200 and report["valid"] is True, report
        assert report["checkedEntries"] >= 2

    # Authentication errors surface as the SDK's auth error; the live developer sees none of this.
    with Grantex(api_key="not-a-key", base_url=server.base_url, max_retries=0) as bad:
        with pytest.raises(GrantexAuthError):
            bad.agents.list()
    with Grantex(api_key=LIVE_KEY, base_url=server.base_url, max_retries=0) as live:
        with pytest.raises(GrantexApiError) as foreign:
            live.grants.get(tok.grant_id)
        assert foreign.value.status_code == 404
