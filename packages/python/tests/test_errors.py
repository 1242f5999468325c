"""The exception hierarchy and the native → Python error mapping."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

import grantex_core
from grantex_core import (
    GrantexError,
    GrantexTokenError,
    InvalidOptionsError,
    InvalidScopeError,
    JwksError,
    TokenClaimsError,
    TokenExpiredError,
    TokenSignatureError,
    TokenTimeError,
    Verifier,
    errors,
)

from conftest import VECTORS

UPSTREAM_JWKS = json.loads((VECTORS / "grant-tokens.json").read_text())["keySets"]["upstream"]

# Codes that are caller or data errors, not token failures.
NOT_TOKEN_FAILURES = {
    "INVALID_OPTIONS",
    "INVALID_SCOPE",
    "INVALID_DID",
    "BROKEN_CHAIN",
    "INVALID_INPUT",
    "INTERNAL",
}


def test_every_core_code_has_a_dedicated_class() -> None:
    assert len(grantex_core.ERROR_CODES) >= 33
    assert len(set(grantex_core.ERROR_CODES)) == len(grantex_core.ERROR_CODES)
    for code in grantex_core.ERROR_CODES:
        cls = errors.error_class_for(code)
        assert cls not in (GrantexError, GrantexTokenError), code
        assert issubclass(cls, GrantexTokenError) == (code not in NOT_TOKEN_FAILURES), code
        exc = errors._from_code(code, "msg")
        assert exc.code == code and exc.message == "msg"


def test_unknown_code_falls_back_to_the_base_class() -> None:
    exc = errors._from_code("SOMETHING_NEW", "m")
    assert type(exc) is GrantexError and exc.code == "SOMETHING_NEW"


def test_exception_shape() -> None:
    exc = TokenExpiredError("token expired at 1", "EXPIRED")
    assert isinstance(exc, TokenTimeError) and isinstance(exc, GrantexTokenError)
    assert str(exc) == "EXPIRED: token expired at 1"
    assert exc.args == ("token expired at 1",)
    clone = pickle.loads(pickle.dumps(exc))
    assert type(clone) is TokenExpiredError and clone.code == "EXPIRED" and clone.message == exc.message
    # Created without a code (e.g. by user code written for the upstream SDK): the family default.
    assert GrantexTokenError("x").code == "INTERNAL"
    assert TokenExpiredError("x").code == "EXPIRED"
    assert issubclass(InvalidOptionsError, ValueError) and issubclass(InvalidScopeError, ValueError)


def test_native_errors_have_the_mapped_class() -> None:
    with pytest.raises(JwksError) as jwks_error:
        Verifier("not json")
    assert jwks_error.value.code == "INVALID_JWKS"
    assert isinstance(jwks_error.value, GrantexTokenError)

    with pytest.raises(JwksError):
        Verifier({"keys": "nope"})

    v = Verifier(UPSTREAM_JWKS)
    with pytest.raises(InvalidOptionsError) as options_error:
        v.verify("a.b.c")  # no issuer
    assert options_error.value.code == "INVALID_OPTIONS"
    assert not isinstance(options_error.value, GrantexTokenError)

    with pytest.raises(grantex_core.MalformedTokenError) as malformed:
        v.verify("a.b.c", issuer="https://grantex.dev")
    assert malformed.value.code == "MALFORMED_TOKEN"

    with pytest.raises(InvalidScopeError) as scope_error:
        grantex_core.parse_scope("no-colon")
    assert scope_error.value.code == "INVALID_SCOPE"


def test_wrong_python_types_are_type_errors() -> None:
    v = Verifier(UPSTREAM_JWKS)
    with pytest.raises(TypeError):
        v.verify("a.b.c", issuer="i", required_scopes="calendar:read")  # a str is not a list of scopes
    with pytest.raises(TypeError):
        v.verify("a.b.c", issuer="i", unknown_option=1)  # type: ignore[call-arg]
    with pytest.raises(OverflowError):
        v.verify("a.b.c", issuer="i", clock_tolerance=-1)
    with pytest.raises(TypeError):
        Verifier(42)  # type: ignore[arg-type]


def test_verifier_inputs() -> None:
    as_text = Verifier(json.dumps(UPSTREAM_JWKS))
    as_bytes = Verifier(json.dumps(UPSTREAM_JWKS).encode())
    as_dict = Verifier(UPSTREAM_JWKS)
    assert len(as_text) == len(as_bytes) == len(as_dict) == 1
    assert as_dict.keys() == [
        {
            "kid": "grantex-2026-02",
            "thumbprint": "cO71E9uravXBnZHjmLmZ9Fxn1P8n7kAk6WsmYx0kCc8",
            "alg": "RS256",
            "unusable": None,
        }
    ]
    assert repr(as_dict) == "Verifier(<1 key(s)>)"


def test_thumbprint_and_issuer_resolution() -> None:
    jwk = UPSTREAM_JWKS["keys"][0]
    assert grantex_core.jwk_thumbprint(jwk) == "cO71E9uravXBnZHjmLmZ9Fxn1P8n7kAk6WsmYx0kCc8"
    assert grantex_core.jwk_thumbprint(json.dumps(jwk)) == "cO71E9uravXBnZHjmLmZ9Fxn1P8n7kAk6WsmYx0kCc8"
    with pytest.raises(GrantexError):
        grantex_core.jwk_thumbprint("{}")
    assert grantex_core.resolve_issuer("https://api.grantex.dev/.well-known/jwks.json") == (
        "https://api.grantex.dev/.well-known/jwks.json",
        "https://grantex.dev",
    )
    assert grantex_core.resolve_issuer(issuer_did="did:web:example.com:tenants:a") == (
        "https://example.com/tenants/a/.well-known/jwks.json",
        "https://example.com/tenants/a",
    )
    with pytest.raises(InvalidOptionsError):
        grantex_core.resolve_issuer()


def test_token_error_families() -> None:
    assert issubclass(TokenSignatureError, GrantexTokenError)
    assert issubclass(TokenClaimsError, GrantexTokenError)
    assert errors.error_class_for("JWKS_UNAVAILABLE") is JwksError


def test_codes_are_named_once_by_their_class() -> None:
    """Each class's ``codes`` is the one table: together exactly the core's codes, each in one class."""
    classes = [getattr(errors, name) for name in errors.__all__ if isinstance(getattr(errors, name), type)]
    named = [code for cls in classes for code in cls.__dict__.get("codes", ())]
    assert sorted(named) == sorted(grantex_core.ERROR_CODES)
    for cls in classes:
        own = cls.__dict__.get("codes", ())
        assert cls.default_code == (own[0] if own else "INTERNAL"), cls
        assert all(errors.error_class_for(code) is cls for code in own), cls
    # The package re-exports every exception class.
    assert {cls.__name__ for cls in classes} <= set(grantex_core.__all__)
    assert all(getattr(grantex_core, cls.__name__) is cls for cls in classes)


def test_mappings_are_read_as_json_dumps_would_write_them() -> None:
    """Plain dicts are converted without the `json` module; anything else goes through `json.dumps`: either
    way the core sees the same data."""
    from collections import OrderedDict

    jwk = dict(UPSTREAM_JWKS["keys"][0])

    def outcome(value: Any) -> Any:
        try:
            return grantex_core.jwk_thumbprint(value)
        except GrantexError as exc:
            return exc.code

    extras: list[Any] = [
        {"x5c": ["a", "b"], "ext": True, "key_ops": ("verify",), "n2": None, "f": 1.5, "i": -(2**63)},
        {"big": 2**70, "u": 2**64 - 1},  # beyond 64 bits: json.dumps
        {"nested": {"deep": [[[[{"a": [1.0, -0.0, 1e300]}]]]]}},
        {"alg": "RS256", "kid": "ünïcode \u2028"},
        {1: "non-str key"},  # json.dumps turns it into "1"
        {"nan": float("nan")},  # json.dumps writes NaN, which is not JSON
        {"sub": OrderedDict(a=1)},
    ]
    for extra in extras:
        value = {**jwk, **extra}
        assert outcome(value) == outcome(json.dumps(value)), extra
    assert outcome(OrderedDict(jwk)) == outcome(jwk) == "cO71E9uravXBnZHjmLmZ9Fxn1P8n7kAk6WsmYx0kCc8"
    deep: Any = jwk
    for _ in range(200):
        deep = {"d": deep}
    assert outcome({**jwk, "deep": deep}) == outcome(json.dumps({**jwk, "deep": deep}))
    cyclic: dict[str, Any] = dict(jwk)
    cyclic["self"] = cyclic
    with pytest.raises(ValueError):
        grantex_core.jwk_thumbprint(cyclic)
    with pytest.raises(TypeError):
        grantex_core.jwk_thumbprint({**jwk, "o": object()})
