"""Interop with the published upstream SDK (``grantex==0.3.14`` from PyPI).

For every valid case of our vectors whose token is signed with the upstream RS256 key, the upstream
``grantex.verify_grant_token`` (fetching the upstream key set from a local JWKS endpoint) and ours must return
the same fields. The vectors use a fixed clock; upstream reads the wall clock through PyJWT, so PyJWT's clock
is frozen at the case's ``now``. Fresh tokens signed at wall-clock time with the upstream test key are
compared without any patching.
"""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import datetime, timezone
from typing import Any, Iterator, Optional

import pytest

import grantex_core
from grantex_core import GrantexTokenError, Verifier, VerifyGrantTokenOptions, resolve_issuer

from conftest import JwksServer, grant_claims, sign_rs256
from test_vectors import CASES, KEY_SETS, keywords

grantex = pytest.importorskip("grantex")
jwt = pytest.importorskip("jwt")

UPSTREAM_FIELDS = [f.name for f in dataclasses.fields(grantex.VerifiedGrant)]
UPSTREAM_JWKS = KEY_SETS["upstream"]
UPSTREAM_VERIFIER = Verifier(UPSTREAM_JWKS)
# Codes where our verifier is deliberately stricter than upstream (PROTOCOL.md §4.1, rules marked ★, and
# claim typing of rule 10), so upstream may accept what we reject.
STRICTER = {
    "INVALID_AUDIENCE",  # token has `aud` but no audience is expected [IMP-5]
    "WRONG_TOKEN_TYPE",  # VC / SD-JWT / other `typ` given to the grant verifier [IMP-3]
    "INVALID_CLAIM",  # claim types and the delegation triple
    "DELEGATION_DEPTH_EXCEEDED",  # max_delegation_depth is ours only
    "UNSUPPORTED_CRITICAL_HEADER",  # PyJWT ignores most `crit` handling
    "INVALID_OPTIONS",  # our options validation
}


def test_upstream_version() -> None:
    from importlib.metadata import version

    assert version("grantex") == "0.3.14"


@pytest.fixture
def upstream_endpoint(jwks_server: JwksServer) -> Iterator[str]:
    yield jwks_server.serve("/.well-known/jwks.json", UPSTREAM_JWKS)


@pytest.fixture
def frozen_pyjwt(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Returns a setter for PyJWT's notion of ``now`` (upstream has no clock option)."""
    frozen: dict[str, float] = {"now": time.time()}

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return datetime.fromtimestamp(frozen["now"], tz=tz or timezone.utc)

    monkeypatch.setattr(jwt.api_jwt, "datetime", FrozenDatetime)

    def set_now(now: float) -> None:
        frozen["now"] = now

    return set_now


def upstream_options(case: dict[str, Any], jwks_uri: str) -> Optional[dict[str, Any]]:
    """Upstream VerifyGrantTokenOptions keywords for a case, or None when upstream cannot express it."""
    o = case["options"]
    kwargs, unknown = keywords(o)
    if unknown or o.get("anyIssuer"):
        return None
    if o.get("algorithms", ["RS256"]) != ["RS256"] and case["expected"]["ok"] is False:
        return None
    issuer = o.get("issuer")
    if issuer is None:
        _, issuer = resolve_issuer(o.get("jwksUri"), None, o.get("issuerDid"))
    out: dict[str, Any] = {
        "jwks_uri": jwks_uri,
        "issuer": issuer,
        "required_scopes": o.get("requiredScopes"),
        "clock_tolerance": o.get("clockTolerance", o.get("leeway", 0)),
    }
    if "audience" in o and not o.get("anyAudience"):
        out["audience"] = o["audience"]
    return out


def signed_with_upstream_key(case: dict[str, Any]) -> bool:
    """The token verifies, with the same result, against the upstream key set alone."""
    kwargs, unknown = keywords(case["options"])
    if unknown:
        return False
    try:
        got = UPSTREAM_VERIFIER.verify(case["token"], **kwargs).to_json_dict()
    except grantex_core.GrantexError:
        return False
    return bool(got == case["expected"].get("value"))


VALID_UPSTREAM_CASES = [c for c in CASES if c["expected"]["ok"] and signed_with_upstream_key(c)]


def test_interop_corpus_is_substantial() -> None:
    assert len(VALID_UPSTREAM_CASES) >= 10
    assert any(c["keySet"] == "upstream" for c in VALID_UPSTREAM_CASES)


@pytest.mark.parametrize("case", VALID_UPSTREAM_CASES, ids=[c["name"] for c in VALID_UPSTREAM_CASES])
def test_valid_vectors_agree_with_upstream(
    case: dict[str, Any], upstream_endpoint: str, frozen_pyjwt: Any
) -> None:
    up_kwargs = upstream_options(case, upstream_endpoint)
    if up_kwargs is None:
        pytest.skip("upstream SDK cannot express these options")
    frozen_pyjwt(case["options"]["now"])
    theirs = grantex.verify_grant_token(case["token"], grantex.VerifyGrantTokenOptions(**up_kwargs))
    kwargs, _ = keywords(case["options"])
    ours = UPSTREAM_VERIFIER.verify(case["token"], **kwargs)
    for name in UPSTREAM_FIELDS:
        assert getattr(ours, name) == getattr(theirs, name), name
    # And through our upstream-compatible entry point, fetching from the same endpoint.
    mine = grantex_core.verify_grant_token(
        case["token"],
        VerifyGrantTokenOptions(
            **up_kwargs,
            any_audience="audience" not in up_kwargs,
            max_token_bytes=case["options"].get("maxTokenBytes"),
        ),
        now=case["options"]["now"],
        jwks_cache=grantex_core.JwksCache(),
    )
    assert mine == ours


INVALID_UPSTREAM_KEYSET = [c for c in CASES if not c["expected"]["ok"] and c["keySet"] == "upstream"]


@pytest.mark.parametrize("case", INVALID_UPSTREAM_KEYSET, ids=[c["name"] for c in INVALID_UPSTREAM_KEYSET])
def test_rejections_agree_with_upstream_unless_deliberately_stricter(
    case: dict[str, Any], upstream_endpoint: str, frozen_pyjwt: Any
) -> None:
    up_kwargs = upstream_options(case, upstream_endpoint)
    if up_kwargs is None:
        pytest.skip("upstream SDK cannot express these options")
    frozen_pyjwt(case["options"]["now"])
    try:
        grantex.verify_grant_token(case["token"], grantex.VerifyGrantTokenOptions(**up_kwargs))
    except grantex.GrantexTokenError:
        return
    assert case["expected"]["error"]["code"] in STRICTER, "upstream accepts a token we reject"


# ---------------------------------------------------------------------------------------------------------
# Fresh tokens at wall-clock time (no clock patching).

FRESH_VARIANTS: dict[str, dict[str, Any]] = {
    "root": {},
    "root-with-audience": {"aud": "https://api.targetservice.com"},
    "no-grnt": {"grnt": None},
    "delegated": {
        "agt": "did:grantex:ag_01J0000000000000000000000B",
        "scp": ["calendar:read"],
        "grnt": "grnt_01J0000000000000000000000H",
        "parentAgt": "did:grantex:ag_01J0000000000000000000000A",
        "parentGrnt": "grnt_01J0000000000000000000000G",
        "delegationDepth": 1,
    },
    "budget": {"bdg": 42.5},
    "no-kid": {},
}


def fresh_token(base: str, name: str) -> str:
    claims = grant_claims(base, int(time.time()), **FRESH_VARIANTS[name])
    claims = {k: v for k, v in claims.items() if v is not None}
    if name == "no-kid":
        return sign_rs256(claims)
    return sign_rs256(claims, kid="grantex-2026-02")


@pytest.mark.parametrize("name", list(FRESH_VARIANTS))
def test_fresh_tokens_agree_with_upstream(name: str, jwks_server: JwksServer) -> None:
    url = jwks_server.serve("/.well-known/jwks.json", UPSTREAM_JWKS)
    token = fresh_token(jwks_server.base, name)
    audience = "https://api.targetservice.com" if name == "root-with-audience" else None
    theirs = grantex.verify_grant_token(
        token,
        grantex.VerifyGrantTokenOptions(jwks_uri=url, audience=audience, required_scopes=["calendar:read"]),
    )
    ours = grantex_core.verify_grant_token(
        token,
        VerifyGrantTokenOptions(jwks_uri=url, audience=audience, required_scopes=["calendar:read"]),
        jwks_cache=grantex_core.JwksCache(),
    )
    for field in UPSTREAM_FIELDS:
        assert getattr(ours, field) == getattr(theirs, field), field
    assert ours.issuer == jwks_server.base


@pytest.mark.parametrize(
    "mutation", ["expired", "wrong-issuer", "missing-scope", "tampered", "wrong-audience", "other-key"]
)
def test_fresh_rejections_agree_with_upstream(mutation: str, jwks_server: JwksServer) -> None:
    url = jwks_server.serve("/.well-known/jwks.json", UPSTREAM_JWKS)
    now = int(time.time())
    claims = grant_claims(jwks_server.base, now, aud="https://api.targetservice.com")
    options: dict[str, Any] = {"jwks_uri": url, "audience": "https://api.targetservice.com"}
    key_file = "rsa-2048-upstream.pem"
    if mutation == "expired":
        claims.update(iat=now - 7200, exp=now - 3600)
    elif mutation == "wrong-issuer":
        claims["iss"] = "https://evil.example"
    elif mutation == "missing-scope":
        options["required_scopes"] = ["email:send"]
    elif mutation == "wrong-audience":
        options["audience"] = "https://other.example"
    elif mutation == "other-key":
        key_file = "rsa-2048-b.pem"
    token = sign_rs256(claims, key_file, kid="grantex-2026-02")
    if mutation == "tampered":
        head, payload, sig = token.split(".")
        token = ".".join([head, payload, sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB")])
    with pytest.raises(grantex.GrantexTokenError):
        grantex.verify_grant_token(token, grantex.VerifyGrantTokenOptions(**options))
    with pytest.raises(GrantexTokenError):
        grantex_core.verify_grant_token(
            token, VerifyGrantTokenOptions(**options), jwks_cache=grantex_core.JwksCache()
        )


def test_upstream_catch_clause_compatibility() -> None:
    # Code written as `except GrantexTokenError` (the upstream name) catches every token failure of ours.
    with pytest.raises(grantex_core.GrantexTokenError):
        UPSTREAM_VERIFIER.verify("x.y.z", issuer="https://grantex.dev")
    assert json.dumps(UPSTREAM_JWKS)
