"""Exceptions raised by grantex_core, one class per family of stable error codes.

Every exception carries ``code`` (a stable SCREAMING_SNAKE_CASE string from the core's table, compare on
this) and ``message`` (informative, may change). Every failure to verify a token — signature, claims,
time, scopes, key set, JWKS download — is a :class:`GrantexTokenError`, so code written against the
upstream ``grantex`` SDK (``except GrantexTokenError:``) keeps working after changing the import.

Hierarchy::

    GrantexError
    ├── GrantexTokenError
    │   ├── MalformedTokenError      MALFORMED_TOKEN, TOKEN_TOO_LARGE, UNSUPPORTED_CRITICAL_HEADER,
    │   │                            WRONG_TOKEN_TYPE
    │   ├── TokenSignatureError      UNSUPPORTED_ALGORITHM, UNKNOWN_KEY, INVALID_KEY, INVALID_SIGNATURE
    │   ├── TokenClaimsError         MISSING_CLAIM, INVALID_CLAIM, INVALID_ISSUER, INVALID_AUDIENCE
    │   ├── TokenTimeError           NOT_YET_VALID, ISSUED_IN_FUTURE
    │   │   └── TokenExpiredError    EXPIRED
    │   ├── InsufficientScopeError   INSUFFICIENT_SCOPE, DELEGATION_DEPTH_EXCEEDED
    │   ├── TokenRevokedError        REVOKED
    │   ├── StatusError              STATUS_UNAVAILABLE, INVALID_STATUS_LIST
    │   ├── CredentialError          INVALID_DISCLOSURE, DUPLICATE_DISCLOSURE, KEY_BINDING_REQUIRED,
    │   │                            INVALID_KEY_BINDING, INVALID_CREDENTIAL, UNTRUSTED_ISSUER
    │   └── JwksError                INVALID_JWKS, JWKS_UNAVAILABLE (download failed; Python only)
    ├── InvalidOptionsError (ValueError)   INVALID_OPTIONS
    ├── InvalidScopeError (ValueError)     INVALID_SCOPE
    ├── InvalidDidError (ValueError)       INVALID_DID
    ├── InvalidInputError (ValueError)     INVALID_INPUT
    ├── AuditChainError                    BROKEN_CHAIN
    └── InternalError                      INTERNAL (a bug)

A code this version does not know yet (a newer core) raises a plain :class:`GrantexError` with that code.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

__all__ = [
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
    "JWKS_UNAVAILABLE",
    "error_class_for",
]

#: Code of a JWKS download failure (network, HTTP status, size). Raised by the Python layer only: the core
#: performs no I/O.
JWKS_UNAVAILABLE = "JWKS_UNAVAILABLE"


class GrantexError(Exception):
    """Base class of every grantex_core error: ``code`` (stable) and ``message`` (informative)."""

    #: Code used when an instance is created without one.
    default_code = "INTERNAL"

    code: str
    message: str

    def __init__(self, message: str, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else type(self).default_code

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.code))


class GrantexTokenError(GrantexError):
    """A token could not be verified (upstream ``grantex.GrantexTokenError`` compatible)."""


class MalformedTokenError(GrantexTokenError):
    """The token is not a well-formed grant token (structure, size, critical header, kind)."""

    default_code = "MALFORMED_TOKEN"


class TokenSignatureError(GrantexTokenError):
    """Algorithm, key selection or signature failed."""

    default_code = "INVALID_SIGNATURE"


class TokenClaimsError(GrantexTokenError):
    """A claim is missing or wrong, or the issuer or audience does not match."""

    default_code = "INVALID_CLAIM"


class TokenTimeError(GrantexTokenError):
    """The token is outside its validity window."""

    default_code = "NOT_YET_VALID"


class TokenExpiredError(TokenTimeError):
    """The token has expired."""

    default_code = "EXPIRED"


class InsufficientScopeError(GrantexTokenError):
    """The token is valid but does not grant what the caller requires (scopes, delegation depth)."""

    default_code = "INSUFFICIENT_SCOPE"


class TokenRevokedError(GrantexTokenError):
    """A status list marks the token or credential revoked."""

    default_code = "REVOKED"


class StatusError(GrantexTokenError):
    """The status list needed for a decision is unavailable or invalid (fail closed)."""

    default_code = "STATUS_UNAVAILABLE"


class CredentialError(GrantexTokenError):
    """A verifiable credential or SD-JWT presentation fails a check."""

    default_code = "INVALID_CREDENTIAL"


class JwksError(GrantexTokenError):
    """The key set is not a JWKS, or could not be downloaded."""

    default_code = "INVALID_JWKS"


class InvalidOptionsError(GrantexError, ValueError):
    """The caller's options are inconsistent or incomplete (a programming error, not a token failure)."""

    default_code = "INVALID_OPTIONS"


class InvalidScopeError(GrantexError, ValueError):
    """A scope string does not follow ``resource:action[:constraint]``."""

    default_code = "INVALID_SCOPE"


class InvalidDidError(GrantexError, ValueError):
    """A DID or DID document is malformed or names no usable key."""

    default_code = "INVALID_DID"


class InvalidInputError(GrantexError, ValueError):
    """Input data (e.g. audit entries) is not well formed."""

    default_code = "INVALID_INPUT"


class AuditChainError(GrantexError):
    """An audit-log hash chain does not verify."""

    default_code = "BROKEN_CHAIN"


class InternalError(GrantexError):
    """An internal invariant failed: a bug, please report it."""

    default_code = "INTERNAL"


_FAMILIES: dict[type[GrantexError], tuple[str, ...]] = {
    MalformedTokenError: (
        "MALFORMED_TOKEN",
        "TOKEN_TOO_LARGE",
        "UNSUPPORTED_CRITICAL_HEADER",
        "WRONG_TOKEN_TYPE",
    ),
    TokenSignatureError: ("UNSUPPORTED_ALGORITHM", "UNKNOWN_KEY", "INVALID_KEY", "INVALID_SIGNATURE"),
    TokenClaimsError: ("MISSING_CLAIM", "INVALID_CLAIM", "INVALID_ISSUER", "INVALID_AUDIENCE"),
    TokenTimeError: ("NOT_YET_VALID", "ISSUED_IN_FUTURE"),
    TokenExpiredError: ("EXPIRED",),
    InsufficientScopeError: ("INSUFFICIENT_SCOPE", "DELEGATION_DEPTH_EXCEEDED"),
    TokenRevokedError: ("REVOKED",),
    StatusError: ("STATUS_UNAVAILABLE", "INVALID_STATUS_LIST"),
    CredentialError: (
        "INVALID_DISCLOSURE",
        "DUPLICATE_DISCLOSURE",
        "KEY_BINDING_REQUIRED",
        "INVALID_KEY_BINDING",
        "INVALID_CREDENTIAL",
        "UNTRUSTED_ISSUER",
    ),
    JwksError: ("INVALID_JWKS", JWKS_UNAVAILABLE),
    InvalidOptionsError: ("INVALID_OPTIONS",),
    InvalidScopeError: ("INVALID_SCOPE",),
    InvalidDidError: ("INVALID_DID",),
    InvalidInputError: ("INVALID_INPUT",),
    AuditChainError: ("BROKEN_CHAIN",),
    InternalError: ("INTERNAL",),
}

_CLASS_BY_CODE: dict[str, type[GrantexError]] = {
    code: cls for cls, codes in _FAMILIES.items() for code in codes
}


def error_class_for(code: str) -> type[GrantexError]:
    """The exception class raised for ``code`` (:class:`GrantexError` for a code unknown to this version)."""
    return _CLASS_BY_CODE.get(code, GrantexError)


def _from_code(code: str, message: str) -> GrantexError:
    """Called by the native module to build the exception for a core error."""
    return error_class_for(code)(message, code)
