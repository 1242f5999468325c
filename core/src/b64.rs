//! Strict base64url (RFC 4648 §5, no padding) as JWS requires (RFC 7515 §2).
//!
//! Strict means: no padding, no whitespace, no standard-alphabet characters, and no non-zero trailing bits,
//! so every byte string has exactly one accepted encoding and a token cannot be altered without changing
//! its bytes.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const STRICT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Decodes strict base64url; `None` if the input is not canonical unpadded base64url.
pub fn decode(input: &[u8]) -> Option<Vec<u8>> {
    STRICT_URL_SAFE.decode(input).ok()
}

/// Decodes strict base64url into `out` (cleared first); `false` if the input is not canonical.
pub fn decode_into(input: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    STRICT_URL_SAFE.decode_vec(input, out).is_ok()
}

/// Decodes strict base64url into a fixed buffer; the decoded length, or `None` if the input is not
/// canonical or does not fit.
pub fn decode_slice(input: &[u8], out: &mut [u8]) -> Option<usize> {
    STRICT_URL_SAFE.decode_slice(input, out).ok()
}

/// Encodes bytes as unpadded base64url.
pub fn encode(input: &[u8]) -> String {
    STRICT_URL_SAFE.encode(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_canonical_forms() {
        assert_eq!(decode(b"AQAB"), Some(vec![1, 0, 1]));
        assert_eq!(decode(b"AQAB="), None);
        assert_eq!(decode(b"AQ=="), None);
        assert_eq!(decode(b"AQ"), Some(vec![1]));
        // 'R' has non-zero low bits for a one-byte tail.
        assert_eq!(decode(b"AR"), None);
        assert_eq!(decode(b"A+/B"), None);
        assert_eq!(decode(b"A B"), None);
        assert_eq!(decode(b"A"), None);
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    }
}
