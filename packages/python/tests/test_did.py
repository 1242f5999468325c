"""Every case of tests/vectors/did.json through the DID functions, plus the argument forms they accept."""

from __future__ import annotations

import json
from typing import Any

import pytest

import grantex_core
from grantex_core import (
    GrantexError,
    InvalidDidError,
    InvalidInputError,
    agent_did_to_id,
    agent_id_to_did,
    did_document_key,
    did_key_to_jwk,
    did_web_from_url,
    did_web_to_url,
)
from grantex_core.errors import error_class_for

from conftest import load_json

DID = load_json("did.json")
CASES: list[dict[str, Any]] = DID["cases"]


def run(case: dict[str, Any]) -> Any:
    kind = case["kind"]
    if kind == "did-web-url":
        return did_web_to_url(case["did"]) if "did" in case else did_web_from_url(case["url"])
    if kind == "did-key":
        return did_key_to_jwk(case["did"])
    if kind == "agent-did":
        return agent_did_to_id(case["did"]) if "did" in case else agent_id_to_did(case["agentId"])
    if kind == "document-key":
        document = case["document"] if "document" in case else case["documentJson"]
        return did_document_key(case["did"], document, case["reference"], case.get("purpose"))
    raise AssertionError(f"unknown kind {kind!r}")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_did_vector(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(GrantexError) as raised:
            run(case)
        assert raised.value.code == case["error"], raised.value.message
        assert type(raised.value) is error_class_for(case["error"])
    else:
        assert run(case) == case["expected"]


def test_every_kind_and_form_is_covered() -> None:
    assert len(CASES) >= 62
    forms = {
        (c["kind"], next(k for k in ("did", "url", "agentId") if k in c), "document" in c, "error" in c)
        for c in CASES
    }
    for form in [
        ("did-web-url", "did", False, False),
        ("did-web-url", "did", False, True),
        ("did-web-url", "url", False, False),
        ("did-web-url", "url", False, True),
        ("did-key", "did", False, False),
        ("did-key", "did", False, True),
        ("agent-did", "did", False, False),
        ("agent-did", "did", False, True),
        ("agent-did", "agentId", False, False),
        ("agent-did", "agentId", False, True),
        ("document-key", "did", True, False),
        ("document-key", "did", True, True),
        ("document-key", "did", False, True),  # documentJson (exact text)
    ]:
        assert form in forms, form


def document_cases() -> list[dict[str, Any]]:
    return [c for c in CASES if c["kind"] == "document-key" and "document" in c]


@pytest.mark.parametrize("case", document_cases(), ids=[c["name"] for c in document_cases()])
def test_document_forms_agree(case: dict[str, Any]) -> None:
    """A document given as a dict, as JSON text and as UTF-8 bytes gives the same key or the same error."""

    def outcome(document: Any) -> Any:
        try:
            return did_document_key(case["did"], document, case["reference"], purpose=case.get("purpose"))
        except GrantexError as exc:
            return exc.code

    text = json.dumps(case["document"])
    assert outcome(case["document"]) == outcome(text) == outcome(text.encode()) == case.get(
        "expected", case.get("error")
    )


def test_round_trips_and_types() -> None:
    did = "did:web:localhost%3A3001:tenants:acme"
    url = did_web_to_url(did)
    assert url == "https://localhost:3001/tenants/acme/did.json"
    assert did_web_from_url("https://localhost:3001/tenants/acme") == did
    agent = "ag_01HZX3N4Q9R8T7V6W5Y4Z3A2B1"
    assert agent_did_to_id(agent_id_to_did(agent)) == agent
    jwk = did_key_to_jwk("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp")
    assert isinstance(jwk, dict) and jwk["kty"] == "OKP"
    # The key works as a JWK anywhere else in the package.
    assert isinstance(grantex_core.jwk_thumbprint(jwk), str)


def test_errors_and_argument_types() -> None:
    with pytest.raises(InvalidDidError) as bad:
        did_web_to_url("did:key:z6Mk")
    assert bad.value.code == "INVALID_DID" and isinstance(bad.value, ValueError)
    document = {"id": "did:web:example.com", "verificationMethod": []}
    with pytest.raises(InvalidInputError) as purpose:
        did_document_key("did:web:example.com", document, "#k", "signing")
    assert purpose.value.code == "INVALID_INPUT"
    with pytest.raises(InvalidDidError):
        did_document_key("did:web:example.com", "not json", "#k")
    with pytest.raises(TypeError):
        did_web_to_url(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        did_document_key("did:web:example.com", 42, "#k")  # type: ignore[arg-type]
