"""Plain data types: results and options (pure Python, no logic beyond conversion)."""

from __future__ import annotations

# Type checkers see the standard `dataclass`; at run time neither `dataclasses` nor `typing` is imported
# (annotations are strings), which keeps `import grantex_core` cheap (see `_record`).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import dataclass
    from typing import Any, Optional, Sequence, Union
else:
    from ._record import dataclass

__all__ = [
    "VerifiedGrant",
    "VerifyGrantTokenOptions",
    "ChainReport",
    "Scope",
    "StatusReference",
]


@dataclass(frozen=True)
class StatusReference:
    """Where a grant's status lives: the status list URI and the entry index (``status.status_list``)."""

    uri: str
    idx: int

    def to_json_dict(self) -> dict[str, Any]:
        return {"uri": self.uri, "idx": self.idx}


@dataclass(frozen=True)
class VerifiedGrant:
    """A verified grant token (PROTOCOL.md §4.3).

    The first eleven fields are those of the upstream ``grantex.VerifiedGrant``, in the same order;
    ``audience``, ``issuer`` and ``budget_remaining`` are ours.
    """

    token_id: str
    grant_id: str
    principal_id: str
    agent_did: str
    developer_id: str
    scopes: tuple[str, ...]
    issued_at: int
    expires_at: int
    parent_agent_did: Optional[str] = None
    parent_grant_id: Optional[str] = None
    delegation_depth: Optional[int] = None
    #: ``aud`` as a tuple (a string claim becomes a one-element tuple); ``None`` when absent.
    audience: Optional[tuple[str, ...]] = None
    #: ``iss`` (always set by the verifier).
    issuer: str = ""
    #: ``bdg``: remaining budget at refresh time (informational).
    budget_remaining: Optional[float] = None
    #: ``status.status_list``: the grant's revocation entry (checked when ``Verifier.verify`` is given a
    #: ``status_cache``); ``None`` when the token has no ``status`` claim (every upstream token).
    status: Optional[StatusReference] = None

    def to_json_dict(self) -> dict[str, Any]:
        """The core's JSON form: camelCase names, absent optional fields omitted, lists for tuples."""
        out: dict[str, Any] = {
            "tokenId": self.token_id,
            "grantId": self.grant_id,
            "principalId": self.principal_id,
            "agentDid": self.agent_did,
            "developerId": self.developer_id,
            "scopes": list(self.scopes),
            "issuedAt": self.issued_at,
            "expiresAt": self.expires_at,
        }
        optional: dict[str, Any] = {
            "parentAgentDid": self.parent_agent_did,
            "parentGrantId": self.parent_grant_id,
            "delegationDepth": self.delegation_depth,
            "audience": list(self.audience) if self.audience is not None else None,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        out["issuer"] = self.issuer
        if self.budget_remaining is not None:
            out["budgetRemaining"] = self.budget_remaining
        if self.status is not None:
            out["status"] = self.status.to_json_dict()
        return out


@dataclass()
class VerifyGrantTokenOptions:
    """Options of :func:`grantex_core.verify_grant_token`, upstream-compatible.

    The first six fields are those of the upstream ``grantex.VerifyGrantTokenOptions`` (same names, order
    and defaults, except that ``jwks_uri`` may be omitted when ``issuer`` or ``issuer_did`` names the
    issuer). The JWKS URL and the expected issuer are derived as PROTOCOL.md §4.2 says.

    Deliberately stricter than upstream: a token that carries ``aud`` is rejected when no ``audience`` is
    expected (RFC 7519 §4.1.3); set ``any_audience=True`` for the upstream behaviour.
    """

    jwks_uri: Optional[str] = None
    required_scopes: Optional[Sequence[str]] = None
    clock_tolerance: int = 0
    audience: Optional[Union[str, Sequence[str]]] = None
    issuer_did: Optional[str] = None
    issuer: Optional[str] = None
    # Ours (keyword use recommended).
    any_audience: bool = False
    max_delegation_depth: Optional[int] = None
    algorithms: Sequence[str] = ("RS256",)
    max_token_bytes: Optional[int] = None


@dataclass(frozen=True)
class ChainReport:
    """Outcome of :func:`grantex_core.verify_chain` (PROTOCOL.md §8.6)."""

    valid: bool
    checked_entries: int
    first_broken_at: Optional[str] = None
    first_broken_index: Optional[int] = None
    #: ``"link"`` (``prevHash`` mismatch) or ``"content"`` (hash mismatch); ``None`` when valid.
    reason: Optional[str] = None

    def to_json_dict(self) -> dict[str, Any]:
        """The core's JSON form (``{valid, checkedEntries, firstBrokenAt, firstBrokenIndex, reason}``)."""
        return {
            "valid": self.valid,
            "checkedEntries": self.checked_entries,
            "firstBrokenAt": self.first_broken_at,
            "firstBrokenIndex": self.first_broken_index,
            "reason": self.reason,
        }

    def raise_if_broken(self) -> None:
        """Raise :class:`grantex_core.AuditChainError` (``BROKEN_CHAIN``) unless the chain is valid."""
        if self.valid:
            return
        from .errors import AuditChainError

        what = (
            "its prevHash does not match the previous entry's hash"
            if self.reason == "link"
            else "its hash does not match its content"
        )
        raise AuditChainError(
            f"audit chain broken at entry {self.first_broken_at} (index {self.first_broken_index}): {what}"
        )


@dataclass(frozen=True)
class Scope:
    """A parsed ``resource:action[:constraint]`` scope."""

    resource: str
    action: str
    constraint: Optional[str] = None

    def __str__(self) -> str:
        base = f"{self.resource}:{self.action}"
        return base if self.constraint is None else f"{base}:{self.constraint}"

