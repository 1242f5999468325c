//! Grant-token verification throughput on one thread, for `scripts/bench-core`.
//!
//! At start-up it generates an RSA-2048, a P-256 and an Ed25519 key with aws-lc-rs, publishes them as a JWKS,
//! builds a [`KeySet`] per available backend (once, outside the timing) and signs one grant token per
//! algorithm with the upstream payload layout (PROTOCOL.md §3.3: `agt, dev, scp, grnt, iss, sub, jti, iat,
//! exp, aud`). Then, for each algorithm, after a warm-up, it times in a tight loop:
//!
//! * `ours`: the full [`verify_grant_token`] (signature, claims, issuer, time, audience, one required scope),
//!   for every backend compiled in (`--features pure-rust` adds the RustCrypto one);
//! * `bare`: aws-lc-rs `ParsedPublicKey::verify_sig` alone on the same signing input and decoded signature —
//!   the ceiling no verifier on this machine can beat;
//! * `stage`: the public building blocks of the same path (split, header, key selection, signature, payload
//!   base64), so the cost of claim parsing and checking can be derived.
//!
//! `ours` and `bare` rates are per second of this thread's CPU time (`/proc/thread-self/stat`), like
//! `openssl speed`, which reports operations per second of user CPU time; that keeps both comparable on a busy
//! machine. Wall-clock rates are printed too. `overhead` and `stage` times are the minimum over 40 interleaved
//! rounds of 10 ms (wall clock), which filters out preemption and is precise enough to subtract. Output lines
//! (machine-readable, space-separated):
//!
//! ```text
//! info <key> <value…>
//! ours <ALG> <native|pure-rust> <verifies_per_cpu_sec> <verifies_per_wall_sec>
//! bare <ALG> <verifies_per_cpu_sec> <verifies_per_wall_sec>
//! overhead <ALG> <microseconds per token: full verify_grant_token − bare verify_sig (native)>
//! stage <ALG> <name> <nanoseconds per call>
//! ```
//!
//! Environment: `BENCH_SECONDS` (default 3) per measurement, `BENCH_WARMUP` (default 0.5) seconds.
//! `BENCH_PROFILE=<ALG>` only loops the native `verify_grant_token` for that algorithm for `BENCH_SECONDS`
//! and prints one `ours` line — for a profiler (`perf record -g`, `valgrind --tool=callgrind`).

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    bench::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use std::error::Error;
    use std::hint::black_box;
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::rsa::KeySize;
    use aws_lc_rs::signature::{
        self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, ParsedPublicKey, RsaKeyPair,
        RsaPublicKeyComponents,
    };
    use grantex_core::b64;
    use grantex_core::crypto::{Algorithm, Backend};
    use grantex_core::grant::{AudiencePolicy, IssuerPolicy, VerifyOptions, verify_grant_token};
    use grantex_core::jwk::KeySet;
    use grantex_core::jws::{self, DEFAULT_MAX_TOKEN_BYTES};

    type Res<T> = Result<T, Box<dyn Error>>;

    const ISSUER: &str = "https://grantex.dev";
    const AUDIENCE: &str = "https://api.targetservice.com";

    /// One algorithm under test: its token, the bare verifier and the pieces for it.
    struct Case {
        alg: Algorithm,
        token: String,
        bare_key: ParsedPublicKey,
        signature: Vec<u8>,
    }

    fn err(msg: impl Into<String>) -> Box<dyn Error> {
        msg.into().into()
    }

    /// Reads one DER TLV, returning (tag, content, rest).
    fn der_tlv(input: &[u8]) -> Res<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first().ok_or_else(|| err("DER: empty"))?;
        let (&first, rest) = rest.split_first().ok_or_else(|| err("DER: no length"))?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            let (bytes, rest) = rest
                .split_at_checked(n)
                .ok_or_else(|| err("DER: short length"))?;
            (
                bytes
                    .iter()
                    .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
                rest,
            )
        };
        let (content, rest) = rest
            .split_at_checked(len)
            .ok_or_else(|| err("DER: short content"))?;
        Ok((tag, content, rest))
    }

    /// `n` and `e` of a DER `RSAPublicKey` (what aws-lc-rs exposes without its `ring-io` feature).
    fn rsa_components(der: &[u8]) -> Res<(Vec<u8>, Vec<u8>)> {
        let (_, seq, _) = der_tlv(der)?;
        let (_, n, rest) = der_tlv(seq)?;
        let (_, e, _) = der_tlv(rest)?;
        let strip = |v: &[u8]| {
            v.iter()
                .skip_while(|b| **b == 0)
                .copied()
                .collect::<Vec<u8>>()
        };
        Ok((strip(n), strip(e)))
    }

    fn payload(now: u64) -> String {
        // Upstream builder order (PROTOCOL.md §3.3), ULID-shaped ids as the server issues them.
        format!(
            concat!(
                r#"{{"agt":"did:grantex:ag_01JQ8Z3M7N4V5W6X7Y8Z9ABCDE","dev":"dev_01JQ8Z3K2M3N4P5Q6R7S8T9VWX","#,
                r#""scp":["calendar:read","payments:initiate:max_500","email:send"],"#,
                r#""grnt":"grnt_01JQ8Z3M7P8Q9R0S1T2V3W4X5Y","iss":"{iss}","sub":"user_8f3a2c1d9e7b4a6f","#,
                r#""jti":"tok_01JQ8Z3M7Q1R2S3T4V5W6X7Y8Z","iat":{iat},"exp":{exp},"aud":"{aud}"}}"#
            ),
            iss = ISSUER,
            aud = AUDIENCE,
            iat = now - 60,
            exp = now + 86_400,
        )
    }

    /// What a resource server checks: signature, issuer, time, audience and one required scope.
    fn options(alg: Algorithm, now: u64) -> VerifyOptions {
        VerifyOptions {
            audience: AudiencePolicy::Expect(vec![AUDIENCE.to_owned()]),
            required_scopes: vec!["payments:initiate:max_500".to_owned()],
            algorithms: vec![alg],
            ..VerifyOptions::new(IssuerPolicy::Expect(ISSUER.to_owned()), now)
        }
    }

    fn signing_input(alg: Algorithm, kid: &str, payload: &str) -> String {
        let header = format!(r#"{{"alg":"{}","kid":"{kid}"}}"#, alg.name());
        format!(
            "{}.{}",
            b64::encode(header.as_bytes()),
            b64::encode(payload.as_bytes())
        )
    }

    fn setup(now: u64) -> Res<(String, Vec<Case>, String)> {
        let rng = SystemRandom::new();
        let payload = payload(now);
        let mut jwks = Vec::new();
        let mut cases = Vec::new();

        let rsa = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| err("RSA keygen"))?;
        let (n, e) = rsa_components(rsa.public_key().as_ref())?;
        jwks.push(format!(
            r#"{{"kty":"RSA","kid":"bench-rs256","alg":"RS256","use":"sig","n":"{}","e":"{}"}}"#,
            b64::encode(&n),
            b64::encode(&e)
        ));
        let input = signing_input(Algorithm::RS256, "bench-rs256", &payload);
        let mut sig = vec![0u8; rsa.public_modulus_len()];
        rsa.sign(
            &signature::RSA_PKCS1_SHA256,
            &rng,
            input.as_bytes(),
            &mut sig,
        )
        .map_err(|_| err("RSA sign"))?;
        let bare_key = RsaPublicKeyComponents {
            n: n.as_slice(),
            e: e.as_slice(),
        }
        .to_parsed_public_key(&signature::RSA_PKCS1_2048_8192_SHA256)
        .map_err(|_| err("RSA parse"))?;
        let sd_jwt = sd_jwt_presentation(&rsa, &rng, now)?;
        cases.push(Case {
            alg: Algorithm::RS256,
            token: format!("{input}.{}", b64::encode(&sig)),
            bare_key,
            signature: sig,
        });

        let ec = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| err("EC keygen"))?;
        let point = ec.public_key().as_ref().to_vec();
        let (x, y) = point
            .get(1..33)
            .zip(point.get(33..65))
            .ok_or_else(|| err("EC point"))?;
        jwks.push(format!(
            r#"{{"kty":"EC","crv":"P-256","kid":"bench-es256","alg":"ES256","use":"sig","x":"{}","y":"{}"}}"#,
            b64::encode(x),
            b64::encode(y)
        ));
        let input = signing_input(Algorithm::ES256, "bench-es256", &payload);
        let sig = ec
            .sign(&rng, input.as_bytes())
            .map_err(|_| err("EC sign"))?
            .as_ref()
            .to_vec();
        let bare_key = ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &point)
            .map_err(|_| err("EC parse"))?;
        cases.push(Case {
            alg: Algorithm::ES256,
            token: format!("{input}.{}", b64::encode(&sig)),
            bare_key,
            signature: sig,
        });

        let ed = Ed25519KeyPair::generate().map_err(|_| err("Ed25519 keygen"))?;
        let x = ed.public_key().as_ref().to_vec();
        jwks.push(format!(
            r#"{{"kty":"OKP","crv":"Ed25519","kid":"bench-eddsa","alg":"EdDSA","use":"sig","x":"{}"}}"#,
            b64::encode(&x)
        ));
        let input = signing_input(Algorithm::EdDSA, "bench-eddsa", &payload);
        let sig = ed.sign(input.as_bytes()).as_ref().to_vec();
        let bare_key =
            ParsedPublicKey::new(&signature::ED25519, &x).map_err(|_| err("Ed25519 parse"))?;
        cases.push(Case {
            alg: Algorithm::EdDSA,
            token: format!("{input}.{}", b64::encode(&sig)),
            bare_key,
            signature: sig,
        });

        Ok((format!(r#"{{"keys":[{}]}}"#, jwks.join(",")), cases, sd_jwt))
    }

    /// An SD-JWT VC signed with the RS256 bench key: seven selectively disclosable claims, two of them
    /// disclosed in the presentation, no key binding (issue 3's benchmark case).
    fn sd_jwt_presentation(rsa: &RsaKeyPair, rng: &SystemRandom, now: u64) -> Res<String> {
        use aws_lc_rs::rand::SecureRandom;
        use grantex_core::sdjwt::{self, ClaimPath, IssueOptions};
        let claims = serde_json::json!({
            "iss": ISSUER, "iat": now - 60, "exp": now + 86_400,
            "vct": "https://grantex.dev/credentials/agent-grant",
            "sub": "did:grantex:ag_01JQ8Z3M7N4V5W6X7Y8Z9ABCDE",
            "principalId": "user_8f3a2c1d9e7b4a6f", "developerId": "dev_01JQ8Z3K2M3N4P5Q6R7S8T9VWX",
            "grantId": "grnt_01JQ8Z3M7P8Q9R0S1T2V3W4X5Y",
            "scopes": ["calendar:read", "payments:initiate:max_500", "email:send"],
            "delegationDepth": 0, "agentName": "Travel planner", "budget": 250.5
        });
        let disclosable: Vec<ClaimPath> = [
            "principalId",
            "developerId",
            "grantId",
            "scopes",
            "delegationDepth",
            "agentName",
            "budget",
        ]
        .into_iter()
        .map(ClaimPath::parse)
        .collect();
        let mut fill = |buf: &mut [u8]| {
            let _ = rng.fill(buf);
        };
        let issued = sdjwt::issue(claims, &disclosable, &IssueOptions::default(), &mut fill)?;
        let header = r#"{"alg":"RS256","kid":"bench-rs256","typ":"dc+sd-jwt"}"#;
        let input = format!(
            "{}.{}",
            b64::encode(header.as_bytes()),
            b64::encode(issued.payload.to_string().as_bytes())
        );
        let mut sig = vec![0u8; rsa.public_modulus_len()];
        rsa.sign(
            &signature::RSA_PKCS1_SHA256,
            rng,
            input.as_bytes(),
            &mut sig,
        )
        .map_err(|_| err("RSA sign"))?;
        let full = sdjwt::serialize(
            &format!("{input}.{}", b64::encode(&sig)),
            &issued.disclosures,
        );
        Ok(sdjwt::present(
            &full,
            &[ClaimPath::parse("scopes"), ClaimPath::parse("grantId")],
        )?)
    }

    /// This thread's user + system CPU time, from `/proc/thread-self/stat` (clock ticks, assumed 100 Hz,
    /// which is USER_HZ on every Linux architecture the bench runs on).
    fn thread_cpu() -> Option<Duration> {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15 overall.
        let rest = stat.rsplit_once(')')?.1;
        let mut fields = rest.split_whitespace().skip(11);
        let utime: u64 = fields.next()?.parse().ok()?;
        let stime: u64 = fields.next()?.parse().ok()?;
        Some(Duration::from_millis((utime + stime) * 10))
    }

    struct Rate {
        per_cpu_sec: f64,
        per_wall_sec: f64,
    }

    /// Runs `f` for a warm-up, then for `seconds` of wall time in batches; rates per CPU and wall second.
    fn measure(seconds: f64, warmup: f64, mut f: impl FnMut()) -> Rate {
        let batch = {
            // Size batches to ~1 ms so the clock is read rarely.
            let t = Instant::now();
            let mut n = 0u64;
            while t.elapsed() < Duration::from_secs_f64(warmup.max(0.01)) {
                f();
                n += 1;
            }
            (n as f64 / warmup.max(0.01) / 1000.0).ceil().max(1.0) as u64
        };
        let cpu0 = thread_cpu();
        let t0 = Instant::now();
        let limit = Duration::from_secs_f64(seconds);
        let mut count = 0u64;
        loop {
            for _ in 0..batch {
                f();
            }
            count += batch;
            if t0.elapsed() >= limit {
                break;
            }
        }
        let wall = t0.elapsed().as_secs_f64();
        let cpu = match (cpu0, thread_cpu()) {
            (Some(a), Some(b)) if b > a => (b - a).as_secs_f64(),
            _ => wall,
        };
        Rate {
            per_cpu_sec: count as f64 / cpu,
            per_wall_sec: count as f64 / wall,
        }
    }

    /// Nanoseconds per call of each closure: the minimum over `STAGE_ROUNDS` wall-clock rounds of
    /// ~`STAGE_ROUND` each, the closures interleaved round by round so that all of them see the same machine
    /// conditions. The minimum is what the code costs when nothing else disturbs the core.
    fn min_ns<const N: usize>(mut fs: [&mut dyn FnMut(); N]) -> [f64; N] {
        const STAGE_ROUNDS: usize = 40;
        const STAGE_ROUND: Duration = Duration::from_millis(10);
        let per_round = fs.each_mut().map(|f| {
            let t = Instant::now();
            let mut n = 0u64;
            while t.elapsed() < Duration::from_millis(30) {
                f();
                n += 1;
            }
            ((n as f64) * STAGE_ROUND.as_secs_f64() / t.elapsed().as_secs_f64())
                .ceil()
                .max(1.0) as u64
        });
        let mut best = [f64::INFINITY; N];
        for _ in 0..STAGE_ROUNDS {
            for ((f, n), best) in fs.iter_mut().zip(per_round).zip(best.iter_mut()) {
                let t = Instant::now();
                for _ in 0..n {
                    f();
                }
                *best = best.min(t.elapsed().as_secs_f64() * 1e9 / n as f64);
            }
        }
        best
    }

    fn env_f64(name: &str, default: f64) -> f64 {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    fn backend_label(b: Backend) -> &'static str {
        if b == Backend::Native {
            "native"
        } else {
            "pure-rust"
        }
    }

    pub fn main() -> Res<()> {
        let seconds = env_f64("BENCH_SECONDS", 3.0);
        let warmup = env_f64("BENCH_WARMUP", 0.5);
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        let (jwks, cases, sd_jwt) = setup(now)?;

        let backends = Backend::available();
        let key_sets = backends
            .iter()
            .map(|b| KeySet::from_jwks_json_with_backend(&jwks, *b).map(|k| (*b, k)))
            .collect::<Result<Vec<_>, _>>()?;

        if std::env::var("BENCH_PROFILE").is_ok_and(|p| p == "SDJWT") {
            let keys = key_sets
                .iter()
                .find(|(b, _)| *b == Backend::Native)
                .map(|(_, k)| k)
                .ok_or_else(|| err("no native backend"))?;
            let options = grantex_core::sdjwt::SdJwtVerifyOptions::new(
                IssuerPolicy::Expect(ISSUER.to_owned()),
                now,
            );
            let rate = measure(seconds, 0.0, || {
                let _ = black_box(grantex_core::sdjwt::verify_presentation(
                    black_box(keys),
                    black_box(&sd_jwt),
                    black_box(&options),
                ));
            });
            println!(
                "ours SDJWT-RS256 native {:.0} {:.0}",
                rate.per_cpu_sec, rate.per_wall_sec
            );
            return Ok(());
        }
        if let Ok(only) = std::env::var("BENCH_PROFILE") {
            let case = cases
                .iter()
                .find(|c| c.alg.name() == only)
                .ok_or_else(|| err("BENCH_PROFILE: unknown alg"))?;
            let keys = key_sets
                .iter()
                .find(|(b, _)| *b == Backend::Native)
                .map(|(_, k)| k)
                .ok_or_else(|| err("no native backend"))?;
            let options = options(case.alg, now);
            verify_grant_token(keys, &case.token, &options)?;
            let rate = measure(seconds, 0.0, || {
                let _ = black_box(verify_grant_token(
                    black_box(keys),
                    black_box(&case.token),
                    black_box(&options),
                ));
            });
            println!(
                "ours {} native {:.0} {:.0}",
                case.alg, rate.per_cpu_sec, rate.per_wall_sec
            );
            return Ok(());
        }
        println!(
            "info backends {}",
            backends
                .iter()
                .map(|b| backend_label(*b))
                .collect::<Vec<_>>()
                .join(",")
        );
        println!("info seconds {seconds} warmup {warmup} clock thread-cpu");
        for case in &cases {
            let alg = case.alg;
            let options = options(alg, now);
            let parts = jws::split(&case.token, DEFAULT_MAX_TOKEN_BYTES)?;
            println!(
                "info {alg} token-bytes {} payload-bytes {} header-bytes {}",
                case.token.len(),
                b64::decode(parts.payload.as_bytes()).map_or(0, |p| p.len()),
                b64::decode(parts.header.as_bytes()).map_or(0, |p| p.len()),
            );

            // Every backend must accept the token before it is timed.
            for (backend, keys) in &key_sets {
                let grant = verify_grant_token(keys, &case.token, &options)
                    .map_err(|e| err(format!("{alg} on {}: {e:?}", backend_label(*backend))))?;
                if grant.scopes.len() != 3 {
                    return Err(err("unexpected grant"));
                }
            }
            let signing_input = parts.signing_input.as_bytes();
            case.bare_key
                .verify_sig(signing_input, &case.signature)
                .map_err(|_| err("bare verify"))?;

            let bare = measure(seconds, warmup, || {
                let ok = black_box(&case.bare_key)
                    .verify_sig(black_box(signing_input), black_box(&case.signature));
                let _ = black_box(ok);
            });
            for (backend, keys) in &key_sets {
                let rate = measure(seconds, warmup, || {
                    let r = verify_grant_token(
                        black_box(keys),
                        black_box(&case.token),
                        black_box(&options),
                    );
                    let _ = black_box(r);
                });
                println!(
                    "ours {alg} {} {:.0} {:.0}",
                    backend_label(*backend),
                    rate.per_cpu_sec,
                    rate.per_wall_sec
                );
            }
            println!(
                "bare {alg} {:.0} {:.0}",
                bare.per_cpu_sec, bare.per_wall_sec
            );

            // Stages of the native path (public API only), each the minimum over short wall-clock rounds so that
            // preemption by other processes drops out; "claims" is the full call minus the other stages.
            let Some((_, keys)) = key_sets.iter().find(|(b, _)| *b == Backend::Native) else {
                continue;
            };
            let token = case.token.as_str();
            let algs = [alg];
            let header = jws::decode_header(parts.header, &algs)?;
            let key = keys.select(header.alg, header.kid.as_deref())?;
            let payload = jws::decode_payload(parts.payload)?;
            let mut bare_f = || {
                let _ = black_box(
                    black_box(&case.bare_key)
                        .verify_sig(black_box(signing_input), black_box(&case.signature)),
                );
            };
            let mut full_f = || {
                let _ = black_box(verify_grant_token(
                    black_box(keys),
                    black_box(token),
                    black_box(&options),
                ));
            };
            let mut split_f = || {
                let _ = black_box(jws::split(black_box(token), DEFAULT_MAX_TOKEN_BYTES));
            };
            let mut header_f = || {
                let _ = black_box(jws::decode_header(
                    black_box(parts.header),
                    black_box(&algs),
                ));
            };
            let mut select_f = || {
                let _ = black_box(keys.select(black_box(alg), black_box(header.kid.as_deref())));
            };
            let mut sig_b64_f = || {
                let mut out = [0u8; 1024];
                let _ = black_box(b64::decode_slice(
                    black_box(parts.signature.as_bytes()),
                    &mut out,
                ));
                black_box(&out);
            };
            let mut signature_f = || {
                let _ = black_box(jws::verify_signature(
                    black_box(key),
                    alg,
                    black_box(&parts),
                ));
            };
            let mut payload_b64_f = || {
                let _ = black_box(jws::decode_payload(black_box(parts.payload)));
            };
            let mut json_value_f = || {
                let _ = black_box(serde_json::from_slice::<serde_json::Value>(black_box(
                    &payload,
                )));
            };
            let grant = verify_grant_token(keys, token, &options)?;
            let mut json_skip_f = || {
                let _ = black_box(serde_json::from_slice::<serde::de::IgnoredAny>(black_box(
                    &payload,
                )));
            };
            let mut header_b64_f = || {
                let _ = black_box(b64::decode(black_box(parts.header.as_bytes())));
            };
            let mut grant_alloc_f = || {
                drop(black_box(black_box(&grant).clone()));
            };
            let [
                bare_ns,
                full,
                split,
                header_ns,
                select,
                sig_b64,
                signature,
                payload_b64,
                json_value,
                json_skip,
                header_b64,
                grant_alloc,
            ] = min_ns([
                &mut bare_f,
                &mut full_f,
                &mut split_f,
                &mut header_f,
                &mut select_f,
                &mut sig_b64_f,
                &mut signature_f,
                &mut payload_b64_f,
                &mut json_value_f,
                &mut json_skip_f,
                &mut header_b64_f,
                &mut grant_alloc_f,
            ]);
            println!("overhead {alg} {:.3}", (full - bare_ns) / 1000.0);
            println!("stage {alg} bare-verify_sig {bare_ns:.0}");
            println!("stage {alg} full {full:.0}");
            println!("stage {alg} split {split:.0}");
            println!("stage {alg} header(b64+json) {header_ns:.0}");
            println!("stage {alg} select {select:.0}");
            println!("stage {alg} signature-b64 {sig_b64:.0}");
            println!("stage {alg} signature(b64+crypto) {signature:.0}");
            println!("stage {alg} payload-b64 {payload_b64:.0}");
            println!(
                "stage {alg} claims(derived) {:.0}",
                full - split - header_ns - select - signature - payload_b64
            );
            println!("stage {alg} payload-as-serde_json::Value(info) {json_value:.0}");
            println!("stage {alg} payload-json-skip-only(info) {json_skip:.0}");
            println!("stage {alg} header-b64-only(info) {header_b64:.0}");
            println!("stage {alg} VerifiedGrant-clone+drop(info) {grant_alloc:.0}");
        }

        // SD-JWT: an RS256 issuer JWT with 2 of 7 claims disclosed, no key binding.
        let sd_options = grantex_core::sdjwt::SdJwtVerifyOptions::new(
            IssuerPolicy::Expect(ISSUER.to_owned()),
            now,
        );
        println!("info SDJWT-RS256 presentation-bytes {}", sd_jwt.len());
        for (backend, keys) in &key_sets {
            let verified = grantex_core::sdjwt::verify_presentation(keys, &sd_jwt, &sd_options)
                .map_err(|e| err(format!("SD-JWT on {}: {e:?}", backend_label(*backend))))?;
            if verified.claims.get("scopes").is_none()
                || verified.claims.get("principalId").is_some()
            {
                return Err(err("unexpected SD-JWT claims"));
            }
            let rate = measure(seconds, warmup, || {
                let r = grantex_core::sdjwt::verify_presentation(
                    black_box(keys),
                    black_box(&sd_jwt),
                    black_box(&sd_options),
                );
                let _ = black_box(r);
            });
            println!(
                "ours SDJWT-RS256 {} {:.0} {:.0}",
                backend_label(*backend),
                rate.per_cpu_sec,
                rate.per_wall_sec
            );
        }
        // Where the SD-JWT time goes beyond the signature (native backend, public API only).
        if let Some((_, keys)) = key_sets.iter().find(|(b, _)| *b == Backend::Native) {
            use grantex_core::sdjwt::{
                Disclosure, HashAlg, parse_presentation, verify_presentation,
            };
            let parts = parse_presentation(&sd_jwt, 64 * 1024, 256)?;
            let jwt = jws::split(parts.issuer_jwt, DEFAULT_MAX_TOKEN_BYTES)?;
            let header = jws::decode_header(jwt.header, &[Algorithm::RS256])?;
            let key = keys.select(header.alg, header.kid.as_deref())?;
            let payload = jws::decode_payload(jwt.payload)?;
            let disclosures: Vec<&str> = parts.disclosures().collect();
            let mut full = || {
                let _ = black_box(verify_presentation(
                    black_box(keys),
                    black_box(&sd_jwt),
                    &sd_options,
                ));
            };
            let mut signature = || {
                let _ = black_box(jws::verify_signature(
                    black_box(key),
                    header.alg,
                    black_box(&jwt),
                ));
            };
            let mut payload_b64 = || {
                let _ = black_box(jws::decode_payload(black_box(jwt.payload)));
            };
            let mut payload_json = || {
                let _ = black_box(grantex_core::json::parse_object_strict(black_box(&payload)));
            };
            let mut disclosure_parse = || {
                for d in &disclosures {
                    let _ = black_box(Disclosure::parse(black_box(d), HashAlg::Sha256));
                }
            };
            let [full, signature, payload_b64, payload_json, disclosure_parse] = min_ns([
                &mut full,
                &mut signature,
                &mut payload_b64,
                &mut payload_json,
                &mut disclosure_parse,
            ]);
            println!("stage SDJWT-RS256 full {full:.0}");
            println!("stage SDJWT-RS256 issuer-signature {signature:.0}");
            println!(
                "stage SDJWT-RS256 payload-b64 {payload_b64:.0} payload-bytes {}",
                payload.len()
            );
            println!("stage SDJWT-RS256 payload-json(strict) {payload_json:.0}");
            println!("stage SDJWT-RS256 disclosures-parse {disclosure_parse:.0}");
            println!(
                "stage SDJWT-RS256 rest(process+checks) {:.0}",
                full - signature - payload_b64 - payload_json - disclosure_parse
            );
        }
        Ok(())
    }
}
