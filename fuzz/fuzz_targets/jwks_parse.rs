//! JWKS parsing with both backends on arbitrary UTF-8: never panics, both backends agree on whether the
//! document is a JWKS, and on the summary (kid, thumbprint, alg, unusable reason) of every key.
#![no_main]

use grantex_core::crypto::{Algorithm, Backend};
use grantex_core::jwk::{self, KeySet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };

    let native = KeySet::from_jwks_json_with_backend(json, Backend::Native);
    let pure = KeySet::from_jwks_json_with_backend(json, Backend::PureRust);
    match (&native, &pure) {
        (Ok(n), Ok(p)) => {
            assert_eq!(
                n.keys(),
                p.keys(),
                "backends disagree on the keys of {json:?}"
            );
            // Key selection must not depend on the backend either.
            for alg in Algorithm::ALL {
                for info in n.keys() {
                    let kid = info.kid.as_deref();
                    let a = n.select(alg, kid).map(|_| ()).map_err(|e| e.code);
                    let b = p.select(alg, kid).map(|_| ()).map_err(|e| e.code);
                    assert_eq!(a, b, "select({alg}, {kid:?}) differs between backends");
                }
                let a = n.select(alg, None).map(|_| ()).map_err(|e| e.code);
                let b = p.select(alg, None).map(|_| ()).map_err(|e| e.code);
                assert_eq!(a, b, "select({alg}, None) differs between backends");
            }
        }
        (Err(a), Err(b)) => assert_eq!(a.code, b.code),
        _ => panic!(
            "one backend accepted the JWKS: native {:?}, pure {:?}",
            native.map(|k| k.keys()),
            pure.map(|k| k.keys())
        ),
    }

    // A single JWK: thumbprint and from_json must not panic and must agree.
    match (jwk::thumbprint(json), jwk::Jwk::from_json(json)) {
        (Ok(tp), Ok(key)) => {
            assert_eq!(tp, key.thumbprint);
            let a = key
                .verifying_key(Backend::Native)
                .map(|_| ())
                .map_err(|e| e.code);
            let b = key
                .verifying_key(Backend::PureRust)
                .map(|_| ())
                .map_err(|e| e.code);
            assert_eq!(a, b, "backends disagree on a single JWK: {json:?}");
        }
        (Err(a), Err(b)) => assert_eq!(a.code, b.code),
        (a, b) => panic!("thumbprint {a:?} vs from_json {b:?}"),
    }
});
