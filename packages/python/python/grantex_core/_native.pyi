# Stubs of the Rust extension module (bindings/python/src/lib.rs), checked by `python -m mypy.stubtest`.
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union, final

from ._types import ChainReport, VerifiedGrant

__all__ = [
    "__version__",
    "Verifier",
    "resolve_issuer",
    "jwk_thumbprint",
    "verify_chain",
    "audit_entry_hash",
    "satisfies",
    "narrows",
    "parse_scope",
    "error_codes",
]

__version__: str

_Json = Union[str, bytes, Mapping[str, Any]]

@final
class Verifier:
    """A parsed JWKS; verifies grant tokens. Thread-safe; the GIL is released while verifying."""

    def __new__(cls, jwks: _Json) -> Verifier: ...
    def verify(
        self,
        token: str,
        *,
        issuer: Optional[str] = None,
        audience: Optional[Union[str, Sequence[str]]] = None,
        required_scopes: Optional[Sequence[str]] = None,
        clock_tolerance: int = 0,
        now: Optional[int] = None,
        max_delegation_depth: Optional[int] = None,
        any_audience: bool = False,
        any_issuer: bool = False,
        algorithms: Optional[Sequence[str]] = None,
        jwks_uri: Optional[str] = None,
        issuer_did: Optional[str] = None,
        max_token_bytes: Optional[int] = None,
    ) -> VerifiedGrant: ...
    def keys(self) -> list[dict[str, Optional[str]]]: ...
    def __len__(self) -> int: ...

def resolve_issuer(
    jwks_uri: Optional[str] = None, issuer: Optional[str] = None, issuer_did: Optional[str] = None
) -> tuple[str, str]: ...
def jwk_thumbprint(jwk: _Json) -> str: ...
def verify_chain(entries_json: Union[str, bytes]) -> ChainReport: ...
def audit_entry_hash(entry_json: Union[str, bytes]) -> str: ...
def satisfies(granted: str, required: str) -> bool: ...
def narrows(child: str, parent: str) -> bool: ...
def parse_scope(scope: str) -> tuple[str, str, Optional[str]]: ...
def error_codes() -> list[str]: ...
