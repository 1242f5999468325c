//! Compact JWS parsing on arbitrary UTF-8: `split`, `decode_header`, `decode_unverified` must never panic,
//! and their answers must agree with each other.
#![no_main]

use grantex_core::crypto::Algorithm;
use grantex_core::jws::{self, DEFAULT_MAX_TOKEN_BYTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };

    let split = jws::split(token, DEFAULT_MAX_TOKEN_BYTES);
    let unverified = jws::decode_unverified(token, DEFAULT_MAX_TOKEN_BYTES);
    // A small limit must fail with TokenTooLarge, never panic.
    let _ = jws::split(token, token.len() / 2);

    let Ok(parts) = split else {
        assert!(
            unverified.is_err(),
            "decode_unverified accepted what split rejected"
        );
        return;
    };
    // The segments are exactly the token.
    assert_eq!(
        format!("{}.{}.{}", parts.header, parts.payload, parts.signature),
        token
    );
    assert_eq!(
        format!("{}.{}", parts.header, parts.payload),
        parts.signing_input
    );
    assert!(
        !parts.header.contains('.')
            && !parts.payload.contains('.')
            && !parts.signature.contains('.')
    );

    for allowed in [&Algorithm::ALL[..], &[Algorithm::RS256][..], &[][..]] {
        if let Ok(header) = jws::decode_header(parts.header, allowed) {
            assert!(
                allowed.contains(&header.alg),
                "decode_header returned an algorithm outside the allow-list"
            );
            // A header that decodes as a policy-checked header is a strict JSON object too, so the unverified
            // decoder can only fail on the payload.
            if let Err(e) = &unverified {
                assert!(
                    !e.message.starts_with("JWS header"),
                    "header accepted by decode_header: {e:?}"
                );
            }
        }
    }
    if let Ok(u) = unverified {
        // decode_header rejects exactly what its policy rejects; it must agree on "alg" being present.
        if let Ok(h) = jws::decode_header(parts.header, &Algorithm::ALL) {
            assert_eq!(
                u.header.get("alg").and_then(|v| v.as_str()),
                Some(h.alg.name())
            );
            assert_eq!(
                u.header.get("kid").and_then(|v| v.as_str()),
                h.kid.as_deref()
            );
            assert_eq!(
                u.header.get("typ").and_then(|v| v.as_str()),
                h.typ.as_deref()
            );
        }
    }
});
