"""Credentials through the Python API: every case of sdjwt.json, vc.json (all three kinds) and status.json,
presentations, the status-list cache and the grant-token status check.

did.json is not run here: the Python package exposes no DID function (the core's DID resolution is used
inside verification only).
"""

from __future__ import annotations

import json
import time
from typing import Any, Optional

import pytest

import grantex_core
from grantex_core import (
    CredentialError,
    GrantexError,
    GrantexTokenError,
    InvalidOptionsError,
    KeyBinding,
    StatusError,
    StatusList,
    StatusListCache,
    StatusReference,
    TokenRevokedError,
    VerifiedCredential,
    VerifiedSdJwt,
    Verifier,
    present_sd_jwt,
    status_list_get,
    verify_credential,
    verify_credential_upstream,
    verify_sd_jwt,
    verify_status_list_credential,
    verify_status_list_token,
)
from grantex_core.errors import error_class_for

from conftest import grant_claims, load_json, public_jwk, sign_rs256

SDJWT = load_json("sdjwt.json")
VC = load_json("vc.json")
STATUS = load_json("status.json")
UPSTREAM = load_json("upstream/grant-tokens.json")

# Codes a verification may end with that are caller errors, not token failures.
NON_TOKEN_CODES = {"INVALID_OPTIONS", "INVALID_INPUT", "INVALID_DID"}

# The core's SD-JWT JSON option names and the verify_sd_jwt keywords they map to.
SD_JWT_KEYWORDS = {
    "issuer": "issuer",
    "anyIssuer": "any_issuer",
    "leeway": "clock_tolerance",
    "clockTolerance": "clock_tolerance",
    "algorithms": "algorithms",
    "types": "types",
    "requireExp": "require_exp",
    "kbAlgorithms": "kb_algorithms",
    "kbMaxAge": "kb_max_age",
    "maxPresentationBytes": "max_presentation_bytes",
    "maxDisclosures": "max_disclosures",
}

# The core's VC JSON option names and the verify_credential keywords they map to.
VC_KEYWORDS = {
    "trustedIssuers": "trusted_issuers",
    "now": "now",
    "leeway": "clock_tolerance",
    "clockTolerance": "clock_tolerance",
    "expectedTypes": "expected_types",
    "statusRequired": "status_required",
    "statusUrlPrefix": "status_url_prefix",
    "requireExpiry": "require_expiry",
}

_VERIFIERS: dict[tuple[str, str], Verifier] = {}


def verifier(doc: str, key_sets: dict[str, Any], name: str) -> Verifier:
    if (doc, name) not in _VERIFIERS:
        _VERIFIERS[(doc, name)] = Verifier(key_sets[name])
    return _VERIFIERS[(doc, name)]


def check_error(raised: pytest.ExceptionInfo[GrantexError], code: str) -> None:
    assert raised.value.code == code, raised.value.message
    assert type(raised.value) is error_class_for(code)
    assert isinstance(raised.value, GrantexTokenError) == (code not in NON_TOKEN_CODES)
    assert raised.value.message


# --- sdjwt.json --------------------------------------------------------------------------------------------


def sd_jwt_keywords(case: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"now": case["now"]}
    for name, value in case["options"].items():
        if name == "keyBinding":
            kwargs["nonce"] = value["nonce"]
            kwargs["audience"] = value["audience"]
        else:
            kwargs[SD_JWT_KEYWORDS[name]] = value
    return kwargs


@pytest.mark.parametrize("case", SDJWT["cases"], ids=[c["name"] for c in SDJWT["cases"]])
def test_sdjwt_vector(case: dict[str, Any]) -> None:
    kwargs = sd_jwt_keywords(case)
    expect = case["expect"]
    # Both key forms: a built Verifier (steady state) and the JWKS document itself.
    for keys in (verifier("sdjwt", SDJWT["keySets"], case["jwks"]), SDJWT["keySets"][case["jwks"]]):
        if "error" in expect:
            with pytest.raises(GrantexError) as raised:
                verify_sd_jwt(case["presentation"], keys, **kwargs)
            check_error(raised, expect["error"])
            continue
        v = verify_sd_jwt(case["presentation"], keys, **kwargs)
        assert isinstance(v, VerifiedSdJwt)
        assert v.claims == expect["claims"]
        assert v.key_bound is expect["keyBound"]
        assert v.disclosed_claims == expect.get("disclosedClaims")
        assert v.hash_alg in ("sha-256", "sha-384", "sha-512")
        assert set(v.header) == {"alg", "kid", "typ"}
        if "keyBinding" in case["options"]:
            assert isinstance(v.key_binding, KeyBinding)
            assert v.key_binding.nonce == case["options"]["keyBinding"]["nonce"]
            assert v.key_binding.audience == case["options"]["keyBinding"]["audience"]
        json_form = v.to_json_dict()
        assert json_form["claims"] == expect["claims"] and json_form["keyBound"] is expect["keyBound"]


def test_sdjwt_corpus_is_covered() -> None:
    cases = SDJWT["cases"]
    assert len(cases) >= 60
    assert sum(1 for c in cases if "error" not in c["expect"]) >= 15


def test_sdjwt_key_binding_needs_nonce_and_audience() -> None:
    case = SDJWT["cases"][0]
    keys = SDJWT["keySets"][case["jwks"]]
    with pytest.raises(InvalidOptionsError):
        verify_sd_jwt(case["presentation"], keys, issuer="did:web:grantex.dev", now=case["now"], nonce="n")
    with pytest.raises(InvalidOptionsError):
        verify_sd_jwt(case["presentation"], keys, now=case["now"])  # no issuer policy
    with pytest.raises(InvalidOptionsError):
        verify_sd_jwt(case["presentation"], keys, issuer="x", any_issuer=True, now=case["now"])
    with pytest.raises(TypeError):
        verify_sd_jwt(case["presentation"], keys, issuer="x", keyBinding={})  # type: ignore[call-arg]


def test_present_sd_jwt_reproduces_upstream() -> None:
    sd = UPSTREAM["sdJwt"]
    assert present_sd_jwt(sd["full"], ["credentialSubject.scopes"]) == sd["presentationScopesOnly"]
    assert present_sd_jwt(sd["full"], [["credentialSubject", "scopes"]]) == sd["presentationScopesOnly"]
    presentation = present_sd_jwt(sd["full"], [])
    v = verify_sd_jwt(presentation, UPSTREAM["jwks"], issuer="did:web:grantex.dev", now=1767225660)
    assert v.disclosed_claims is not None and "scopes" not in v.disclosed_claims
    with pytest.raises(TypeError):
        present_sd_jwt(sd["full"], "credentialSubject.scopes")
    with pytest.raises(GrantexError):
        present_sd_jwt("not an sd-jwt", [])


# --- vc.json -----------------------------------------------------------------------------------------------


def vc_keywords(options: dict[str, Any]) -> dict[str, Any]:
    return {VC_KEYWORDS[name]: value for name, value in options.items()}


CREDENTIAL_CASES = [c for c in VC["cases"] if c["kind"] == "credential"]
LIST_CREDENTIAL_CASES = [c for c in VC["cases"] if c["kind"] == "statusListCredential"]
LIST_TOKEN_CASES = [c for c in VC["cases"] if c["kind"] == "statusListToken"]


@pytest.mark.parametrize("case", CREDENTIAL_CASES, ids=[c["name"] for c in CREDENTIAL_CASES])
def test_vc_credential_vector(case: dict[str, Any]) -> None:
    keys = verifier("vc", VC["keySets"], case["jwks"])
    kwargs = vc_keywords(case["options"])
    lists: Optional[dict[str, Any]] = case.get("statusLists")
    expect = case["expect"]
    upstream = verify_credential_upstream(case["token"], keys, status_lists=lists, **kwargs)
    if "error" in expect:
        with pytest.raises(GrantexError) as raised:
            verify_credential(case["token"], keys, status_lists=lists, **kwargs)
        check_error(raised, expect["error"])
        assert upstream["valid"] is False and upstream["code"] == expect["error"]
        assert upstream["revoked"] is (expect["error"] == "REVOKED")
        return
    v = verify_credential(case["token"], keys, status_lists=lists, **kwargs)
    assert isinstance(v, VerifiedCredential)
    got = v.to_json_dict()
    for name, value in expect.items():
        assert got[name] == value, name
    assert v.types[0] == "VerifiableCredential" and v.credential_type in v.types
    assert v.payload["iss"] == v.issuer
    assert upstream["valid"] is True and upstream["vcId"] == v.id and upstream["issuer"] == v.issuer
    # The same verdict with the JWKS document and with pre-decoded lists.
    decoded = {uri: StatusList(text) for uri, text in (lists or {}).items()}
    again = verify_credential(case["token"], VC["keySets"][case["jwks"]], status_lists=decoded, **kwargs)
    assert again == v


@pytest.mark.parametrize("case", LIST_CREDENTIAL_CASES, ids=[c["name"] for c in LIST_CREDENTIAL_CASES])
def test_vc_status_list_credential_vector(case: dict[str, Any]) -> None:
    keys = verifier("vc", VC["keySets"], case["jwks"])
    options = case["options"]
    kwargs: dict[str, Any] = {"trusted_issuers": options["trustedIssuers"], "now": options["now"]}
    if "expectedId" in options:
        kwargs["expected_id"] = options["expectedId"]
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(GrantexError) as raised:
            verify_status_list_credential(case["token"], keys, **kwargs)
        check_error(raised, expect["error"])
        return
    lst = verify_status_list_credential(case["token"], keys, **kwargs)
    assert lst.kind == "bitstring"
    assert lst.purposes == expect["purposes"]
    for index in expect["set"]:
        assert lst.get(index) == 1, index
    for index in expect["clear"]:
        assert lst.get(index) == 0, index


@pytest.mark.parametrize("case", LIST_TOKEN_CASES, ids=[c["name"] for c in LIST_TOKEN_CASES])
def test_vc_status_list_token_vector(case: dict[str, Any]) -> None:
    keys = verifier("vc", VC["keySets"], case["jwks"])
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(GrantexError) as raised:
            verify_status_list_token(case["token"], keys, now=case["options"]["now"])
        check_error(raised, expect["error"])
        return
    token = verify_status_list_token(case["token"], keys, now=case["options"]["now"])
    assert token.subject == expect["subject"]
    for index, status in expect["statuses"].items():
        assert token.get(int(index)) == status
        assert token.list.get(int(index)) == status
    cache = StatusListCache()
    assert cache.insert_token(token, fetched_at=case["options"]["now"])
    for index, status in expect["statuses"].items():
        assert cache.lookup(expect["subject"], int(index), now=case["options"]["now"]) == status


def test_vc_corpus_is_covered() -> None:
    assert len(CREDENTIAL_CASES) + len(LIST_CREDENTIAL_CASES) + len(LIST_TOKEN_CASES) == len(VC["cases"])
    assert len(CREDENTIAL_CASES) >= 60


def test_credential_options_fail_closed() -> None:
    case = next(c for c in CREDENTIAL_CASES if "error" not in c["expect"] and "statusLists" in c)
    keys = VC["keySets"][case["jwks"]]
    with pytest.raises(InvalidOptionsError):
        verify_credential(case["token"], keys, trusted_issuers=[], now=case["options"]["now"])
    with pytest.raises(InvalidOptionsError):
        verify_credential(
            case["token"],
            keys,
            trusted_issuers=case["options"]["trustedIssuers"],
            status_lists=case["statusLists"],
            status_cache=StatusListCache(),
        )
    with pytest.raises(TypeError):
        verify_credential(case["token"], keys, trusted_issuers="did:web:grantex.dev")
    upstream = verify_credential_upstream(case["token"], keys, trusted_issuers=[])
    assert upstream["valid"] is False and upstream["code"] == "INVALID_OPTIONS"


def test_credential_status_through_the_cache() -> None:
    case = next(c for c in CREDENTIAL_CASES if "error" not in c["expect"] and "statusEntries" in c["expect"])
    keys = verifier("vc", VC["keySets"], case["jwks"])
    now = case["options"]["now"]
    kwargs = vc_keywords(case["options"])
    cache = StatusListCache()
    with pytest.raises(StatusError) as raised:
        verify_credential(case["token"], keys, status_cache=cache, **kwargs)
    assert raised.value.code == "STATUS_UNAVAILABLE"
    for uri, encoded in case["statusLists"].items():
        assert cache.insert(uri, encoded, fetched_at=now - 10)
    assert verify_credential(case["token"], keys, status_cache=cache, **kwargs).id == case["expect"]["id"]
    # Stale (older than 300 s): fail closed again.
    kwargs["now"] = now + 300
    with pytest.raises(StatusError):
        verify_credential(case["token"], keys, status_cache=cache, **{**kwargs, "clock_tolerance": 0})


# --- status.json -------------------------------------------------------------------------------------------


def status_list_arg(case: dict[str, Any]) -> Any:
    if case["kind"] == "bitstring" and "statusSize" in case:
        return {"encodedList": case["encoded"], "statusSize": case["statusSize"]}
    return case["encoded"]


@pytest.mark.parametrize("case", STATUS["cases"], ids=[c["name"] for c in STATUS["cases"]])
def test_status_vector(case: dict[str, Any]) -> None:
    arg = status_list_arg(case)
    if "error" in case:
        with pytest.raises(GrantexError) as raised:
            StatusList(arg)
        check_error(raised, case["error"])
        with pytest.raises(GrantexError) as raised:
            status_list_get(arg, 0)
        check_error(raised, case["error"])
        return
    decoded = StatusList(arg)
    assert decoded.kind == case["kind"]
    for check in case["checks"]:
        if "error" in check:
            with pytest.raises(GrantexError) as raised:
                decoded.get(check["index"])
            check_error(raised, check["error"])
            with pytest.raises(GrantexError):
                status_list_get(arg, check["index"])
        else:
            assert decoded.get(check["index"]) == check["status"], check
            assert status_list_get(arg, check["index"]) == check["status"], check


def test_status_list_arguments() -> None:
    with pytest.raises(TypeError):
        status_list_get(42, 0)  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        status_list_get("x", -1)
    ietf = StatusList({"bits": 1, "lst": "eNrbuRgAAhcBXQ"})
    assert (ietf.kind, ietf.bits, len(ietf), ietf.purposes) == ("token", 1, 16, [])
    assert status_list_get(ietf, 0) == 1
    assert "token" in repr(ietf)


# --- grant tokens with a status claim ----------------------------------------------------------------------

KEY = ("rsa-2048-upstream.pem", "status-test")
ISSUER = "https://grantex.dev"
LIST_URI = "https://grantex.dev/v1/status/tokens/1"
# draft-ietf-oauth-status-list §4.1 example: entries 0, 3, 4, 5, … set; 1 and 2 clear.
IETF_LIST = {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}


def status_token(idx: int, now: int) -> str:
    claims = grant_claims(ISSUER, now, status={"status_list": {"idx": idx, "uri": LIST_URI}})
    return sign_rs256(claims, KEY[0], kid=KEY[1])


def test_grant_token_status_claim_through_the_cache() -> None:
    now = int(time.time())
    v = Verifier({"keys": [public_jwk(*KEY)]})
    cache = StatusListCache()
    valid, revoked = status_token(1, now), status_token(0, now)
    # Without a cache the reference is reported, not checked.
    grant = v.verify(revoked, issuer=ISSUER, now=now)
    assert grant.status == StatusReference(LIST_URI, 0)
    assert grant.to_json_dict()["status"] == {"uri": LIST_URI, "idx": 0}
    # With a cache: fail closed until the list is there.
    with pytest.raises(StatusError) as raised:
        v.verify(valid, issuer=ISSUER, now=now, status_cache=cache)
    assert raised.value.code == "STATUS_UNAVAILABLE"
    assert cache.insert(LIST_URI, IETF_LIST, fetched_at=now)
    assert len(cache) == 1 and cache.total_bytes > 0
    assert v.verify(valid, issuer=ISSUER, now=now, status_cache=cache).status == StatusReference(LIST_URI, 1)
    with pytest.raises(TokenRevokedError) as revoked_error:
        v.verify(revoked, issuer=ISSUER, now=now, status_cache=cache)
    assert revoked_error.value.code == "REVOKED"
    assert cache.lookup(LIST_URI, 0, now=now) == 1
    # Stale at fetch + 300 s.
    with pytest.raises(StatusError):
        v.verify(valid, issuer=ISSUER, now=now + 300, status_cache=cache, clock_tolerance=0)
    cache.purge_stale(now=now + 300)
    assert len(cache) == 0
    assert cache.insert(LIST_URI, StatusList(IETF_LIST), fetched_at=now)
    assert cache.remove(LIST_URI) and not cache.remove(LIST_URI)
    cache.insert(LIST_URI, IETF_LIST, fetched_at=now)
    cache.clear()
    assert len(cache) == 0
    # Tokens without a status claim verify as before.
    plain = sign_rs256(grant_claims(ISSUER, now), KEY[0], kid=KEY[1])
    assert v.verify(plain, issuer=ISSUER, now=now, status_cache=cache).status is None


def test_cache_limits() -> None:
    cache = StatusListCache(max_age_seconds=10, max_entries=1)
    assert cache.insert("https://a/1", IETF_LIST, fetched_at=100)
    assert cache.lookup("https://a/1", 0, now=109) == 1
    with pytest.raises(StatusError):
        cache.lookup("https://a/1", 0, now=110)
    assert cache.insert("https://a/2", IETF_LIST, fetched_at=101)
    assert len(cache) == 1
    with pytest.raises(StatusError):
        cache.lookup("https://a/1", 0, now=105)


def test_exported_names() -> None:
    for name in (
        "verify_sd_jwt",
        "present_sd_jwt",
        "verify_credential",
        "verify_credential_upstream",
        "status_list_get",
        "StatusList",
        "StatusListCache",
        "StatusListToken",
        "verify_status_list_credential",
        "verify_status_list_token",
        "VerifiedSdJwt",
        "VerifiedCredential",
        "CredentialStatusEntry",
        "KeyBinding",
        "StatusReference",
    ):
        assert name in grantex_core.__all__, name
        assert hasattr(grantex_core, name), name
    assert issubclass(CredentialError, GrantexTokenError)
    assert json.dumps(SDJWT["description"])  # the options format the tests follow


def test_verified_grant_is_a_regular_dataclass_instance() -> None:
    import dataclasses

    now = int(time.time())
    v = Verifier({"keys": [public_jwk(*KEY)]})
    grant = v.verify(status_token(3, now), issuer=ISSUER, now=now)
    fields = {f.name: getattr(grant, f.name) for f in dataclasses.fields(grant)}
    rebuilt = type(grant)(**fields)
    assert grant == rebuilt and repr(grant) == repr(rebuilt) and hash(grant) == hash(rebuilt)
    assert vars(grant) == vars(rebuilt)
    with pytest.raises(dataclasses.FrozenInstanceError):
        grant.token_id = "x"  # type: ignore[misc]
    assert dataclasses.replace(grant, token_id="y").token_id == "y"
