"""Scope helpers (the rules are the core's; these pin the binding)."""

from __future__ import annotations

import pytest

from grantex_core import InvalidScopeError, Scope, narrows, parse_scope, satisfies


def test_parse_scope() -> None:
    assert parse_scope("calendar:read") == Scope("calendar", "read", None)
    s = parse_scope("payments:initiate:max_500")
    assert (s.resource, s.action, s.constraint) == ("payments", "initiate", "max_500")
    assert str(s) == "payments:initiate:max_500"
    for bad in ("", "calendar", ":read", "calendar:"):
        with pytest.raises(InvalidScopeError):
            parse_scope(bad)


def test_narrows_and_satisfies() -> None:
    assert narrows("payments:initiate:max_100", "payments:initiate:max_500")
    assert narrows("payments:initiate:max_100", "payments:initiate")
    assert not narrows("payments:initiate:max_500", "payments:initiate:max_100")
    assert not narrows("payments:initiate", "payments:initiate:max_100")
    assert narrows("free form", "free form")
    assert satisfies("payments:initiate:max_500", "payments:initiate")
    assert satisfies("payments:initiate:max_500", "payments:initiate:max_100")
    assert not satisfies("payments:initiate:max_100", "payments:initiate:max_500")
    assert not satisfies("calendar:read", "calendar:write")
