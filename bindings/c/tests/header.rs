//! Drift check: the committed `include/grantex.h` must equal the header cbindgen generates from the current
//! source (build.rs writes it to `$OUT_DIR`). `GRANTEX_UPDATE_HEADER=1` rewrites the committed header.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/grantex.h"));

#[test]
fn committed_header_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include/grantex.h");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == GENERATED {
        return;
    }
    if std::env::var_os("GRANTEX_UPDATE_HEADER").is_some() {
        std::fs::write(&path, GENERATED).unwrap();
        eprintln!("rewrote {}", path.display());
        return;
    }
    panic!(
        "{} is stale: regenerate it with `GRANTEX_UPDATE_HEADER=1 cargo test -p grantex-c --test header`",
        path.display()
    );
}
