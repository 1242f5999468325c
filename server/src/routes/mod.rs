//! Endpoint groups, one module each. A group exposes `router() -> Router<AppState>`; [`crate::app`] merges
//! them (dev-key groups behind the authentication layer) and [`openapi`] documents them.

pub mod agents;
pub mod health;
pub mod openapi;
pub mod well_known;
