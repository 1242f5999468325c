//! The Grantex reference server (`grantex serve`) as a library, so tests can run it in-process.
//!
//! * [`config`] — command-line/environment settings; [`serve`] — the `serve` command (startup, dev seeding,
//!   graceful shutdown); [`admin`] — `grantex keys …`.
//! * [`app`] — state and router; [`http`] — envelope, request ids, auth, rate limits, JSON bodies, metrics;
//!   [`routes`] — endpoint groups.
//! * [`store`] — SQLite/PostgreSQL storage with embedded migrations; [`keys`] — the signing-key ring and the
//!   grant-token signer; [`ids`] — prefixed ULIDs and secrets; [`time`] — clock and wire time formats.
//! * [`client`] — typed blocking REST client of a Grantex server; [`mcp`] — `grantex mcp` (MCP server on `rmcp`).

pub mod admin;
pub mod app;
pub mod client;
pub mod config;
pub mod http;
pub mod ids;
pub mod keys;
pub mod mcp;
pub mod routes;
pub mod serve;
pub mod sessions;
pub mod store;
pub mod time;
