//! Generates the C header from `src/lib.rs` with cbindgen into `$OUT_DIR/grantex.h`.
//!
//! The committed copy lives in `include/grantex.h`; `tests/header.rs` compares the two and fails when the
//! committed header is stale (run it with `GRANTEX_UPDATE_HEADER=1` to rewrite it). Writing into `OUT_DIR`
//! only keeps the build from modifying the source tree.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let crate_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(config) => config,
        Err(e) => {
            println!("cargo:warning=grantex-c: cannot read cbindgen.toml: {e}");
            std::process::exit(1);
        }
    };
    match cbindgen::generate_with_config(&crate_dir, config) {
        Ok(bindings) => {
            bindings.write_to_file(out_dir.join("grantex.h"));
        }
        Err(e) => {
            println!("cargo:warning=grantex-c: cbindgen failed: {e}");
            std::process::exit(1);
        }
    }
}
