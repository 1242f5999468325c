"""Audit hash-chain vectors (tests/vectors/audit.json), fed as the exact JSON text of the file."""

from __future__ import annotations

import json
from typing import Any

import pytest

from grantex_core import AuditChainError, ChainReport, InvalidInputError, audit_entry_hash, verify_chain

from conftest import VECTORS

AUDIT_FILE = VECTORS / "audit.json"


class Spans:
    """Raw source text of JSON values: the file keeps number spellings, duplicate members and lone
    surrogates on purpose, which ``json.loads`` would lose, so entries are passed on as their exact text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def value(self, i: int) -> tuple[Any, int]:
        """Parse the value at ``i``: returns (tree, end) where the tree maps keys/indices to (start, end, subtree)."""
        i = self.ws(i)
        c = self.text[i]
        if c == "{":
            out: dict[str, Any] = {}
            i = self.ws(i + 1)
            if self.text[i] == "}":
                return out, i + 1
            while True:
                key, i = self.string(self.ws(i))
                i = self.ws(i)
                assert self.text[i] == ":"
                start = self.ws(i + 1)
                sub, end = self.value(start)
                out[key] = (start, end, sub)
                i = self.ws(end)
                if self.text[i] == "}":
                    return out, i + 1
                assert self.text[i] == ","
                i += 1
        if c == "[":
            items: list[Any] = []
            i = self.ws(i + 1)
            if self.text[i] == "]":
                return items, i + 1
            while True:
                start = self.ws(i)
                sub, end = self.value(start)
                items.append((start, end, sub))
                i = self.ws(end)
                if self.text[i] == "]":
                    return items, i + 1
                assert self.text[i] == ","
                i += 1
        if c == '"':
            _, end = self.string(i)
            return None, end
        end = i
        while end < len(self.text) and self.text[end] not in ",]} \t\r\n":
            end += 1
        return None, end

    def string(self, i: int) -> tuple[str, int]:
        assert self.text[i] == '"'
        j = i + 1
        while self.text[j] != '"':
            j += 2 if self.text[j] == "\\" else 1
        return json.loads(self.text[i : j + 1]), j + 1

    def ws(self, i: int) -> int:
        while self.text[i] in " \t\r\n":
            i += 1
        return i


def load() -> list[tuple[dict[str, Any], dict[str, Any], Spans]]:
    text = AUDIT_FILE.read_text(encoding="utf-8")
    spans = Spans(text)
    tree, _ = spans.value(0)
    data = json.loads(text)
    assert data["version"] == 1
    out = []
    for case, (_, _, case_tree) in zip(data["cases"], tree["cases"][2]):
        out.append((case, case_tree, spans))
    return out


CASES = load()
CHAIN_CASES = [c for c in CASES if "entries" in c[0]]
HASH_CASES = [
    (case["name"], i, hc, tree["entryHashCases"][2][i][2]["entry"], spans)
    for case, tree, spans in CASES
    if "entryHashCases" in case
    for i, hc in enumerate(case["entryHashCases"])
]


@pytest.mark.parametrize("case,tree,spans", CHAIN_CASES, ids=[c[0]["name"] for c in CHAIN_CASES])
def test_chain_vector(case: dict[str, Any], tree: dict[str, Any], spans: Spans) -> None:
    start, end, _ = tree["entries"]
    raw = spans.text[start:end]
    report = verify_chain(raw)
    assert isinstance(report, ChainReport)
    assert report.to_json_dict() == case["expected"]
    # bytes are accepted too
    assert verify_chain(raw.encode("utf-8")) == report
    if report.valid:
        report.raise_if_broken()
    else:
        with pytest.raises(AuditChainError) as raised:
            report.raise_if_broken()
        assert raised.value.code == "BROKEN_CHAIN"


@pytest.mark.parametrize(
    "name,index,hash_case,entry_span,spans", HASH_CASES, ids=[f"{h[0]}-{h[1]}" for h in HASH_CASES]
)
def test_entry_hash_vector(
    name: str, index: int, hash_case: dict[str, Any], entry_span: Any, spans: Spans
) -> None:
    raw = spans.text[entry_span[0] : entry_span[1]]
    # Any layout: the single-entry chain verifies when the stored hash matches one accepted layout.
    assert verify_chain(f"[{raw}]").valid
    if hash_case["layout"] == "current":
        assert audit_entry_hash(raw) == hash_case["hash"]


def test_audit_counts() -> None:
    assert len(CHAIN_CASES) >= 10 and len(HASH_CASES) >= 1


def test_malformed_input_raises_invalid_input() -> None:
    for bad in ("not json", "{}", "[1]", '[{"entryId": "x"}]'):
        with pytest.raises(InvalidInputError) as raised:
            verify_chain(bad)
        assert raised.value.code == "INVALID_INPUT"
        assert isinstance(raised.value, ValueError)


def test_parsed_entries_are_refused() -> None:
    # A dict has lost the number spellings the hash depends on: only JSON text is accepted.
    with pytest.raises(TypeError):
        verify_chain([])  # type: ignore[arg-type]
