//! Endpoint groups, one module each. A group exposes `router() -> Router<AppState>`; [`crate::app`] merges
//! them (dev-key groups behind the authentication layer) and [`openapi`] documents them.

pub mod agents;
pub mod audit;
pub mod authorize;
pub mod consent;
pub mod grants;
pub mod health;
pub mod issuance;
pub mod openapi;
pub mod principal;
pub mod revocations;
pub mod token;
pub mod tokens;
pub mod well_known;
