//! W3C Bitstring Status List v1.0 and its predecessor StatusList2021.
//!
//! `encodedList` is base64url of the GZIP of the bitstring. Index 0 is the left-most bit: bit *i* of a
//! one-bit list is byte `i / 8` under mask `0x80 >> (i % 8)` — the opposite bit order of the IETF Token
//! Status List ([`super::TokenStatusList`]). With `statusSize` *s* > 1, entry *i* occupies bits
//! `i·s .. i·s + s`, read most significant bit first.
//!
//! Accepted text forms of `encodedList`, all decoding to the same bytes:
//! * bare unpadded base64url — what upstream Grantex publishes and StatusList2021 specifies;
//! * the multibase form with a leading `u`, as Bitstring Status List v1.0 specifies. A GZIP stream always
//!   starts with `1f 8b`, whose base64url is `H4s…`, so a leading `u` is never part of the bare form;
//! * canonically padded base64url (`=` up to a multiple of 4), because CPython's `urlsafe_b64encode` pads and
//!   a Python issuer can publish that. The GZIP CRC-32 still authenticates the decompressed bytes.

use serde_json::Value;

use super::compress::{self, Container};
use super::{MAX_STATUS_BITS, StatusListLimits};
use crate::error::{Error, ErrorCode, Result};

/// The W3C minimum bitstring length: 16 KiB, i.e. 131 072 one-bit entries (herd privacy).
pub const MIN_BITSTRING_BITS: usize = 131_072;

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidStatusList, message)
}

/// A decoded (or server-built) W3C Bitstring Status List / StatusList2021 bitstring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitstringStatusList {
    bytes: Vec<u8>,
    status_size: u8,
    purposes: Vec<String>,
    ttl_ms: Option<u64>,
}

impl BitstringStatusList {
    /// A new all-zero one-bit list with room for at least `entries` entries (never fewer than the W3C minimum
    /// of [`MIN_BITSTRING_BITS`], so issuers can allocate indices at random across the whole list).
    pub fn new(entries: usize) -> Result<Self> {
        Self::with_status_size(entries, 1)
    }

    /// A new all-zero list of `status_size`-bit entries (1..=8) with room for at least `entries` entries and
    /// never fewer than [`MIN_BITSTRING_BITS`] entries.
    pub fn with_status_size(entries: usize, status_size: u8) -> Result<Self> {
        check_status_size(status_size)?;
        let bits = entries
            .max(MIN_BITSTRING_BITS)
            .checked_mul(usize::from(status_size))
            .ok_or_else(|| invalid("status list size overflows"))?;
        let len = bits.div_ceil(8);
        if len > StatusListLimits::default().max_decompressed_bytes {
            return Err(invalid(format!(
                "a status list of {entries} entries exceeds the size limit"
            )));
        }
        Ok(BitstringStatusList {
            bytes: vec![0; len],
            status_size,
            purposes: Vec::new(),
            ttl_ms: None,
        })
    }

    /// Wraps an uncompressed bitstring (e.g. one stored by the server). No minimum length is applied: stored
    /// upstream lists are exactly the minimum, and the decode functions enforce it on the verifier side.
    pub fn from_bytes(bytes: Vec<u8>, status_size: u8) -> Result<Self> {
        check_status_size(status_size)?;
        if bytes.is_empty() {
            return Err(invalid("the bitstring is empty"));
        }
        Ok(BitstringStatusList {
            bytes,
            status_size,
            purposes: Vec::new(),
            ttl_ms: None,
        })
    }

    /// Decodes a one-bit `encodedList` under the default [`StatusListLimits`].
    pub fn decode(encoded: &str) -> Result<Self> {
        Self::decode_with(encoded, 1, &StatusListLimits::default())
    }

    /// Decodes an `encodedList` of `status_size`-bit entries (1..=8) under explicit limits.
    ///
    /// Fails with `INVALID_STATUS_LIST` when the text is not base64url, the bytes are not exactly one valid
    /// GZIP member, the output exceeds `limits.max_decompressed_bytes`, or the list holds fewer than
    /// `limits.min_bitstring_entries` entries (the W3C `STATUS_LIST_LENGTH_ERROR`).
    pub fn decode_with(encoded: &str, status_size: u8, limits: &StatusListLimits) -> Result<Self> {
        check_status_size(status_size)?;
        let text = encoded.strip_prefix('u').unwrap_or(encoded);
        let text = strip_canonical_padding(text)?;
        let compressed = compress::decode_b64_bounded(text, limits)?;
        let bytes = compress::inflate(Container::Gzip, &compressed, limits.max_decompressed_bytes)?;
        let list = Self::from_bytes(bytes, status_size)?;
        if list.len() < limits.min_bitstring_entries {
            return Err(invalid(format!(
                "the status list has {} entries, fewer than the minimum of {}",
                list.len(),
                limits.min_bitstring_entries
            )));
        }
        Ok(list)
    }

    /// Builds the list from a status-list credential's `credentialSubject` (already verified by the caller)
    /// under the default limits. See [`BitstringStatusList::from_credential_subject_with`].
    pub fn from_credential_subject(subject: &Value) -> Result<Self> {
        Self::from_credential_subject_with(subject, &StatusListLimits::default())
    }

    /// Builds the list from a `credentialSubject`: `type` must be (or contain) `BitstringStatusList` or
    /// `StatusList2021`; `encodedList` is required; `statusPurpose` (string or array of strings) is required by
    /// both specifications and kept for the caller to match against the entry's purpose; optional
    /// `statusSize` (1..=8, default 1) and `ttl` (milliseconds) are honoured.
    pub fn from_credential_subject_with(
        subject: &Value,
        limits: &StatusListLimits,
    ) -> Result<Self> {
        let obj = subject
            .as_object()
            .ok_or_else(|| invalid("credentialSubject is not an object"))?;
        let type_ok = match obj.get("type") {
            Some(Value::String(t)) => is_list_type(t),
            Some(Value::Array(ts)) => ts.iter().any(|t| t.as_str().is_some_and(is_list_type)),
            _ => false,
        };
        if !type_ok {
            return Err(invalid(
                "credentialSubject.type is not BitstringStatusList or StatusList2021",
            ));
        }
        let purposes = match obj.get("statusPurpose") {
            Some(Value::String(p)) => vec![p.clone()],
            Some(Value::Array(ps)) if !ps.is_empty() => ps
                .iter()
                .map(|p| p.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    invalid("credentialSubject.statusPurpose must contain only strings")
                })?,
            Some(_) => {
                return Err(invalid(
                    "credentialSubject.statusPurpose must be a string or array of strings",
                ));
            }
            None => return Err(invalid("credentialSubject.statusPurpose is missing")),
        };
        let status_size = match obj.get("statusSize") {
            None => 1,
            Some(v) => v
                .as_u64()
                .and_then(|n| u8::try_from(n).ok())
                .filter(|n| (1..=MAX_STATUS_BITS).contains(n))
                .ok_or_else(|| {
                    invalid("credentialSubject.statusSize must be an integer from 1 to 8")
                })?,
        };
        let ttl_ms =
            match obj.get("ttl") {
                None => None,
                Some(v) => Some(v.as_u64().ok_or_else(|| {
                    invalid("credentialSubject.ttl must be a non-negative integer")
                })?),
            };
        let encoded = obj
            .get("encodedList")
            .ok_or_else(|| invalid("credentialSubject.encodedList is missing"))?
            .as_str()
            .ok_or_else(|| invalid("credentialSubject.encodedList is not a string"))?;
        let mut list = Self::decode_with(encoded, status_size, limits)?;
        list.purposes = purposes;
        list.ttl_ms = ttl_ms;
        Ok(list)
    }

    /// Number of entries (bits ÷ `statusSize`).
    pub fn len(&self) -> usize {
        self.bytes.len().saturating_mul(8) / usize::from(self.status_size)
    }

    /// Whether the list has no entries (never true for a decoded list).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bits per entry (1..=8).
    pub fn status_size(&self) -> u8 {
        self.status_size
    }

    /// The `statusPurpose` values of the credential this list came from (empty when built locally).
    pub fn purposes(&self) -> &[String] {
        &self.purposes
    }

    /// The credential's `ttl` in milliseconds, if it had one (the W3C default when absent is 300 000).
    pub fn ttl_ms(&self) -> Option<u64> {
        self.ttl_ms
    }

    /// The uncompressed bitstring.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether entry `index` is non-zero ("set"). Out of range → `INVALID_STATUS_LIST`.
    pub fn get(&self, index: u64) -> Result<bool> {
        Ok(self.get_status(index)? != 0)
    }

    /// The value of entry `index` (0..2^statusSize). Out of range → `INVALID_STATUS_LIST`.
    pub fn get_status(&self, index: u64) -> Result<u8> {
        let first = self.first_bit(index)?;
        let mut value = 0u8;
        for k in 0..usize::from(self.status_size) {
            let bit = first.saturating_add(k);
            let byte = self.bytes.get(bit / 8).copied().unwrap_or(0);
            value = (value << 1) | ((byte >> (7 - bit % 8)) & 1);
        }
        Ok(value)
    }

    /// Sets entry `index` to 1 (`true`) or 0.
    pub fn set(&mut self, index: u64, set: bool) -> Result<()> {
        self.set_status(index, u8::from(set))
    }

    /// Sets entry `index` to `value`; `value` must fit in `statusSize` bits (`INVALID_INPUT` otherwise).
    pub fn set_status(&mut self, index: u64, value: u8) -> Result<()> {
        if u32::from(value) >= 1u32 << self.status_size {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("status {value} does not fit in {} bits", self.status_size),
            ));
        }
        let first = self.first_bit(index)?;
        let size = usize::from(self.status_size);
        for k in 0..size {
            let bit = first.saturating_add(k);
            let mask = 0x80u8 >> (bit % 8);
            if let Some(byte) = self.bytes.get_mut(bit / 8) {
                if (value >> (size - 1 - k)) & 1 == 1 {
                    *byte |= mask;
                } else {
                    *byte &= !mask;
                }
            }
        }
        Ok(())
    }

    /// `encodedList` in the upstream / StatusList2021 form: unpadded base64url of GZIP, no prefix.
    pub fn encode(&self) -> Result<String> {
        Ok(crate::b64::encode(&compress::deflate(
            Container::Gzip,
            &self.bytes,
        )?))
    }

    /// `encodedList` in the Bitstring Status List v1.0 form: multibase `u` + unpadded base64url of GZIP.
    pub fn encode_multibase(&self) -> Result<String> {
        Ok(format!("u{}", self.encode()?))
    }

    /// First bit of entry `index`, checked against the list length.
    fn first_bit(&self, index: u64) -> Result<usize> {
        let out_of_range = || {
            invalid(format!(
                "status index {index} is outside the list of {} entries",
                self.len()
            ))
        };
        let index = usize::try_from(index).map_err(|_| out_of_range())?;
        if index >= self.len() {
            return Err(out_of_range());
        }
        index
            .checked_mul(usize::from(self.status_size))
            .ok_or_else(out_of_range)
    }
}

fn is_list_type(t: &str) -> bool {
    t == "BitstringStatusList" || t == "StatusList2021"
}

fn check_status_size(status_size: u8) -> Result<()> {
    if (1..=MAX_STATUS_BITS).contains(&status_size) {
        Ok(())
    } else {
        Err(invalid(format!(
            "statusSize {status_size} is not supported (1 to 8)"
        )))
    }
}

/// Removes `=` padding only when it is exactly what RFC 4648 would emit; the strict decoder then rejects any
/// non-canonical remainder.
fn strip_canonical_padding(text: &str) -> Result<&str> {
    let body = text.trim_end_matches('=');
    let pad = text.len() - body.len();
    if pad == 0 {
        return Ok(text);
    }
    let expected = match body.len() % 4 {
        2 => 2,
        3 => 1,
        _ => 0,
    };
    if pad == expected && text.len().is_multiple_of(4) {
        Ok(body)
    } else {
        Err(invalid(
            "the encoded status list has invalid base64 padding",
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;
    use serde_json::json;

    const EMPTY: &str = "H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";
    const BIT42_NODE: &str =
        "H4sIAAAAAAAAA-3BMQEAAAzDoEiZf5WT0Qeo6gIAAAAAAAAAAAAAAAAAAACGHjOa7TAAQAAA";
    const BIT42_CPYTHON: &str =
        "H4sIAAAAAAAAA-3BMQEAAAjAoEWxf0pt4QPUmQAAAAAAAAAAAAAAAAAAAIBHCzOa7TAAQAAA";

    #[test]
    fn upstream_empty_list() {
        let list = BitstringStatusList::decode(EMPTY).unwrap();
        assert_eq!(list.len(), 131_072);
        assert_eq!(list.as_bytes().len(), 16_384);
        assert!(list.as_bytes().iter().all(|b| *b == 0));
        assert!(!list.get(42).unwrap());
        assert_eq!(
            list.get(131_072).unwrap_err().code,
            ErrorCode::InvalidStatusList
        );
        assert_eq!(
            list.get(u64::MAX).unwrap_err().code,
            ErrorCode::InvalidStatusList
        );
    }

    #[test]
    fn upstream_bit42_node_and_cpython_agree() {
        let node = BitstringStatusList::decode(BIT42_NODE).unwrap();
        let py = BitstringStatusList::decode(BIT42_CPYTHON).unwrap();
        assert_ne!(BIT42_NODE, BIT42_CPYTHON);
        assert_eq!(node, py);
        assert_eq!(node.as_bytes().get(5), Some(&0x20));
        for i in 0..131_072u64 {
            assert_eq!(node.get(i).unwrap(), i == 42, "index {i}");
        }
    }

    #[test]
    fn multibase_and_padding_forms() {
        let bare = BitstringStatusList::decode(BIT42_NODE).unwrap();
        let multibase = BitstringStatusList::decode(&format!("u{BIT42_NODE}")).unwrap();
        assert_eq!(bare, multibase);
        // 72 characters: no padding needed, so any '=' is wrong.
        assert!(BitstringStatusList::decode(&format!("{BIT42_NODE}==")).is_err());
        assert!(BitstringStatusList::decode(&format!("uu{BIT42_NODE}")).is_err());
        assert_eq!(strip_canonical_padding("AQ==").unwrap(), "AQ");
        assert_eq!(strip_canonical_padding("AQE=").unwrap(), "AQE");
        assert!(strip_canonical_padding("AQ=").is_err());
        assert!(strip_canonical_padding("AQE==").is_err());
        assert!(strip_canonical_padding("A===").is_err());
        assert!(strip_canonical_padding("====").is_err());
    }

    #[test]
    fn encode_decode_round_trip() {
        let mut list = BitstringStatusList::new(10).unwrap();
        assert_eq!(list.len(), MIN_BITSTRING_BITS);
        for i in [0u64, 1, 7, 8, 42, 65_535, 131_071] {
            list.set(i, true).unwrap();
        }
        list.set(1, false).unwrap();
        assert_eq!(list.as_bytes().first(), Some(&0x81));
        assert_eq!(list.as_bytes().get(1), Some(&0x80));
        assert_eq!(list.as_bytes().last(), Some(&0x01));
        let encoded = list.encode().unwrap();
        assert!(encoded.starts_with("H4sI"));
        let back = BitstringStatusList::decode(&encoded).unwrap();
        assert_eq!(back.as_bytes(), list.as_bytes());
        let back = BitstringStatusList::decode(&list.encode_multibase().unwrap()).unwrap();
        assert_eq!(back.as_bytes(), list.as_bytes());
        assert!(list.set(131_072, true).is_err());
    }

    #[test]
    fn multi_bit_entries_are_msb_first() {
        let mut list = BitstringStatusList::with_status_size(0, 2).unwrap();
        assert_eq!(list.len(), MIN_BITSTRING_BITS);
        list.set_status(0, 1).unwrap();
        list.set_status(1, 2).unwrap();
        list.set_status(2, 3).unwrap();
        assert_eq!(list.as_bytes().first(), Some(&0b0110_1100));
        assert_eq!(
            list.set_status(0, 4).unwrap_err().code,
            ErrorCode::InvalidInput
        );
        // Entries of 3 bits straddle byte boundaries.
        let mut odd = BitstringStatusList::with_status_size(0, 3).unwrap();
        odd.set_status(2, 0b101).unwrap();
        odd.set_status(3, 0b111).unwrap();
        assert_eq!(odd.get_status(2).unwrap(), 5);
        assert_eq!(odd.get_status(3).unwrap(), 7);
        assert_eq!(odd.get_status(1).unwrap(), 0);
        assert_eq!(odd.as_bytes().first(), Some(&0b0000_0010));
        assert_eq!(odd.as_bytes().get(1), Some(&0b1111_0000));
        let decoded = BitstringStatusList::decode_with(
            &odd.encode().unwrap(),
            3,
            &StatusListLimits::default(),
        );
        assert_eq!(decoded.unwrap().get_status(3).unwrap(), 7);
        assert!(BitstringStatusList::with_status_size(1, 9).is_err());
        assert!(BitstringStatusList::with_status_size(1, 0).is_err());
    }

    #[test]
    fn minimum_length_is_enforced_and_configurable() {
        let short = BitstringStatusList::from_bytes(vec![0xff; 8192], 1)
            .unwrap()
            .encode()
            .unwrap();
        assert_eq!(
            BitstringStatusList::decode(&short).unwrap_err().code,
            ErrorCode::InvalidStatusList
        );
        let relaxed = StatusListLimits {
            min_bitstring_entries: 0,
            ..StatusListLimits::default()
        };
        let list = BitstringStatusList::decode_with(&short, 1, &relaxed).unwrap();
        assert!(list.get(65_535).unwrap());
        // The minimum counts entries, not bits.
        assert!(BitstringStatusList::decode_with(EMPTY, 2, &StatusListLimits::default()).is_err());
    }

    #[test]
    fn credential_subject() {
        let subject = json!({
            "id": "https://grantex.dev/v1/credentials/status/vcsl_1#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": BIT42_NODE,
        });
        let list = BitstringStatusList::from_credential_subject(&subject).unwrap();
        assert!(list.get(42).unwrap());
        assert_eq!(list.purposes(), ["revocation".to_owned()]);
        assert_eq!(list.ttl_ms(), None);

        let v1 = json!({
            "type": ["BitstringStatusList"],
            "statusPurpose": ["revocation", "suspension"],
            "encodedList": format!("u{EMPTY}"),
            "ttl": 60000,
        });
        let list = BitstringStatusList::from_credential_subject(&v1).unwrap();
        assert_eq!(list.purposes().len(), 2);
        assert_eq!(list.ttl_ms(), Some(60_000));

        let bad = [
            json!("x"),
            json!({"type": "Other", "statusPurpose": "revocation", "encodedList": EMPTY}),
            json!({"type": "StatusList2021", "encodedList": EMPTY}),
            json!({"type": "StatusList2021", "statusPurpose": [], "encodedList": EMPTY}),
            json!({"type": "StatusList2021", "statusPurpose": [1], "encodedList": EMPTY}),
            json!({"type": "StatusList2021", "statusPurpose": "revocation"}),
            json!({"type": "StatusList2021", "statusPurpose": "revocation", "encodedList": 5}),
            json!({"type": "StatusList2021", "statusPurpose": "revocation", "encodedList": EMPTY, "statusSize": 0}),
            json!({"type": "StatusList2021", "statusPurpose": "revocation", "encodedList": EMPTY, "statusSize": 2}),
            json!({"type": "StatusList2021", "statusPurpose": "revocation", "encodedList": EMPTY, "ttl": -1}),
        ];
        for subject in bad {
            assert_eq!(
                BitstringStatusList::from_credential_subject(&subject)
                    .unwrap_err()
                    .code,
                ErrorCode::InvalidStatusList,
                "{subject}"
            );
        }
    }
}
