# Stubs of the Rust extension module (bindings/python/src/lib.rs), checked by `python -m mypy.stubtest`.
import builtins
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union, final

from ._credentials import VerifiedCredential, VerifiedSdJwt
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
    "StatusList",
    "StatusListToken",
    "StatusListCache",
    "verify_sd_jwt",
    "present_sd_jwt",
    "verify_credential",
    "verify_credential_upstream",
    "verify_status_list_credential",
    "verify_status_list_token",
    "status_list_get",
    "did_web_to_url",
    "did_web_from_url",
    "did_key_to_jwk",
    "agent_did_to_id",
    "agent_id_to_did",
    "did_document_key",
]

__version__: str

_Json = Union[str, bytes, Mapping[str, Any]]
#: A key set: a built ``Verifier`` (steady state) or a JWKS document.
_Keys = Union["Verifier", str, bytes, Mapping[str, Any]]
#: A status list: decoded, a W3C ``encodedList`` string, ``{"encodedList", "statusSize"?}`` or an IETF
#: ``status_list`` object ``{"bits", "lst"}``.
_List = Union["StatusList", str, Mapping[str, Any]]

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
        status_cache: Optional[StatusListCache] = None,
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

@final
class StatusList:
    """A decoded status list (W3C Bitstring / StatusList2021 or IETF Token Status List)."""

    def __new__(cls, list: _List) -> StatusList: ...
    def get(self, index: int) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def bits(self) -> int: ...
    @property
    def purposes(self) -> builtins.list[str]: ...
    def __len__(self) -> int: ...

@final
class StatusListToken:
    """A verified IETF Status List Token."""

    @property
    def subject(self) -> str: ...
    @property
    def issued_at(self) -> int: ...
    @property
    def expires_at(self) -> Optional[int]: ...
    @property
    def ttl(self) -> Optional[int]: ...
    @property
    def list(self) -> StatusList: ...
    def get(self, index: int) -> int: ...

@final
class StatusListCache:
    """Verified status lists keyed by URI with their fetch time; fails closed. Thread-safe."""

    def __new__(
        cls,
        *,
        max_age_seconds: Optional[int] = None,
        max_entries: Optional[int] = None,
        max_total_bytes: Optional[int] = None,
    ) -> StatusListCache: ...
    def insert(self, uri: str, list: _List, fetched_at: Optional[int] = None) -> bool: ...
    def insert_token(self, token: StatusListToken, fetched_at: Optional[int] = None) -> bool: ...
    def lookup(self, uri: str, index: int, now: Optional[int] = None) -> int: ...
    def remove(self, uri: str) -> bool: ...
    def purge_stale(self, now: Optional[int] = None) -> None: ...
    def clear(self) -> None: ...
    @property
    def total_bytes(self) -> int: ...
    def __len__(self) -> int: ...

def verify_sd_jwt(
    presentation: str,
    jwks: _Keys,
    *,
    issuer: Optional[str] = None,
    any_issuer: bool = False,
    nonce: Optional[str] = None,
    audience: Optional[str] = None,
    now: Optional[int] = None,
    clock_tolerance: int = 0,
    algorithms: Optional[Sequence[str]] = None,
    types: Optional[Sequence[str]] = None,
    require_exp: bool = True,
    kb_algorithms: Optional[Sequence[str]] = None,
    kb_max_age: Optional[int] = None,
    max_presentation_bytes: Optional[int] = None,
    max_disclosures: Optional[int] = None,
) -> VerifiedSdJwt: ...
def present_sd_jwt(sd_jwt: str, disclose: Sequence[Union[str, Sequence[str]]]) -> str: ...
def verify_credential(
    vc_jwt: str,
    jwks: _Keys,
    *,
    trusted_issuers: Sequence[str],
    status_lists: Optional[Mapping[str, _List]] = None,
    status_cache: Optional[StatusListCache] = None,
    now: Optional[int] = None,
    clock_tolerance: int = 0,
    expected_types: Optional[Sequence[str]] = None,
    algorithms: Optional[Sequence[str]] = None,
    status_required: bool = True,
    status_url_prefix: Optional[str] = None,
    require_expiry: bool = True,
) -> VerifiedCredential: ...
def verify_credential_upstream(
    vc_jwt: str,
    jwks: _Keys,
    *,
    trusted_issuers: Sequence[str],
    status_lists: Optional[Mapping[str, _List]] = None,
    status_cache: Optional[StatusListCache] = None,
    now: Optional[int] = None,
    clock_tolerance: int = 0,
    expected_types: Optional[Sequence[str]] = None,
    algorithms: Optional[Sequence[str]] = None,
    status_required: bool = True,
    status_url_prefix: Optional[str] = None,
    require_expiry: bool = True,
) -> dict[str, Any]: ...
def verify_status_list_credential(
    jwt: str,
    jwks: _Keys,
    *,
    trusted_issuers: Sequence[str],
    expected_id: Optional[str] = None,
    now: Optional[int] = None,
    clock_tolerance: int = 0,
    algorithms: Optional[Sequence[str]] = None,
) -> StatusList: ...
def verify_status_list_token(jwt: str, jwks: _Keys, *, now: Optional[int] = None) -> StatusListToken: ...
def status_list_get(list: _List, index: int) -> int: ...
def did_web_to_url(did: str) -> str: ...
def did_web_from_url(url: str) -> str: ...
def did_key_to_jwk(did: str) -> dict[str, str]: ...
def agent_did_to_id(did: str) -> str: ...
def agent_id_to_did(agent_id: str) -> str: ...
def did_document_key(
    did: str, document: _Json, reference: str, purpose: Optional[str] = None
) -> dict[str, str]: ...
