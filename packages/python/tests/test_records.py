"""The package's data classes (made without importing :mod:`dataclasses`, see ``grantex_core._record``)
behave as the standard ``@dataclass`` makes them, and ``import grantex_core`` + the first verification stays
cheap."""

from __future__ import annotations

import ast
import copy
import dataclasses
import inspect
import json
import pickle
import subprocess
import sys
import time
from typing import Any

import pytest

import grantex_core
from grantex_core import (
    ChainReport,
    CredentialStatusEntry,
    FetchResult,
    KeyBinding,
    Scope,
    StatusReference,
    VerifiedCredential,
    VerifiedGrant,
    VerifiedSdJwt,
    VerifyGrantTokenOptions,
)

from conftest import grant_claims, public_jwk, sign_rs256

RECORDS: list[type] = [
    VerifiedGrant,
    StatusReference,
    VerifyGrantTokenOptions,
    ChainReport,
    Scope,
    KeyBinding,
    VerifiedSdJwt,
    CredentialStatusEntry,
    VerifiedCredential,
    FetchResult,
]


def standard_twin(cls: Any) -> Any:
    """The class the standard decorator makes from the same annotations and defaults."""
    names = list(cls.__annotations__)  # every annotation is a field
    namespace: dict[str, Any] = {"__annotations__": {n: cls.__annotations__[n] for n in names}}
    namespace.update((n, cls.__dict__[n]) for n in names if n in cls.__dict__)
    frozen = cls.__dataclass_params__.frozen
    return dataclasses.dataclass(frozen=frozen)(type(cls.__name__, (), namespace))


def is_dataclass(obj: object) -> bool:
    """`dataclasses.is_dataclass` without the type narrowing (which would hide the class's own type)."""
    return dataclasses.is_dataclass(obj)


def sample_values(cls: Any) -> dict[str, Any]:
    """A value for every field (hashable, so that frozen instances can be hashed)."""
    return {f.name: f"value-of-{f.name}" for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_same_as_the_standard_dataclass(cls: Any) -> None:
    twin = standard_twin(cls)
    assert is_dataclass(cls) and is_dataclass(cls(**sample_values(cls)))
    assert [(f.name, f.type, f.default) for f in dataclasses.fields(cls)] == [
        (f.name, f.type, f.default) for f in dataclasses.fields(twin)
    ]
    assert repr(cls.__dataclass_params__) == repr(twin.__dataclass_params__)
    assert str(inspect.signature(cls)) == str(inspect.signature(twin))
    assert getattr(cls, "__match_args__", None) == getattr(twin, "__match_args__", None)
    assert cls.__init__.__qualname__ == f"{cls.__qualname__}.__init__"

    values = sample_values(cls)
    ours, theirs = cls(**values), twin(**values)
    assert repr(ours) == repr(theirs)
    assert vars(ours) == vars(theirs)
    assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)
    assert ours == cls(**values) and ours != twin(**values) and not (ours == 1)
    assert ours != dataclasses.replace(ours, **{dataclasses.fields(cls)[0].name: "other"})
    assert pickle.loads(pickle.dumps(ours)) == ours and copy.deepcopy(ours) == ours
    if sys.version_info >= (3, 13):
        assert copy.replace(ours) == ours
    first = dataclasses.fields(cls)[0].name
    if cls.__dataclass_params__.frozen:
        assert hash(ours) == hash(theirs)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(ours, first, "x")
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(ours, first)
        with pytest.raises(dataclasses.FrozenInstanceError):
            ours.not_a_field = 1
    else:
        assert cls.__hash__ is None
        setattr(ours, first, "x")
        assert getattr(ours, first) == "x"
    if any(f.default is dataclasses.MISSING for f in dataclasses.fields(cls)):
        with pytest.raises(TypeError):
            cls()
    with pytest.raises(TypeError):
        cls(**values, not_a_field=1)


def test_defaults_and_positional_use() -> None:
    assert Scope("calendar", "read") == Scope(resource="calendar", action="read", constraint=None)
    assert str(Scope("payments", "initiate", "max_500")) == "payments:initiate:max_500"
    options = VerifyGrantTokenOptions("https://x/jwks.json", ["a:b"])
    assert options.algorithms == ("RS256",) and options.clock_tolerance == 0 and options.audience is None
    assert FetchResult(b"{}").cache_control is None


def test_subclass_of_a_frozen_record() -> None:
    class Extended(StatusReference):
        pass

    # As with the standard decorator: fields stay frozen, other attributes of a subclass may be set.
    extended = Extended("https://s", 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        extended.uri = "x"  # type: ignore[misc]
    extended.extra = 1  # type: ignore[attr-defined]
    assert extended != StatusReference("https://s", 1)  # a different class, as with the standard decorator


COLD = """
import sys
before = set(sys.modules)
import grantex_core
v = grantex_core.Verifier(JWKS)
grant = v.verify(TOKEN, issuer="https://grantex.dev", required_scopes=["calendar:read"])
assert grant.scopes
print(sorted(set(sys.modules) - before))
"""

# Modules that cost milliseconds to import and that the cold path must not need.
HEAVY = {
    "dataclasses",
    "typing",
    "enum",
    "re",
    "json",
    "inspect",
    "copy",
    "importlib.util",
    "urllib.request",
    "http.client",
    "email",
    "ssl",
    "socket",
}


@pytest.mark.parametrize("form", ["text", "dict"])
def test_cold_path_imports_nothing_heavy(form: str) -> None:
    """import + Verifier (from JSON text or a dict) + first verification, in a fresh interpreter."""
    jwks: Any = {"keys": [public_jwk("rsa-2048-upstream.pem", "k1")]}
    if form == "text":
        jwks = json.dumps(jwks)
    token = sign_rs256(grant_claims("https://grantex.dev", int(time.time())), kid="k1")
    code = f"JWKS = {jwks!r}\nTOKEN = {token!r}\n{COLD}"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    imported = set(ast.literal_eval(out.strip()))
    assert not imported & HEAVY, sorted(imported & HEAVY)
    assert "grantex_core._jwks" not in imported and "grantex_core._credentials" not in imported


def test_jwks_download_machinery_is_loaded_by_the_first_download_only() -> None:
    code = """
import sys
from grantex_core import JwksCache, FetchResult
cache = JwksCache(fetch=lambda url, timeout: FetchResult(sys.argv[1].encode()))
cache.get("https://issuer.example/jwks.json")
heavy = ("urllib.request", "http.client", "ssl", "email", "re", "dataclasses")
print(sorted(m for m in heavy if m in sys.modules))
"""
    jwks = {"keys": [public_jwk("rsa-2048-upstream.pem", "k1")]}
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(jwks)], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "[]"
    assert grantex_core.fetch_jwks.__module__ == "grantex_core._jwks"
