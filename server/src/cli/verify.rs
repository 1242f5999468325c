//! `grantex verify`: offline grant-token verification (PROTOCOL.md §4.1) against a JWKS from a file or URL.

use super::{CliError, Outcome, input, parse_algorithm, pretty_json, usage_error};
use grantex_core::crypto::{Algorithm, Backend};
use grantex_core::grant::{
    AudiencePolicy, IssuerPolicy, VerifyOptions, resolve_issuer, verify_grant_token,
};
use grantex_core::jwk::KeySet;
use grantex_core::jws::DEFAULT_MAX_TOKEN_BYTES;

const AFTER_HELP: &str = "\
Key set and issuer (as the Grantex SDKs resolve them):
  --issuer I                 fetch I/.well-known/jwks.json; `iss` must equal I
  --jwks URL                 `iss` must equal URL without /.well-known/jwks.json
                             (https://api.grantex.dev/.well-known/jwks.json → https://grantex.dev)
  --jwks URL|FILE --issuer I use that key set; `iss` must equal I
  --jwks FILE                needs --issuer or --any-issuer (a file names no issuer)

Audience: with --audience the token's `aud` must contain one of the values; without it a token that
carries `aud` is rejected (RFC 7519) unless --any-audience is given.

Output: the verified grant as JSON on stdout (exit 0), or {\"error\":{\"code\",\"message\"}} on one
line on stdout (exit 1). Usage errors exit 2.

Examples:
  grantex verify --issuer https://grantex.dev --audience https://api.example.com \"$TOKEN\"
  grantex verify --jwks http://localhost:3001/.well-known/jwks.json --any-audience - < token.txt
  grantex verify --jwks jwks.json --issuer https://grantex.dev --require-scope calendar:read \\
      --now 1767225660 \"$TOKEN\"";

/// Arguments of `grantex verify`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub(crate) struct Args {
    /// Key set: a JWKS file, an http(s) URL, or `-` for standard input [default:
    /// <ISSUER>/.well-known/jwks.json]
    #[arg(long, value_name = "FILE|URL")]
    jwks: Option<String>,

    /// Expected issuer: the token's `iss` must equal it exactly
    #[arg(long, value_name = "ISSUER")]
    issuer: Option<String>,

    /// Accept any issuer (explicit opt-out of the issuer check; needs --jwks)
    #[arg(long, conflicts_with = "issuer", requires = "jwks")]
    any_issuer: bool,

    /// Expected audience; repeat to accept any of several
    #[arg(long = "audience", value_name = "AUDIENCE")]
    audiences: Vec<String>,

    /// Accept any audience, and tokens with none (the upstream SDKs' default)
    #[arg(long, conflicts_with = "audiences")]
    any_audience: bool,

    /// Scope the grant must include (exact match); repeat for several
    #[arg(long = "require-scope", value_name = "SCOPE")]
    required_scopes: Vec<String>,

    /// Accepted signature algorithm; repeat for several [default: RS256]
    #[arg(long = "alg", value_name = "ALG", value_parser = parse_algorithm)]
    algorithms: Vec<Algorithm>,

    /// Current time in Unix seconds [default: the system clock]
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,

    /// Allowed clock skew in seconds for `exp`, `nbf` and `iat`
    #[arg(
        long,
        visible_alias = "clock-tolerance",
        value_name = "SECONDS",
        default_value_t = 0
    )]
    leeway: u64,

    /// Reject delegated tokens whose `delegationDepth` exceeds N
    #[arg(long, value_name = "N")]
    max_delegation_depth: Option<u32>,

    /// Reject tokens longer than this many bytes
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_TOKEN_BYTES)]
    max_token_bytes: usize,

    /// The compact grant token; `-` or absent reads it from standard input
    #[arg(value_name = "TOKEN")]
    token: Option<String>,
}

/// Where the key set comes from and which issuer is expected, after §4.2 resolution.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    jwks_source: String,
    issuer: IssuerPolicy,
}

/// Resolves the key-set source and the issuer policy; `Err` is a usage-error message.
fn plan(jwks: Option<&str>, issuer: Option<&str>, any_issuer: bool) -> Result<Plan, String> {
    match (jwks, issuer) {
        (Some(source), Some(issuer)) => Ok(Plan {
            jwks_source: source.to_owned(),
            issuer: IssuerPolicy::Expect(issuer.to_owned()),
        }),
        (Some(source), None) if any_issuer => Ok(Plan {
            jwks_source: source.to_owned(),
            issuer: IssuerPolicy::Any,
        }),
        (Some(source), None) if input::is_url(source) => {
            let resolved = resolve_issuer(Some(source), None, None).map_err(|e| e.message)?;
            Ok(Plan {
                jwks_source: source.to_owned(),
                issuer: IssuerPolicy::Expect(resolved.issuer),
            })
        }
        (Some(_), None) => Err(
            "a JWKS file names no issuer: pass --issuer ISSUER (the `iss` tokens must carry), \
             or --any-issuer to accept any issuer"
                .to_owned(),
        ),
        (None, Some(issuer)) => {
            let resolved = resolve_issuer(None, Some(issuer), None).map_err(|e| e.message)?;
            if !input::is_url(&resolved.jwks_uri) {
                return Err(format!(
                    "cannot derive a JWKS URL from the issuer {issuer:?} (not an http(s) URL): pass --jwks FILE|URL"
                ));
            }
            Ok(Plan {
                jwks_source: resolved.jwks_uri,
                issuer: IssuerPolicy::Expect(issuer.to_owned()),
            })
        }
        (None, None) => Err(
            "no key set: pass --issuer ISSUER (the JWKS is fetched from \
             ISSUER/.well-known/jwks.json) or --jwks FILE|URL"
                .to_owned(),
        ),
    }
}

/// Runs `grantex verify`.
pub(crate) fn run(args: Args) -> Outcome {
    let plan = match plan(
        args.jwks.as_deref(),
        args.issuer.as_deref(),
        args.any_issuer,
    ) {
        Ok(plan) => plan,
        Err(message) => return usage_error(&["verify"], message),
    };
    if plan.jwks_source == "-" && matches!(args.token.as_deref(), None | Some("-")) {
        return usage_error(
            &["verify"],
            "--jwks - reads the JWKS from standard input: pass the token as an argument",
        );
    }
    if input::stdin_is_interactive(args.token.as_deref()) {
        return usage_error(
            &["verify"],
            "no token: pass TOKEN, or pipe it on standard input",
        );
    }
    let token = match input::read_token(args.token.as_deref()) {
        Ok(token) => token,
        Err(e) => return e.into(),
    };
    let options = VerifyOptions {
        issuer: plan.issuer,
        audience: if args.any_audience {
            AudiencePolicy::Any
        } else if args.audiences.is_empty() {
            AudiencePolicy::RejectIfPresent
        } else {
            AudiencePolicy::Expect(args.audiences)
        },
        required_scopes: args.required_scopes,
        leeway: args.leeway,
        now: args.now.unwrap_or_else(grantex_server::time::now_s),
        max_delegation_depth: args.max_delegation_depth,
        algorithms: if args.algorithms.is_empty() {
            vec![Algorithm::RS256]
        } else {
            args.algorithms
        },
        max_token_bytes: args.max_token_bytes,
    };
    match verify(&plan.jwks_source, &token, &options) {
        Ok(grant) => pretty_json(&grant),
        Err(e) => e.into(),
    }
}

fn verify(
    jwks_source: &str,
    token: &str,
    options: &VerifyOptions,
) -> Result<grantex_core::grant::VerifiedGrant, CliError> {
    let document = input::read_key_document(Some(jwks_source))?;
    let keys = KeySet::from_jwks_json_with_backend(&document, Backend::DEFAULT)?;
    Ok(verify_grant_token(&keys, token, options)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn issuer_and_key_set_resolution() {
        let p = plan(
            Some("http://127.0.0.1:9/.well-known/jwks.json"),
            None,
            false,
        )
        .unwrap();
        assert_eq!(p.issuer, IssuerPolicy::Expect("http://127.0.0.1:9".into()));
        let p = plan(
            Some("https://api.grantex.dev/.well-known/jwks.json"),
            None,
            false,
        )
        .unwrap();
        assert_eq!(p.issuer, IssuerPolicy::Expect("https://grantex.dev".into()));
        let p = plan(None, Some("https://grantex.dev/"), false).unwrap();
        assert_eq!(p.jwks_source, "https://grantex.dev/.well-known/jwks.json");
        assert_eq!(
            p.issuer,
            IssuerPolicy::Expect("https://grantex.dev/".into())
        );
        assert_eq!(
            plan(Some("jwks.json"), None, true).unwrap().issuer,
            IssuerPolicy::Any
        );
        assert!(plan(Some("jwks.json"), None, false).is_err());
        assert!(plan(None, Some("grantex.dev"), false).is_err());
        assert!(plan(None, None, false).is_err());
    }
}
