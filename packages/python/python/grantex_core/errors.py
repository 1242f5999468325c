"""Exceptions raised by grantex_core, one class per family of stable error codes.

Every exception carries ``code`` (a stable SCREAMING_SNAKE_CASE string from the core's table, compare on
this) and ``message`` (informative, may change). Every failure to verify a token — signature, claims,
time, scopes, key set, JWKS download — is a :class:`GrantexTokenError`, so code written against the
upstream ``grantex`` SDK (``except GrantexTokenError:``) keeps working after changing the import.

Hierarchy (each class lists the codes it stands for in its ``codes`` attribute, the one place this package
names them; :func:`error_class_for` maps a code to its class)::

    GrantexError
    ├── GrantexTokenError
    │   ├── MalformedTokenError      token structure, size, critical header, kind
    │   ├── TokenSignatureError      algorithm, key selection, signature
    │   ├── TokenClaimsError         claims, issuer, audience
    │   ├── TokenTimeError           not yet valid, issued in the future
    │   │   └── TokenExpiredError    expired
    │   ├── InsufficientScopeError   scopes, delegation depth
    │   ├── TokenRevokedError        revoked by a status list
    │   ├── StatusError              status list unavailable or invalid
    │   ├── CredentialError          SD-JWT disclosures and key binding, VC checks, untrusted issuer
    │   └── JwksError                invalid key set, or its download failed
    ├── InvalidOptionsError (ValueError)
    ├── InvalidScopeError (ValueError)
    ├── InvalidDidError (ValueError)
    ├── InvalidInputError (ValueError)
    ├── AuditChainError
    └── InternalError                a bug

For example ``TokenSignatureError.codes == ("INVALID_SIGNATURE", "UNSUPPORTED_ALGORITHM", "UNKNOWN_KEY",
"INVALID_KEY")``; the first code is the one an instance created without a code gets (``default_code``).

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

    #: The codes this class stands for (empty for the base classes); the first is ``default_code``.
    codes: tuple[str, ...] = ()
    #: Code used when an instance is created without one.
    default_code = "INTERNAL"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own: tuple[str, ...] = cls.__dict__.get("codes", ())
        if own:
            cls.default_code = own[0]

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

    codes: tuple[str, ...] = (
        "MALFORMED_TOKEN",
        "TOKEN_TOO_LARGE",
        "UNSUPPORTED_CRITICAL_HEADER",
        "WRONG_TOKEN_TYPE",
    )


class TokenSignatureError(GrantexTokenError):
    """Algorithm, key selection or signature failed."""

    codes: tuple[str, ...] = ("INVALID_SIGNATURE", "UNSUPPORTED_ALGORITHM", "UNKNOWN_KEY", "INVALID_KEY")


class TokenClaimsError(GrantexTokenError):
    """A claim is missing or wrong, or the issuer or audience does not match."""

    codes: tuple[str, ...] = ("INVALID_CLAIM", "MISSING_CLAIM", "INVALID_ISSUER", "INVALID_AUDIENCE")


class TokenTimeError(GrantexTokenError):
    """The token is outside its validity window."""

    codes: tuple[str, ...] = ("NOT_YET_VALID", "ISSUED_IN_FUTURE")


class TokenExpiredError(TokenTimeError):
    """The token has expired."""

    codes: tuple[str, ...] = ("EXPIRED",)


class InsufficientScopeError(GrantexTokenError):
    """The token is valid but does not grant what the caller requires (scopes, delegation depth)."""

    codes: tuple[str, ...] = ("INSUFFICIENT_SCOPE", "DELEGATION_DEPTH_EXCEEDED")


class TokenRevokedError(GrantexTokenError):
    """A status list marks the token or credential revoked."""

    codes: tuple[str, ...] = ("REVOKED",)


class StatusError(GrantexTokenError):
    """The status list needed for a decision is unavailable or invalid (fail closed)."""

    codes: tuple[str, ...] = ("STATUS_UNAVAILABLE", "INVALID_STATUS_LIST")


class CredentialError(GrantexTokenError):
    """A verifiable credential or SD-JWT presentation fails a check."""

    codes: tuple[str, ...] = (
        "INVALID_CREDENTIAL",
        "INVALID_DISCLOSURE",
        "DUPLICATE_DISCLOSURE",
        "KEY_BINDING_REQUIRED",
        "INVALID_KEY_BINDING",
        "UNTRUSTED_ISSUER",
    )


class JwksError(GrantexTokenError):
    """The key set is not a JWKS, or could not be downloaded."""

    codes: tuple[str, ...] = ("INVALID_JWKS", JWKS_UNAVAILABLE)


class InvalidOptionsError(GrantexError, ValueError):
    """The caller's options are inconsistent or incomplete (a programming error, not a token failure)."""

    codes: tuple[str, ...] = ("INVALID_OPTIONS",)


class InvalidScopeError(GrantexError, ValueError):
    """A scope string does not follow ``resource:action[:constraint]``."""

    codes: tuple[str, ...] = ("INVALID_SCOPE",)


class InvalidDidError(GrantexError, ValueError):
    """A DID or DID document is malformed or names no usable key."""

    codes: tuple[str, ...] = ("INVALID_DID",)


class InvalidInputError(GrantexError, ValueError):
    """Input data (e.g. audit entries) is not well formed."""

    codes: tuple[str, ...] = ("INVALID_INPUT",)


class AuditChainError(GrantexError):
    """An audit-log hash chain does not verify."""

    codes: tuple[str, ...] = ("BROKEN_CHAIN",)


class InternalError(GrantexError):
    """An internal invariant failed: a bug, please report it."""

    codes: tuple[str, ...] = ("INTERNAL",)


_CLASS_BY_CODE: dict[str, type[GrantexError]] = {}


def _register(cls: type[GrantexError]) -> None:
    for code in cls.__dict__.get("codes", ()):
        _CLASS_BY_CODE[code] = cls
    for sub in cls.__subclasses__():
        _register(sub)


_register(GrantexError)


def error_class_for(code: str) -> type[GrantexError]:
    """The exception class raised for ``code`` (:class:`GrantexError` for a code unknown to this version)."""
    return _CLASS_BY_CODE.get(code, GrantexError)


def _from_code(code: str, message: str) -> GrantexError:
    """Called by the native module to build the exception for a core error."""
    return error_class_for(code)(message, code)
