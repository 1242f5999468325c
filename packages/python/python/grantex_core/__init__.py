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
* :func:`did_web_to_url`, :func:`did_web_from_url`, :func:`did_key_to_jwk`, :func:`agent_did_to_id`,
  :func:`agent_id_to_did`, :func:`did_document_key` — DIDs (``did:web``, ``did:key``, ``did:grantex``, DID
  document key lookup).
* :func:`verify_sd_jwt`, :func:`present_sd_jwt` — SD-JWT presentations (RFC 9901, Grantex profile).
* :func:`verify_credential` (and :func:`verify_credential_upstream`) — VC-JWT credentials.
* :class:`StatusList`, :func:`status_list_get`, :class:`StatusListCache`, :func:`verify_status_list_credential`,
  :func:`verify_status_list_token` — status lists (``Verifier.verify(..., status_cache=…)`` for grant tokens).
"""

from __future__ import annotations

from . import _native
from ._native import (
    StatusList,
    StatusListCache,
    StatusListToken,
    Verifier,
    agent_did_to_id,
    agent_id_to_did,
    audit_entry_hash,
    did_document_key,
    did_key_to_jwk,
    did_web_from_url,
    did_web_to_url,
    jwk_thumbprint,
    narrows,
    present_sd_jwt,
    resolve_issuer,
    satisfies,
    status_list_get,
    verify_chain,
    verify_credential,
    verify_credential_upstream,
    verify_sd_jwt,
    verify_status_list_credential,
    verify_status_list_token,
)
from ._types import (
    ChainReport,
    Scope,
    StatusReference,
    VerifiedGrant,
    VerifyGrantTokenOptions,
)
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

# Neither `typing` nor the modules below are imported at run time until needed (see `__getattr__`).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._credentials import CredentialStatusEntry, KeyBinding, VerifiedCredential, VerifiedSdJwt
    from ._jwks import FetchResult, JwksCache, default_jwks_cache, fetch_jwks
    from ._verify import verify_grant_token

__version__: str = _native.__version__

# The JWKS download (urllib, http.client, ssl, email: ~40 ms of imports) and the credential result types are
# loaded on first use, so that `import grantex_core` + `Verifier(jwks).verify(…)` stays a few milliseconds
# (PEP 562).
_LAZY = {
    "KeyBinding": "._credentials",
    "VerifiedSdJwt": "._credentials",
    "CredentialStatusEntry": "._credentials",
    "VerifiedCredential": "._credentials",
    "verify_grant_token": "._verify",
    "JwksCache": "._jwks",
    "FetchResult": "._jwks",
    "default_jwks_cache": "._jwks",
    "fetch_jwks": "._jwks",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value

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
    "StatusReference",
    # Credentials, status lists
    "verify_sd_jwt",
    "present_sd_jwt",
    "VerifiedSdJwt",
    "KeyBinding",
    "verify_credential",
    "verify_credential_upstream",
    "VerifiedCredential",
    "CredentialStatusEntry",
    "StatusList",
    "StatusListToken",
    "StatusListCache",
    "status_list_get",
    "verify_status_list_credential",
    "verify_status_list_token",
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
    # DIDs
    "did_web_to_url",
    "did_web_from_url",
    "did_key_to_jwk",
    "agent_did_to_id",
    "agent_id_to_did",
    "did_document_key",
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
