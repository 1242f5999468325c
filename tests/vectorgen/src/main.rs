//! `grantex-vectorgen` — writes the grant-token test vectors, `tests/vectors/grant-tokens.json`.
//!
//! Usage: `cargo run -p grantex-vectorgen [-- --out DIR] [--keys DIR] [--upstream FILE]`
//! (defaults: `<workspace>/tests/vectors`, `<workspace>/tests/vectors/keys`,
//! `<workspace>/tests/vectors/upstream/grant-tokens.json`).
//!
//! The output is byte-for-byte deterministic: fixed keys (checked in), deterministic signatures (see
//! [`keys`]), structs and sorted maps for every JSON object, two-space pretty printing and a trailing
//! newline. `scripts/check-vectors` regenerates the file and fails on any difference.
//!
//! Expected answers are written here from PROTOCOL.md §4.1/§4.3, never computed by the core.

mod cases;
mod keys;
mod model;

use std::path::PathBuf;

fn main() {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..");
    let mut out = workspace.join("tests").join("vectors");
    let mut keys_dir = workspace.join("tests").join("vectors").join("keys");
    let mut upstream = workspace
        .join("tests")
        .join("vectors")
        .join("upstream")
        .join("grant-tokens.json");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .map(PathBuf::from)
                .unwrap_or_else(|| keys::fail(&format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--out" => out = value("--out"),
            "--keys" => keys_dir = value("--keys"),
            "--upstream" => upstream = value("--upstream"),
            "-h" | "--help" => {
                println!("usage: grantex-vectorgen [--out DIR] [--keys DIR] [--upstream FILE]");
                return;
            }
            other => keys::fail(&format!("unknown argument {other:?} (try --help)")),
        }
    }

    let file = cases::generate(&keys_dir, &upstream);
    let mut text =
        serde_json::to_string_pretty(&file).unwrap_or_else(|e| keys::fail(&e.to_string()));
    text.push('\n');
    std::fs::create_dir_all(&out)
        .unwrap_or_else(|e| keys::fail(&format!("{}: {e}", out.display())));
    let path = out.join("grant-tokens.json");
    std::fs::write(&path, text).unwrap_or_else(|e| keys::fail(&format!("{}: {e}", path.display())));
    println!("wrote {} cases to {}", file.cases.len(), path.display());
}
