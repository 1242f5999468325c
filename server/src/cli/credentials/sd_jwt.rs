//! `grantex sd-jwt present` (holder) and `grantex sd-jwt verify` (verifier), RFC 9901.

use crate::cli::parse_algorithm;
use crate::cli::{CliError, INPUT_UNAVAILABLE, Outcome, input, pretty_json, usage_error};
use grantex_core::ErrorCode;
use grantex_core::api::VerifiedSdJwtJson;
use grantex_core::crypto::{Algorithm, Backend};
use grantex_core::grant::IssuerPolicy;
use grantex_core::jwk::KeySet;
use grantex_core::sdjwt::{
    ClaimPath, KeyBindingPolicy, NativeSigner, SdJwtVerifyOptions, present,
    present_with_key_binding, verify_presentation,
};
use grantex_server::time::now_s;

const PRESENT_AFTER_HELP: &str = "\
Input: the SD-JWT as the issuer handed it over (<issuer-jwt>~<d1>~…~<dn>~), as an argument or on
standard input (`-` or absent). The issuer signature is not checked here; the verifier checks it.

Claim paths are dotted, from the payload root; for the Grantex vc+sd-jwt profile a path that is not a
root claim is resolved inside `vc`, so `credentialSubject.scopes` equals `vc.credentialSubject.scopes`.
A nested claim brings the disclosures of its parents; a disclosed object or array brings everything
inside it. Array elements are named by their index (`nationalities.0`).

Key binding: with --holder-key the presentation ends with a KB-JWT (typ kb+jwt) carrying `nonce`,
`aud`, `iat` and `sd_hash`, signed by the holder key whose public part is the credential's `cnf.jwk`.
The key file is a private JWK (EC P-256 → ES256, EC P-384 → ES384, OKP Ed25519 → EdDSA; the JWK's
`alg` wins when present) or an unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`; EC P-256,
P-384, Ed25519, or RSA ≥ 2048 bits signing RS256). --nonce and --aud are required with it.

Output: the presentation on one line (exit 0), or {\"error\":{\"code\",\"message\"}} (exit 1):
INVALID_INPUT for a path that names no disclosable claim, INVALID_KEY for an unusable holder key,
INPUT_UNAVAILABLE when the key file cannot be read.

Examples:
  grantex sd-jwt present --disclose credentialSubject.scopes \"$SD_JWT\"
  grantex sd-jwt present --disclose scopes --disclose principalId \\
      --holder-key holder.jwk.json --nonce \"$NONCE\" --aud https://verifier.example - < sd-jwt.txt";

const VERIFY_AFTER_HELP: &str = "\
Checks, in order: size and `~` structure, the issuer JWT signature against --issuer-jwks (RS256
unless --alg), `typ` (dc+sd-jwt or vc+sd-jwt), `_sd_alg`, every disclosure (decoded, referenced
exactly once, none repeated), `iss`, `exp` (required) / `nbf` / `iat`, then key binding. A KB-JWT
that is present is always verified (signature by `cnf.jwk`, `sd_hash`, age ≤ 300 s); with --nonce
and --aud one is required and its `nonce` and `aud` must match.

Output: {header, claims, disclosedClaims (vc+sd-jwt: the processed credentialSubject), hashAlg,
keyBound, keyBinding} as JSON (exit 0), or {\"error\":{\"code\",\"message\"}} on one line (exit 1),
e.g. INVALID_SIGNATURE, EXPIRED, INVALID_DISCLOSURE, KEY_BINDING_REQUIRED, INVALID_KEY_BINDING.

Examples:
  grantex sd-jwt verify --issuer-jwks https://api.grantex.dev/.well-known/jwks.json \\
      --issuer did:web:grantex.dev \"$PRESENTATION\"
  grantex sd-jwt verify --issuer-jwks jwks.json --issuer did:web:grantex.dev \\
      --nonce \"$NONCE\" --aud https://verifier.example --now 1767225660 - < presentation.txt";

/// `grantex sd-jwt` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Build a presentation disclosing only the chosen claims, optionally with a key-binding JWT.
    #[command(after_help = PRESENT_AFTER_HELP)]
    Present(PresentArgs),
    /// Verify a presentation against the issuer's JWKS and print the processed claims as JSON.
    #[command(after_help = VERIFY_AFTER_HELP)]
    Verify(VerifyArgs),
}

/// Arguments of `grantex sd-jwt present`.
#[derive(Debug, clap::Args)]
pub(crate) struct PresentArgs {
    /// Claim to disclose, as a dotted path (e.g. credentialSubject.scopes); repeat for several
    #[arg(long = "disclose", value_name = "PATH", required = true)]
    disclose: Vec<String>,

    /// Holder private key (private JWK or PKCS#8 PEM file): append a key-binding JWT
    #[arg(long, value_name = "FILE", requires_all = ["nonce", "aud"])]
    holder_key: Option<String>,

    /// Key-binding JWT `nonce`, the verifier's challenge (needs --holder-key)
    #[arg(long, value_name = "NONCE", requires = "holder_key")]
    nonce: Option<String>,

    /// Key-binding JWT `aud`, the verifier's identifier (needs --holder-key)
    #[arg(long, value_name = "AUDIENCE", requires = "holder_key")]
    aud: Option<String>,

    /// Key-binding JWT `iat` in Unix seconds (needs --holder-key) [default: the system clock]
    #[arg(long, value_name = "UNIX", requires = "holder_key")]
    iat: Option<u64>,

    /// The SD-JWT as issued; `-` or absent reads it from standard input
    #[arg(value_name = "SDJWT")]
    sd_jwt: Option<String>,
}

/// Arguments of `grantex sd-jwt verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The issuer's key set: a JWKS file, an http(s) URL, or `-` for standard input
    #[arg(long, value_name = "FILE|URL")]
    issuer_jwks: String,

    /// Expected issuer: the credential's `iss` must equal it exactly
    #[arg(long, value_name = "ISSUER", required_unless_present = "any_issuer")]
    issuer: Option<String>,

    /// Accept any issuer (explicit opt-out of the issuer check)
    #[arg(long, conflicts_with = "issuer")]
    any_issuer: bool,

    /// Require a key-binding JWT with this `nonce` (needs --aud)
    #[arg(long, value_name = "NONCE", requires = "aud")]
    nonce: Option<String>,

    /// Require a key-binding JWT with this `aud` (needs --nonce)
    #[arg(long, value_name = "AUDIENCE", requires = "nonce")]
    aud: Option<String>,

    /// Current time in Unix seconds [default: the system clock]
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,

    /// Allowed clock skew in seconds for `exp`, `nbf`, `iat` and the key-binding `iat`
    #[arg(
        long,
        visible_alias = "clock-tolerance",
        value_name = "SECONDS",
        default_value_t = 0
    )]
    leeway: u64,

    /// Accepted issuer-JWT signature algorithm; repeat for several [default: RS256]
    #[arg(long = "alg", value_name = "ALG", value_parser = parse_algorithm)]
    algorithms: Vec<Algorithm>,

    /// The presentation; `-` or absent reads it from standard input
    #[arg(value_name = "PRESENTATION")]
    presentation: Option<String>,
}

/// Runs a `grantex sd-jwt` subcommand.
pub(crate) fn run(command: Command) -> Outcome {
    match command {
        Command::Present(args) => run_present(args),
        Command::Verify(args) => run_verify(args),
    }
}

fn run_present(args: PresentArgs) -> Outcome {
    if input::stdin_is_interactive(args.sd_jwt.as_deref()) {
        return usage_error(
            &["sd-jwt", "present"],
            "no SD-JWT: pass SDJWT, or pipe it on standard input",
        );
    }
    let sd_jwt = match input::read_token(args.sd_jwt.as_deref()) {
        Ok(sd_jwt) => sd_jwt,
        Err(e) => return e.into(),
    };
    let paths: Vec<ClaimPath> = args.disclose.iter().map(|p| ClaimPath::parse(p)).collect();
    let result = match (&args.holder_key, &args.nonce, &args.aud) {
        (Some(key_file), Some(nonce), Some(aud)) => match load_holder_key(key_file) {
            Ok(signer) => present_with_key_binding(
                &sd_jwt,
                &paths,
                &signer,
                nonce,
                aud,
                args.iat.unwrap_or_else(now_s),
            ),
            Err(e) => return e.into(),
        },
        // clap enforces --nonce and --aud with --holder-key, and --holder-key with either.
        (None, None, None) => present(&sd_jwt, &paths),
        _ => {
            return usage_error(
                &["sd-jwt", "present"],
                "--holder-key, --nonce and --aud go together",
            );
        }
    };
    match result {
        Ok(presentation) => Outcome::Print(presentation),
        Err(e) => e.into(),
    }
}

/// PKCS#8 PEM key kinds in the order they are tried, with the algorithm each signs with.
const PEM_ALGORITHMS: [Algorithm; 4] = [
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
    Algorithm::RS256,
];

/// Loads the holder's private key from a private JWK file or a PKCS#8 PEM file.
fn load_holder_key(path: &str) -> Result<NativeSigner, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::new(
            INPUT_UNAVAILABLE,
            format!("cannot read the holder key {path:?}: {e}"),
        )
    })?;
    signer_from_text(&text)
}

fn signer_from_text(text: &str) -> Result<NativeSigner, CliError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with("-----BEGIN PRIVATE KEY-----") {
        for alg in PEM_ALGORITHMS {
            if let Ok(signer) = NativeSigner::from_pkcs8_pem(alg, text) {
                return Ok(signer);
            }
        }
        return Err(CliError::core(
            ErrorCode::InvalidKey,
            "the PKCS#8 PEM holder key is not an EC P-256/P-384, Ed25519 or RSA (≥ 2048 bits) private key",
        ));
    }
    if trimmed.starts_with("-----BEGIN") {
        return Err(CliError::core(
            ErrorCode::InvalidKey,
            "only unencrypted PKCS#8 PEM keys (-----BEGIN PRIVATE KEY-----) are read; convert with \
             `openssl pkcs8 -topk8 -nocrypt -in KEY`",
        ));
    }
    let jwk = grantex_core::json::parse_object_strict(trimmed.as_bytes()).map_err(|e| {
        CliError::core(
            ErrorCode::InvalidKey,
            format!("the holder key is neither a PKCS#8 PEM nor a JSON object (JWK): {e}"),
        )
    })?;
    Ok(NativeSigner::from_jwk(&jwk)?)
}

fn run_verify(args: VerifyArgs) -> Outcome {
    if args.issuer_jwks == "-" && matches!(args.presentation.as_deref(), None | Some("-")) {
        return usage_error(
            &["sd-jwt", "verify"],
            "--issuer-jwks - reads the JWKS from standard input: pass the presentation as an argument",
        );
    }
    if input::stdin_is_interactive(args.presentation.as_deref()) {
        return usage_error(
            &["sd-jwt", "verify"],
            "no presentation: pass PRESENTATION, or pipe it on standard input",
        );
    }
    let issuer = match (args.issuer, args.any_issuer) {
        (Some(issuer), false) => IssuerPolicy::Expect(issuer),
        (None, true) => IssuerPolicy::Any,
        // clap enforces exactly one of them.
        _ => {
            return usage_error(
                &["sd-jwt", "verify"],
                "pass --issuer ISSUER or --any-issuer",
            );
        }
    };
    let presentation = match input::read_token(args.presentation.as_deref()) {
        Ok(presentation) => presentation,
        Err(e) => return e.into(),
    };
    let mut options = SdJwtVerifyOptions::new(issuer, args.now.unwrap_or_else(now_s));
    options.leeway = args.leeway;
    if !args.algorithms.is_empty() {
        options.algorithms = args.algorithms;
    }
    if let (Some(nonce), Some(audience)) = (args.nonce, args.aud) {
        options.key_binding = KeyBindingPolicy::Required { nonce, audience };
    }
    match verify(&args.issuer_jwks, &presentation, &options) {
        Ok(verified) => pretty_json(&verified),
        Err(e) => e.into(),
    }
}

fn verify(
    jwks_source: &str,
    presentation: &str,
    options: &SdJwtVerifyOptions,
) -> Result<VerifiedSdJwtJson, CliError> {
    let document = input::read_key_document(Some(jwks_source))?;
    let keys = KeySet::from_jwks_json_with_backend(&document, Backend::DEFAULT)?;
    Ok(verify_presentation(&keys, presentation, options)?.into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn holder_key_formats() {
        let code = |text: &str| signer_from_text(text).unwrap_err().code;
        assert_eq!(
            code("-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----"),
            "INVALID_KEY"
        );
        assert_eq!(
            code("-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----"),
            "INVALID_KEY"
        );
        assert_eq!(code("[]"), "INVALID_KEY");
        assert_eq!(code(r#"{"kty":"oct","k":"AA"}"#), "INVALID_KEY");
    }
}
