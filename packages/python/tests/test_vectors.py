"""Every case of tests/vectors/grant-tokens.json through the Verifier API, comparing every field or the code."""

from __future__ import annotations

import json
from typing import Any

import pytest

import grantex_core
from grantex_core import GrantexError, GrantexTokenError, Verifier, VerifiedGrant
from grantex_core.errors import error_class_for

from conftest import SHARED_UPSTREAM, VECTORS

VECTOR_FILE = VECTORS / "grant-tokens.json"

# The core's JSON option names (camelCase) and the Verifier.verify keywords they map to.
OPTION_KEYWORDS = {
    "now": "now",
    "issuer": "issuer",
    "anyIssuer": "any_issuer",
    "jwksUri": "jwks_uri",
    "issuerDid": "issuer_did",
    "audience": "audience",
    "anyAudience": "any_audience",
    "requiredScopes": "required_scopes",
    "clockTolerance": "clock_tolerance",
    "leeway": "clock_tolerance",  # the core's alias
    "maxDelegationDepth": "max_delegation_depth",
    "algorithms": "algorithms",
    "maxTokenBytes": "max_token_bytes",
}

# Codes a grant-token verification may end with that are NOT token failures (caller errors).
NON_TOKEN_CODES = {"INVALID_OPTIONS"}

# The snake_case VerifiedGrant field of each camelCase JSON field.
FIELDS = {
    "tokenId": "token_id",
    "grantId": "grant_id",
    "principalId": "principal_id",
    "agentDid": "agent_did",
    "developerId": "developer_id",
    "scopes": "scopes",
    "issuedAt": "issued_at",
    "expiresAt": "expires_at",
    "parentAgentDid": "parent_agent_did",
    "parentGrantId": "parent_grant_id",
    "delegationDepth": "delegation_depth",
    "audience": "audience",
    "issuer": "issuer",
    "budgetRemaining": "budget_remaining",
}


def load_cases() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not VECTOR_FILE.exists():  # pragma: no cover - only before the corpus is generated
        pytest.skip(f"{VECTOR_FILE} not generated yet (upstream golden file: {SHARED_UPSTREAM})")
    data = json.loads(VECTOR_FILE.read_text(encoding="utf-8"))
    assert data["version"] == 1
    return data["keySets"], data["cases"]


KEY_SETS, CASES = load_cases()
_VERIFIERS: dict[str, Verifier] = {}


def verifier_for(name: str) -> Verifier:
    if name not in _VERIFIERS:
        _VERIFIERS[name] = Verifier(json.dumps(KEY_SETS[name]))
    return _VERIFIERS[name]


def keywords(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(Verifier.verify keywords, options the Python API has no keyword for)."""
    known: dict[str, Any] = {}
    unknown: dict[str, Any] = {}
    for name, value in options.items():
        if name in OPTION_KEYWORDS:
            known[OPTION_KEYWORDS[name]] = value
        else:
            unknown[name] = value
    return known, unknown


def check_grant(grant: VerifiedGrant, expected: dict[str, Any]) -> None:
    assert isinstance(grant, VerifiedGrant)
    assert set(expected) <= set(FIELDS), f"vector has fields this binding does not know: {set(expected) - set(FIELDS)}"
    for json_name, attr in FIELDS.items():
        value = getattr(grant, attr)
        if json_name not in expected:
            assert value is None, f"{attr} should be absent, got {value!r}"
            continue
        want = expected[json_name]
        if isinstance(want, list):
            assert isinstance(value, tuple), f"{attr} should be a tuple"
            assert list(value) == want, attr
        else:
            assert value == want, attr
            assert type(value) is type(want) or (isinstance(want, (int, float)) and isinstance(value, float)), attr
    assert grant.to_json_dict() == expected


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_grant_token_vector(case: dict[str, Any]) -> None:
    verifier = verifier_for(case["keySet"])
    kwargs, unknown = keywords(case["options"])
    expected = case["expected"]
    if unknown:
        # A misspelt option cannot reach the core through keywords: Python rejects it at the call.
        assert expected == {"ok": False, "error": {"code": "INVALID_OPTIONS"}} or (
            not expected["ok"] and expected["error"]["code"] == "INVALID_OPTIONS"
        )
        with pytest.raises(TypeError):
            verifier.verify(case["token"], **kwargs, **unknown)
        return
    if expected["ok"]:
        check_grant(verifier.verify(case["token"], **kwargs), expected["value"])
        return
    code = expected["error"]["code"]
    with pytest.raises(GrantexError) as raised:
        verifier.verify(case["token"], **kwargs)
    assert raised.value.code == code, raised.value.message
    assert type(raised.value) is error_class_for(code)
    assert isinstance(raised.value, GrantexTokenError) == (code not in NON_TOKEN_CODES)
    assert raised.value.message


def test_vector_corpus_is_substantial() -> None:
    assert len(CASES) >= 200
    assert sum(1 for c in CASES if c["expected"]["ok"]) >= 50
    assert {c["keySet"] for c in CASES} <= set(KEY_SETS)


def test_every_vector_error_code_is_a_known_code() -> None:
    codes = {c["expected"]["error"]["code"] for c in CASES if not c["expected"]["ok"]}
    assert codes <= set(grantex_core.ERROR_CODES)
