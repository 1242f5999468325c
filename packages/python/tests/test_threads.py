"""Thread safety: one Verifier shared by several threads gives the same answers as a single thread."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from grantex_core import GrantexError, Verifier

from test_vectors import CASES, KEY_SETS, keywords


def outcome(verifier: Verifier, case: dict[str, Any]) -> tuple[str, Any]:
    kwargs, unknown = keywords(case["options"])
    if unknown:
        return ("skip", None)
    try:
        return ("ok", verifier.verify(case["token"], **kwargs).to_json_dict())
    except GrantexError as exc:
        return ("error", (type(exc).__name__, exc.code))


def test_shared_verifier_from_many_threads() -> None:
    verifiers = {name: Verifier(json.dumps(jwks)) for name, jwks in KEY_SETS.items()}
    expected = [outcome(verifiers[c["keySet"]], c) for c in CASES]
    rounds = 8

    def run(seed: int) -> list[tuple[str, Any]]:
        # Each thread walks the corpus from a different start so that different checks overlap.
        order = list(range(len(CASES)))
        order = order[seed:] + order[:seed]
        got: dict[int, tuple[str, Any]] = {}
        for _ in range(rounds):
            for i in order:
                got[i] = outcome(verifiers[CASES[i]["keySet"]], CASES[i])
        return [got[i] for i in range(len(CASES))]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, [i * 31 for i in range(8)]))
    for result in results:
        assert result == expected


def test_verification_releases_the_gil() -> None:
    # While one thread verifies in a loop, another keeps running Python code.
    case = next(c for c in CASES if c["expected"]["ok"] and c["keySet"] == "upstream")
    verifier = Verifier(KEY_SETS["upstream"])
    kwargs, _ = keywords(case["options"])
    stop = threading.Event()
    ticks = 0

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        for _ in range(2000):
            verifier.verify(case["token"], **kwargs)
    finally:
        stop.set()
        t.join()
    assert ticks > 0
