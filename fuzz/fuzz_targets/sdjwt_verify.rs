//! SD-JWT presentations: parsing and full verification on both backends must never panic and must agree.
//! Inputs are spliced from the upstream presentation (issuer JWT, disclosures, KB-JWT slot) so that the
//! fuzzer reaches disclosure processing, not only the signature check.
#![no_main]

#[path = "upstream_vectors.rs"]
mod upstream_vectors;

use std::sync::LazyLock;

use grantex_core::crypto::Backend;
use grantex_core::grant::IssuerPolicy;
use grantex_core::jwk::KeySet;
use grantex_core::sdjwt::{self, ClaimPath, KeyBindingPolicy, SdJwtVerifyOptions};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use upstream_vectors::{RSA_JWK, SD_JWT_FULL};

const T: u64 = 1_767_225_660;

static KEYS: LazyLock<(KeySet, KeySet)> = LazyLock::new(|| {
    let jwks = format!(r#"{{"keys":[{RSA_JWK}]}}"#);
    (
        KeySet::from_jwks_json_with_backend(&jwks, Backend::Native).unwrap(),
        KeySet::from_jwks_json_with_backend(&jwks, Backend::PureRust).unwrap(),
    )
});

#[derive(Arbitrary, Debug)]
enum Input {
    /// The upstream presentation with its `~`-separated parts reordered, dropped, duplicated or replaced.
    Spliced { picks: Vec<u8>, extra: Vec<String>, key_binding: bool },
    /// Any text.
    Raw(String),
}

fuzz_target!(|input: Input| {
    let presentation = match &input {
        Input::Raw(text) => text.clone(),
        Input::Spliced { picks, extra, .. } => {
            let parts: Vec<&str> = SD_JWT_FULL.split('~').collect();
            let mut out: Vec<String> = Vec::new();
            for (i, pick) in picks.iter().take(12).enumerate() {
                match pick % 4 {
                    0 | 1 => out.push(parts[*pick as usize % parts.len()].to_owned()),
                    2 => out.push(extra.get(i).cloned().unwrap_or_default()),
                    _ => {}
                }
            }
            if out.is_empty() {
                out.push(parts[0].to_owned());
            }
            out.join("~")
        }
    };
    let _ = sdjwt::parse_presentation(&presentation, 64 * 1024, 256);

    let mut options = SdJwtVerifyOptions::new(IssuerPolicy::Expect("did:web:grantex.dev".to_owned()), T);
    if let Input::Spliced { key_binding: true, .. } = input {
        options.key_binding = KeyBindingPolicy::Required { nonce: "n".to_owned(), audience: "a".to_owned() };
    }
    let (native, pure) = &*KEYS;
    let a = sdjwt::verify_presentation(native, &presentation, &options);
    let b = sdjwt::verify_presentation(pure, &presentation, &options);
    match (&a, &b) {
        (Ok(x), Ok(y)) => assert_eq!(x, y),
        (Err(x), Err(y)) => assert_eq!(x.code, y.code, "{x:?} vs {y:?}"),
        _ => panic!("backends disagree: {a:?} vs {b:?}"),
    }
    // Holder-side selection must never panic on what it is given either.
    let _ = sdjwt::present(&presentation, &[ClaimPath::parse("credentialSubject.scopes")]);
});
