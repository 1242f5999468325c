//! # grantex-core
//!
//! The sans-IO verification core of Grantex, the delegated-authorization protocol for AI agents.
//! Everything that decides whether a token, credential or log is valid lives here, once, and every binding
//! (wasm, Node, Python, C, Go) and the reference server reuse it.
//!
//! * [`jwk`] — JWK/JWKS parsing, RFC 7638 thumbprints, a [`jwk::KeySet`] whose keys are parsed once.
//! * [`jws`] — strict compact JWS parsing and signature verification with algorithm allow-lists.
//! * [`grant`] — grant-token verification (PROTOCOL.md §4.1) returning a [`grant::VerifiedGrant`].
//! * [`scope`] — the `resource:action[:constraint]` grammar, exact matching and constraint narrowing.
//! * [`sdjwt`] — SD-JWT (RFC 9901): presentation verification with key binding, holder presentation, issuance.
//! * [`status`] — W3C Bitstring and IETF Token status lists (bounded decoding, encoding) and a fail-closed cache.
//! * [`vc`] — W3C VC-JWT credentials (`AgentGrantCredential` and kin): trusted issuers, validity, subject
//!   shape and status-list revocation, plus the signed status-list forms.
//! * [`audit`] — the audit-log hash chain (PROTOCOL.md §8): ECMAScript-exact canonical JSON, entry hashes,
//!   chain verification including the legacy layouts.
//! * [`did`] — `did:web` ↔ URL, DID documents (key lookup by DID URL, fragment or `kid`, per purpose),
//!   offline `did:key` (Ed25519, P-256) and `did:grantex` agent identifiers.
//! * [`api`] — the serde call/answer contract (typed and JSON forms) that bindings expose.
//! * [`error`] — one error type with stable codes.
//!
//! The core performs no I/O, keeps no global state and never reads the clock: `now` is an input.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![deny(clippy::indexing_slicing)]
#![deny(missing_docs)]

pub mod api;
pub mod audit;
pub mod b64;
pub mod crypto;
pub mod did;
pub mod error;
pub mod grant;
pub mod json;
pub mod jwk;
pub mod jws;
pub mod scope;
pub mod sdjwt;
pub mod status;
pub mod vc;

pub use error::{Error, ErrorCode, Result};
