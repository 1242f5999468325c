"""Result types of the credential functions (SD-JWT, VC-JWT); loaded on first use."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import dataclass
    from typing import Any, Optional
else:
    from ._record import dataclass

__all__ = ["KeyBinding", "VerifiedSdJwt", "CredentialStatusEntry", "VerifiedCredential"]


@dataclass(frozen=True)
class KeyBinding:
    """The verified key-binding JWT of an SD-JWT presentation."""

    nonce: str
    audience: str
    issued_at: int


@dataclass(frozen=True)
class VerifiedSdJwt:
    """A verified SD-JWT presentation (:func:`grantex_core.verify_sd_jwt`)."""

    #: Issuer-JWT ``alg``, ``kid`` and ``typ``.
    header: dict[str, Any]
    #: The processed payload: disclosed claims in place, ``_sd``/``_sd_alg`` removed.
    claims: dict[str, Any]
    #: The processed ``vc.credentialSubject`` (upstream ``disclosedClaims``) for the ``vc+sd-jwt`` profile.
    disclosed_claims: Optional[dict[str, Any]]
    #: ``_sd_alg`` (``"sha-256"``, ``"sha-384"`` or ``"sha-512"``).
    hash_alg: str
    #: Whether a KB-JWT was present and verified.
    key_bound: bool
    key_binding: Optional[KeyBinding] = None

    def to_json_dict(self) -> dict[str, Any]:
        """The core's JSON form (``VerifiedSdJwtJson``)."""
        out: dict[str, Any] = {"header": self.header, "claims": self.claims}
        if self.disclosed_claims is not None:
            out["disclosedClaims"] = self.disclosed_claims
        out["hashAlg"] = self.hash_alg
        out["keyBound"] = self.key_bound
        if self.key_binding is not None:
            kb = self.key_binding
            out["keyBinding"] = {"nonce": kb.nonce, "audience": kb.audience, "issuedAt": kb.issued_at}
        return out


@dataclass(frozen=True)
class CredentialStatusEntry:
    """One ``credentialStatus`` entry of a verified credential and whether its list was consulted."""

    status_list_credential: str
    status_list_index: int
    status_purpose: str
    status_size: int
    checked: bool

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "statusListCredential": self.status_list_credential,
            "statusListIndex": self.status_list_index,
            "statusPurpose": self.status_purpose,
            "statusSize": self.status_size,
            "checked": self.checked,
        }


@dataclass(frozen=True)
class VerifiedCredential:
    """A verified VC-JWT (:func:`grantex_core.verify_credential`)."""

    #: ``jti``, else ``vc.id``.
    id: Optional[str]
    #: ``iss``, one of the trusted issuers.
    issuer: str
    #: ``sub``, else ``credentialSubject.id``.
    subject_id: Optional[str]
    #: ``vc.credentialSubject``, verbatim.
    subject: Any
    #: ``vc.type``, in order.
    types: tuple[str, ...]
    #: The expected type found in ``vc.type`` (e.g. ``"AgentGrantCredential"``).
    credential_type: str
    #: ``"1.1"`` or ``"2.0"`` (from ``@context``).
    data_model: str
    issued_at: Optional[int]
    expires_at: Optional[int]
    status_entries: tuple[CredentialStatusEntry, ...]
    #: The whole JWT payload.
    payload: dict[str, Any]

    def to_json_dict(self) -> dict[str, Any]:
        """The core's JSON form (``VerifiedCredential``, camelCase)."""
        return {
            "id": self.id,
            "issuer": self.issuer,
            "subjectId": self.subject_id,
            "subject": self.subject,
            "types": list(self.types),
            "credentialType": self.credential_type,
            "dataModel": self.data_model,
            "issuedAt": self.issued_at,
            "expiresAt": self.expires_at,
            "statusEntries": [e.to_json_dict() for e in self.status_entries],
            "payload": self.payload,
        }
