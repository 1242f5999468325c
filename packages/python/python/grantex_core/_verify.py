"""``verify_grant_token``: the upstream SDK's entry point, over the JWKS cache and the Rust verifier."""

from __future__ import annotations

from ._jwks import JwksCache, default_jwks_cache
from ._native import Verifier, resolve_issuer
from ._types import VerifiedGrant, VerifyGrantTokenOptions
from .errors import GrantexTokenError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["verify_grant_token"]


def verify_grant_token(
    token: str,
    options: VerifyGrantTokenOptions,
    *,
    now: Optional[int] = None,
    jwks_cache: Optional[JwksCache] = None,
) -> VerifiedGrant:
    """Verify a grant token offline against the issuer's JWKS (downloaded and cached).

    Same call as the upstream ``grantex.verify_grant_token``; the JWKS URL and expected issuer are derived
    from ``options`` as PROTOCOL.md §4.2 says. ``now`` (Unix seconds) defaults to the system clock.

    Raises:
        GrantexTokenError: (or a subclass) if the token is invalid, expired, tampered, missing required
            scopes, or the JWKS cannot be obtained.
        InvalidOptionsError: if the options are inconsistent (e.g. nothing names the issuer).
    """
    jwks_uri, issuer = resolve_issuer(options.jwks_uri, options.issuer, options.issuer_did)
    cache = jwks_cache if jwks_cache is not None else default_jwks_cache
    verifier = cache.get(jwks_uri)
    try:
        return _verify(verifier, token, issuer, options, now)
    except GrantexTokenError as exc:
        if exc.code != "UNKNOWN_KEY":
            raise
    # The token names a key this key set lacks: the issuer may have rotated keys. Refetch (rate-limited).
    fresh = cache.refresh_for_unknown_key(jwks_uri, verifier)
    return _verify(fresh if fresh is not None else verifier, token, issuer, options, now)


def _verify(
    verifier: Verifier,
    token: str,
    issuer: str,
    options: VerifyGrantTokenOptions,
    now: Optional[int],
) -> VerifiedGrant:
    return verifier.verify(
        token,
        issuer=issuer,
        audience=options.audience,
        required_scopes=options.required_scopes,
        clock_tolerance=options.clock_tolerance,
        now=now,
        max_delegation_depth=options.max_delegation_depth,
        any_audience=options.any_audience,
        algorithms=options.algorithms,
        max_token_bytes=options.max_token_bytes,
    )
