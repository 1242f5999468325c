"""JWKS download and cache against a local http.server: TTL, unknown-kid refetch with cooldown, failures."""

from __future__ import annotations

import json
import threading
import time

import pytest

from grantex_core import (
    GrantexTokenError,
    InvalidOptionsError,
    JwksCache,
    JwksError,
    TokenSignatureError,
    VerifyGrantTokenOptions,
    verify_grant_token,
)

from conftest import FakeClock, JwksServer, grant_claims, public_jwk, sign_rs256

WELL_KNOWN = "/.well-known/jwks.json"
KEY_A = ("rsa-2048-upstream.pem", "grantex-2026-02")
KEY_B = ("rsa-2048-b.pem", "grantex-2026-03")


def jwks(*keys: tuple[str, str]) -> dict[str, object]:
    return {"keys": [public_jwk(file, kid) for file, kid in keys]}


def token_for(server: JwksServer, key: tuple[str, str], **extra: object) -> str:
    now = int(time.time())
    return sign_rs256(grant_claims(server.base, now, **extra), key[0], kid=key[1])


def test_verify_grant_token_end_to_end(jwks_server: JwksServer, clock: FakeClock) -> None:
    url = jwks_server.serve(WELL_KNOWN, jwks(KEY_A), cache_control="public, max-age=300")
    cache = JwksCache(clock=clock)
    token = token_for(jwks_server, KEY_A)
    options = VerifyGrantTokenOptions(jwks_uri=url, required_scopes=["calendar:read"])
    grant = verify_grant_token(token, options, jwks_cache=cache)
    assert grant.issuer == jwks_server.base  # derived from the JWKS URL (PROTOCOL.md §4.2)
    assert grant.scopes == ("calendar:read", "payments:initiate:max_500")
    # Cached: no second download within the TTL.
    for _ in range(5):
        verify_grant_token(token, options, jwks_cache=cache)
    assert jwks_server.hit_count(WELL_KNOWN) == 1
    # After the TTL (300 s) the key set is downloaded again.
    clock.advance(301)
    verify_grant_token(token, options, jwks_cache=cache)
    assert jwks_server.hit_count(WELL_KNOWN) == 2

    with pytest.raises(GrantexTokenError) as missing_scope:
        verify_grant_token(token, VerifyGrantTokenOptions(url, ["calendar:write"]), jwks_cache=cache)
    assert missing_scope.value.code == "INSUFFICIENT_SCOPE"


def test_default_cache_is_used(jwks_server: JwksServer) -> None:
    url = jwks_server.serve("/default" + WELL_KNOWN, jwks(KEY_A))
    token = sign_rs256(grant_claims(jwks_server.base + "/default", int(time.time())), KEY_A[0], kid=KEY_A[1])
    assert verify_grant_token(token, VerifyGrantTokenOptions(url)).principal_id == "user_abc123"
    assert verify_grant_token(token, VerifyGrantTokenOptions(url)).principal_id == "user_abc123"
    assert jwks_server.hit_count("/default" + WELL_KNOWN) == 1


@pytest.mark.parametrize(
    "header,ttl",
    [
        (None, 600.0),
        ("max-age=120", 120.0),
        ("public, max-age=5", 30.0),  # floor
        ("max-age=86400, must-revalidate", 600.0),  # ceiling
        ("no-store", 30.0),
        ("no-cache", 30.0),
        ("private", 600.0),
        ('max-age="90"', 90.0),
        ("s-maxage=10", 600.0),
    ],
)
def test_ttl_from_cache_control(
    jwks_server: JwksServer, clock: FakeClock, header: str | None, ttl: float
) -> None:
    cache = JwksCache(clock=clock)
    assert cache.ttl_for(header) == ttl
    url = jwks_server.serve("/ttl", jwks(KEY_A), cache_control=header)
    cache.get(url)
    clock.advance(ttl - 0.5)
    cache.get(url)
    assert jwks_server.hit_count("/ttl") == 1
    clock.advance(1)
    cache.get(url)
    assert jwks_server.hit_count("/ttl") == 2


def test_unknown_kid_refetches_with_cooldown(jwks_server: JwksServer, clock: FakeClock) -> None:
    url = jwks_server.serve(WELL_KNOWN, jwks(KEY_A), cache_control="max-age=600")
    cache = JwksCache(clock=clock)
    options = VerifyGrantTokenOptions(url)
    verify_grant_token(token_for(jwks_server, KEY_A), options, jwks_cache=cache)
    assert jwks_server.hit_count(WELL_KNOWN) == 1

    # The issuer rotates: key B appears. A token signed with B triggers one refetch (cooldown elapsed).
    clock.advance(31)
    jwks_server.serve(WELL_KNOWN, jwks(KEY_A, KEY_B), cache_control="max-age=600")
    grant = verify_grant_token(token_for(jwks_server, KEY_B), options, jwks_cache=cache)
    assert grant.token_id == "tok_01J0000000000000000000000T"
    assert jwks_server.hit_count(WELL_KNOWN) == 2

    # Forged kids within the cooldown do not hammer the issuer.
    forged = token_for(jwks_server, (KEY_B[0], "forged-kid"))
    for _ in range(3):
        with pytest.raises(TokenSignatureError) as unknown:
            verify_grant_token(forged, options, jwks_cache=cache)
        assert unknown.value.code == "UNKNOWN_KEY"
    assert jwks_server.hit_count(WELL_KNOWN) == 2
    # After the cooldown one more refetch is allowed, then the cooldown applies again.
    clock.advance(30)
    with pytest.raises(TokenSignatureError):
        verify_grant_token(forged, options, jwks_cache=cache)
    assert jwks_server.hit_count(WELL_KNOWN) == 3
    with pytest.raises(TokenSignatureError):
        verify_grant_token(forged, options, jwks_cache=cache)
    assert jwks_server.hit_count(WELL_KNOWN) == 3


def test_unknown_kid_right_after_first_fetch_is_within_cooldown(
    jwks_server: JwksServer, clock: FakeClock
) -> None:
    url = jwks_server.serve(WELL_KNOWN, jwks(KEY_A))
    cache = JwksCache(clock=clock)
    with pytest.raises(TokenSignatureError):
        verify_grant_token(token_for(jwks_server, KEY_B), VerifyGrantTokenOptions(url), jwks_cache=cache)
    assert jwks_server.hit_count(WELL_KNOWN) == 1


def test_download_failures(jwks_server: JwksServer, clock: FakeClock) -> None:
    cache = JwksCache(clock=clock, timeout=5)
    url = jwks_server.serve("/500", b"oops", status=500)
    with pytest.raises(JwksError) as http_error:
        cache.get(url)
    assert http_error.value.code == "JWKS_UNAVAILABLE"
    assert isinstance(http_error.value, GrantexTokenError)  # upstream-compatible catching

    with pytest.raises(JwksError) as not_found:
        cache.get(jwks_server.base + "/missing")
    assert not_found.value.code == "JWKS_UNAVAILABLE"

    bad = jwks_server.serve("/bad", b'{"keys": 5}')
    with pytest.raises(JwksError) as invalid:
        cache.get(bad)
    assert invalid.value.code == "INVALID_JWKS"
    # Nothing is cached after a failure: a fixed document is picked up at once.
    jwks_server.serve("/bad", jwks(KEY_A))
    assert len(cache.get(bad)) == 1

    with pytest.raises(JwksError) as refused:
        cache.get("http://127.0.0.1:9/.well-known/jwks.json")  # discard port: connection refused
    assert refused.value.code == "JWKS_UNAVAILABLE"

    with pytest.raises(InvalidOptionsError):
        cache.get("file:///etc/passwd")


def test_oversized_document_is_refused(jwks_server: JwksServer, clock: FakeClock) -> None:
    url = jwks_server.serve("/big", b'{"keys":[]' + b" " * (1 << 20) + b"}")
    with pytest.raises(JwksError) as too_big:
        JwksCache(clock=clock).get(url)
    assert too_big.value.code == "JWKS_UNAVAILABLE"


def test_concurrent_misses_download_once(jwks_server: JwksServer) -> None:
    url = jwks_server.serve(WELL_KNOWN, jwks(KEY_A))
    jwks_server.delay = 0.2
    cache = JwksCache()
    token = token_for(jwks_server, KEY_A)
    results: list[str] = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait()
            grant = verify_grant_token(token, VerifyGrantTokenOptions(url), jwks_cache=cache)
            results.append(grant.grant_id)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert results == ["grnt_01J0000000000000000000000G"] * 8
    assert jwks_server.hit_count(WELL_KNOWN) == 1
    assert cache.fetch_count == {url: 1}


def test_invalidate(jwks_server: JwksServer, clock: FakeClock) -> None:
    url = jwks_server.serve(WELL_KNOWN, jwks(KEY_A))
    cache = JwksCache(clock=clock)
    cache.get(url)
    cache.invalidate(url)
    cache.get(url)
    cache.invalidate()
    cache.get(url)
    assert jwks_server.hit_count(WELL_KNOWN) == 3


def test_served_document_matches_the_vectors_key() -> None:
    # The signing helper and the vectors agree on the upstream key.
    from conftest import VECTORS

    upstream = json.loads((VECTORS / "grant-tokens.json").read_text())["keySets"]["upstream"]["keys"][0]
    assert public_jwk(*KEY_A)["n"] == upstream["n"]
