"""grantex_core: offline verification for Grantex (delegated authorization for AI agents).

Backed by the Rust core ``grantex-core``: every rule (signatures, claims, scopes, audit hashes) is decided
there, identically in every language. This package adds the Python edges: exceptions, dataclasses, the
JWKS download and cache, and the upstream SDK's names.

* :func:`verify_grant_token` — ``verify_grant_token(token, VerifyGrantTokenOptions(jwks_uri=…))`` as in the
  upstream ``grantex`` SDK (JWKS fetched and cached).
* :class:`Verifier` — a key set parsed once, for hot paths: ``Verifier(jwks).verify(token, issuer=…)``.
* :func:`verify_chain`, :func:`audit_entry_hash` — the audit-log hash chain.
* :func:`satisfies`, :func:`narrows`, :func:`parse_scope` — scope helpers.
* :func:`jwk_thumbprint` — RFC 7638 thumbprints.
"""

from __future__ import annotations

from . import _native
from ._jwks import FetchResult, JwksCache, default_jwks_cache, fetch_jwks
from ._native import (
    Verifier,
    audit_entry_hash,
    jwk_thumbprint,
    narrows,
    resolve_issuer,
    satisfies,
    verify_chain,
)
from ._types import ChainReport, Scope, VerifiedGrant, VerifyGrantTokenOptions
from ._verify import verify_grant_token
from .errors import (
    AuditChainError,
    CredentialError,
    GrantexError,
    GrantexTokenError,
    InsufficientScopeError,
    InternalError,
    InvalidDidError,
    InvalidInputError,
    InvalidOptionsError,
    InvalidScopeError,
    JwksError,
    MalformedTokenError,
    StatusError,
    TokenClaimsError,
    TokenExpiredError,
    TokenRevokedError,
    TokenSignatureError,
    TokenTimeError,
)

__version__: str = _native.__version__

#: Every stable error code of the core, in table order.
ERROR_CODES: tuple[str, ...] = tuple(_native.error_codes())


def parse_scope(scope: str) -> Scope:
    """Parse ``resource:action[:constraint]``; raises :class:`InvalidScopeError`."""
    resource, action, constraint = _native.parse_scope(scope)
    return Scope(resource, action, constraint)


__all__ = [
    "__version__",
    "ERROR_CODES",
    # Grant tokens
    "verify_grant_token",
    "VerifyGrantTokenOptions",
    "VerifiedGrant",
    "Verifier",
    "resolve_issuer",
    "JwksCache",
    "FetchResult",
    "default_jwks_cache",
    "fetch_jwks",
    # Audit
    "verify_chain",
    "audit_entry_hash",
    "ChainReport",
    # Scopes, keys
    "satisfies",
    "narrows",
    "parse_scope",
    "Scope",
    "jwk_thumbprint",
    # Errors
    "GrantexError",
    "GrantexTokenError",
    "MalformedTokenError",
    "TokenSignatureError",
    "TokenClaimsError",
    "TokenTimeError",
    "TokenExpiredError",
    "InsufficientScopeError",
    "TokenRevokedError",
    "StatusError",
    "CredentialError",
    "JwksError",
    "InvalidOptionsError",
    "InvalidScopeError",
    "InvalidDidError",
    "InvalidInputError",
    "AuditChainError",
    "InternalError",
]
