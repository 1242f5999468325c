//! JWKS fetching over HTTP(S): one GET with a 10 s overall timeout and a 1 MiB body limit.
//!
//! TLS is rustls with the aws-lc-rs crypto provider (the one the core already links for signatures), set
//! explicitly on the agent so that no process-wide default and no second crypto library (ring) is needed.
//! Server certificates are checked against the Mozilla root set (webpki-roots).

use super::{CliError, JWKS_UNAVAILABLE};
use grantex_core::ErrorCode;
use grantex_core::jwk::MAX_JWKS_BYTES;
use std::sync::Arc;
use std::time::Duration;
use ureq::Agent;
use ureq::tls::{TlsConfig, TlsProvider};

/// Overall time allowed for one fetch (connect, TLS, headers and body).
pub(crate) const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

fn agent() -> Agent {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(provider)
        .build();
    Agent::config_builder()
        .timeout_global(Some(FETCH_TIMEOUT))
        .tls_config(tls)
        .user_agent(concat!("grantex/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent()
}

/// GETs the document at `url`. Any transport failure, a non-2xx status or a body over 1 MiB is
/// [`JWKS_UNAVAILABLE`]; a body that is not UTF-8 is `INVALID_JWKS`.
pub(crate) fn fetch_jwks(url: &str) -> Result<String, CliError> {
    let unavailable = |why: String| {
        CliError::new(
            JWKS_UNAVAILABLE,
            format!("cannot fetch the JWKS from {url}: {why}"),
        )
    };
    let mut response = agent()
        .get(url)
        .header(
            "accept",
            "application/jwk-set+json, application/json;q=0.9, */*;q=0.1",
        )
        .call()
        .map_err(|e| unavailable(describe(&e)))?;
    let bytes = response
        .body_mut()
        .with_config()
        .limit(MAX_JWKS_BYTES as u64)
        .read_to_vec()
        .map_err(|e| unavailable(describe(&e)))?;
    String::from_utf8(bytes).map_err(|_| {
        CliError::core(
            ErrorCode::InvalidJwks,
            format!("the JWKS from {url} is not UTF-8"),
        )
    })
}

fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::StatusCode(status) => format!("HTTP status {status}"),
        ureq::Error::BodyExceedsLimit(_) => "the response is larger than 1 MiB".to_owned(),
        ureq::Error::Timeout(_) => {
            format!("no complete answer within {} s", FETCH_TIMEOUT.as_secs())
        }
        other => other.to_string(),
    }
}
