//! Identifiers (PROTOCOL.md §1.5): `<prefix><ULID>`, the ULID being 26 Crockford base32 characters (48-bit
//! millisecond time + 80 random bits, not monotonic), plus random secrets and request ids.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Id prefixes of the protocol's entities.
pub mod prefix {
    /// Developer.
    pub const DEVELOPER: &str = "dev_";
    /// Agent.
    pub const AGENT: &str = "ag_";
    /// Authorization request.
    pub const AUTH_REQUEST: &str = "areq_";
    /// Grant.
    pub const GRANT: &str = "grnt_";
    /// Grant-token `jti`.
    pub const TOKEN: &str = "tok_";
    /// Refresh token (the token is the id).
    pub const REFRESH: &str = "ref_";
    /// Audit entry.
    pub const AUDIT: &str = "alog_";
    /// Status list.
    pub const STATUS_LIST: &str = "vcsl_";
}

/// `n` bytes from the system CSPRNG. The generator failing is not recoverable for a server that must mint
/// unguessable ids, so it aborts the process.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if SystemRandom::new().fill(&mut bytes).is_err() {
        tracing::error!("the system random number generator failed");
        std::process::abort();
    }
    bytes
}

/// A ULID for the given Unix time in milliseconds and 80 random bits.
pub fn ulid_at(unix_ms: u64, random: [u8; 10]) -> String {
    let mut value: u128 = u128::from(unix_ms & 0xFFFF_FFFF_FFFF) << 80;
    for (i, b) in random.iter().enumerate() {
        value |= u128::from(*b) << (72 - 8 * i);
    }
    let mut out = String::with_capacity(26);
    for i in (0..26).rev() {
        let index = ((value >> (5 * i)) & 0x1F) as usize;
        out.push(char::from(CROCKFORD.get(index).copied().unwrap_or(b'0')));
    }
    out
}

/// A fresh ULID (current time, random bits).
pub fn ulid() -> String {
    ulid_at(crate::time::now_ms(), random_bytes())
}

/// A fresh prefixed id, e.g. `new_id(prefix::AGENT)` → `ag_01J…`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", ulid())
}

/// A random UUID (version 4), the format of upstream's `requestId`.
pub fn uuid_v4() -> String {
    let mut b: [u8; 16] = random_bytes();
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    let hex = hex_lower(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A generated developer API key: `gx_live_`/`gx_test_` + base64url(32 random bytes) (PROTOCOL.md §1.3).
pub fn api_key(sandbox: bool) -> String {
    let prefix = if sandbox { "gx_test_" } else { "gx_live_" };
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
}

/// Lower-case hex SHA-256, the form in which API keys and other bearer secrets are stored.
pub fn sha256_hex(text: &str) -> String {
    hex_lower(&Sha256::digest(text.as_bytes()))
}

/// Lower-case hex of `bytes`.
pub fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0F)]));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn ulid_layout() {
        assert_eq!(ulid_at(0, [0; 10]), "00000000000000000000000000");
        assert_eq!(
            ulid_at(0xFFFF_FFFF_FFFF, [0xFF; 10]),
            "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"
        );
        // Known vector: 2016-07-30T23:54:10.259Z = 1469922850259 → time part 01ARZ3NDEK.
        assert!(ulid_at(1_469_922_850_259, [0; 10]).starts_with("01ARZ3NDEK"));
        let id = new_id(prefix::AGENT);
        assert_eq!(id.len(), 29);
        assert!(id[3..].bytes().all(|b| CROCKFORD.contains(&b)));
    }

    #[test]
    fn uuid_and_keys() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        let k = api_key(true);
        assert!(k.starts_with("gx_test_"));
        assert_eq!(k.len(), 8 + 43);
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
