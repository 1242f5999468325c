//! Status lists, sans-IO: W3C Bitstring Status List / StatusList2021 and the IETF Token Status List.
//!
//! * [`BitstringStatusList`] — `encodedList` = base64url(GZIP(bitstring)), index 0 = most significant bit of
//!   byte 0 (PROTOCOL.md §10.9, IMPROVEMENTS.md items 20–21).
//! * [`TokenStatusList`] — `status_list: {bits, lst}` with `lst` = base64url(ZLIB(bytes)), entry 0 in the
//!   *least* significant bits of byte 0, and the Status List Token payload ([`StatusListToken`]) (item 6).
//! * [`parse_status_claim`] / [`parse_credential_status`] — the references a token or credential carries.
//! * [`StatusListCache`] — verified lists keyed by URI with their fetch time; fails closed.
//! * [`check_not_revoked`] / [`check_list_status`] — the offline revocation decision.
//!
//! Signature verification of signed lists (`statuslist+jwt`, VC-JWT) happens before these types are built:
//! they take the already-verified JWT payload or `credentialSubject`.
//!
//! Error policy: anything wrong with a list's bytes or shape — bad base64url, bad GZIP/ZLIB, checksum
//! mismatch, trailing bytes, unsupported `bits`/`statusSize`, too large after decompression (zip bomb), too
//! small (W3C minimum), or an index outside the list — is `INVALID_STATUS_LIST`. An index outside the list is
//! treated as a defect of the list/reference pair rather than as "status unknown", so it never looks like a
//! transient failure worth retrying. A list that is missing or stale in the cache is `STATUS_UNAVAILABLE`.
//! Non-zero status is `REVOKED`.

mod bitstring;
mod cache;
mod compress;
mod token;

use serde_json::Value;

pub use bitstring::{BitstringStatusList, MIN_BITSTRING_BITS};
pub use cache::{
    CacheConfig, DEFAULT_MAX_AGE_SECONDS, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_TOTAL_BYTES,
    StatusListCache,
};
pub use token::{StatusListToken, TokenStatusList};

use crate::error::{Error, ErrorCode, Result};

/// Status value VALID (IETF Token Status List; an unset bit in a W3C list).
pub const STATUS_VALID: u8 = 0;
/// Status value INVALID: revoked (IETF); a set bit in a W3C `revocation` list.
pub const STATUS_INVALID: u8 = 1;
/// Status value SUSPENDED (IETF; reversible).
pub const STATUS_SUSPENDED: u8 = 2;

/// Default bound on a decompressed list: 16 MiB (128 Mi one-bit entries).
pub const DEFAULT_MAX_DECOMPRESSED_BYTES: usize = 16 * 1024 * 1024;
/// Default bound on a compressed list: 4 MiB. Real lists are sparse and compress far below this; 2^20 8-bit
/// entries of random data (1 MiB) still fit.
pub const DEFAULT_MAX_COMPRESSED_BYTES: usize = 4 * 1024 * 1024;

/// Widest supported entry, so every status fits in a `u8` (IETF allows 1, 2, 4 and 8 bits).
pub(crate) const MAX_STATUS_BITS: u8 = 8;

/// Size bounds applied while decoding a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusListLimits {
    /// Largest accepted compressed list in bytes (checked on the text length before base64 decoding, then
    /// on the decoded bytes).
    pub max_compressed_bytes: usize,
    /// Largest accepted decompressed list in bytes; decompression stops one byte past it.
    pub max_decompressed_bytes: usize,
    /// Fewest entries a W3C bitstring list may have (W3C `minimumNumberOfEntries`, 131 072 unless an ecosystem
    /// sets another bound). Not applied to IETF lists, which have no minimum.
    pub min_bitstring_entries: usize,
}

impl Default for StatusListLimits {
    fn default() -> Self {
        StatusListLimits {
            max_compressed_bytes: DEFAULT_MAX_COMPRESSED_BYTES,
            max_decompressed_bytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
            min_bitstring_entries: MIN_BITSTRING_BITS,
        }
    }
}

/// Either kind of decoded status list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusList {
    /// A W3C Bitstring Status List / StatusList2021.
    Bitstring(BitstringStatusList),
    /// An IETF Token Status List.
    Token(TokenStatusList),
}

impl StatusList {
    /// The status of entry `idx`. Out of range → `INVALID_STATUS_LIST`.
    pub fn get_status(&self, idx: u64) -> Result<u8> {
        match self {
            StatusList::Bitstring(list) => list.get_status(idx),
            StatusList::Token(list) => list.get(idx),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        match self {
            StatusList::Bitstring(list) => list.len(),
            StatusList::Token(list) => list.len(),
        }
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Uncompressed size in bytes (what the list costs in memory).
    pub fn byte_len(&self) -> usize {
        match self {
            StatusList::Bitstring(list) => list.as_bytes().len(),
            StatusList::Token(list) => list.as_bytes().len(),
        }
    }
}

impl From<BitstringStatusList> for StatusList {
    fn from(list: BitstringStatusList) -> Self {
        StatusList::Bitstring(list)
    }
}

impl From<TokenStatusList> for StatusList {
    fn from(list: TokenStatusList) -> Self {
        StatusList::Token(list)
    }
}

/// Where a token's or credential's status lives: the list URI and the entry index in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct StatusReference {
    /// The status list (token or credential) URI.
    pub uri: String,
    /// The entry index.
    pub idx: u64,
}

fn invalid_claim(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidClaim, message)
}

/// Reads the IETF `status: {status_list: {idx, uri}}` claim from a JWT payload.
///
/// `Ok(None)` when the payload has no `status` claim. When `status` is present it must reference a status list
/// (`INVALID_CLAIM` otherwise): a token that names only a status mechanism this library cannot check must not
/// pass as unrevocable. `idx` must be a non-negative JSON integer and `uri` a non-empty string.
pub fn parse_status_claim(payload: &Value) -> Result<Option<StatusReference>> {
    let Some(status) = payload.get("status") else {
        return Ok(None);
    };
    let status = status
        .as_object()
        .ok_or_else(|| invalid_claim("`status` is not a JSON object"))?;
    let list = status
        .get("status_list")
        .ok_or_else(|| invalid_claim("`status` names no supported status mechanism (status_list)"))?
        .as_object()
        .ok_or_else(|| invalid_claim("`status.status_list` is not a JSON object"))?;
    let idx = list
        .get("idx")
        .ok_or_else(|| invalid_claim("`status.status_list.idx` is missing"))?
        .as_u64()
        .ok_or_else(|| invalid_claim("`status.status_list.idx` is not a non-negative integer"))?;
    let uri = match list.get("uri") {
        Some(Value::String(uri)) if !uri.is_empty() => uri.clone(),
        Some(_) => {
            return Err(invalid_claim(
                "`status.status_list.uri` is not a non-empty string",
            ));
        }
        None => return Err(invalid_claim("`status.status_list.uri` is missing")),
    };
    Ok(Some(StatusReference { uri, idx }))
}

/// One W3C `credentialStatus` entry (`StatusList2021Entry` or `BitstringStatusListEntry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitstringStatusEntry {
    /// `statusListCredential` and `statusListIndex`.
    pub reference: StatusReference,
    /// `statusPurpose` (e.g. `revocation`, `suspension`); must be one of the list's purposes.
    pub purpose: String,
    /// `statusSize` (1 when absent); the list must be decoded with the same size.
    pub status_size: u8,
}

fn invalid_credential(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidCredential, message)
}

/// Reads a VC's `credentialStatus` (one object or an array of them). Every entry must be a
/// `StatusList2021Entry` or `BitstringStatusListEntry` (`INVALID_CREDENTIAL` otherwise: an entry that cannot be
/// checked must not be skipped). `statusListIndex` is a base-10 string as both specifications require (a JSON
/// integer is also accepted); `statusListCredential` and `statusPurpose` are required strings.
pub fn parse_credential_status(credential_status: &Value) -> Result<Vec<BitstringStatusEntry>> {
    match credential_status {
        Value::Array(entries) if !entries.is_empty() => {
            entries.iter().map(parse_status_entry).collect()
        }
        Value::Array(_) => Err(invalid_credential("credentialStatus is an empty array")),
        entry => Ok(vec![parse_status_entry(entry)?]),
    }
}

fn parse_status_entry(entry: &Value) -> Result<BitstringStatusEntry> {
    let obj = entry
        .as_object()
        .ok_or_else(|| invalid_credential("credentialStatus entry is not an object"))?;
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or_default();
    if kind != "StatusList2021Entry" && kind != "BitstringStatusListEntry" {
        return Err(invalid_credential(format!(
            "credentialStatus type {kind:?} is not supported"
        )));
    }
    let string = |name: &str| -> Result<String> {
        match obj.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(invalid_credential(format!(
                "credentialStatus.{name} is not a non-empty string"
            ))),
        }
    };
    let uri = string("statusListCredential")?;
    let purpose = string("statusPurpose")?;
    let idx = match obj.get("statusListIndex") {
        Some(Value::String(s)) => parse_decimal_index(s),
        Some(v) => v.as_u64(),
        None => None,
    }
    .ok_or_else(|| {
        invalid_credential("credentialStatus.statusListIndex is not a non-negative integer")
    })?;
    let status_size = match obj.get("statusSize") {
        None => 1,
        Some(v) => v
            .as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .filter(|n| (1..=MAX_STATUS_BITS).contains(n))
            .ok_or_else(|| {
                invalid_credential("credentialStatus.statusSize must be an integer from 1 to 8")
            })?,
    };
    Ok(BitstringStatusEntry {
        reference: StatusReference { uri, idx },
        purpose,
        status_size,
    })
}

/// Canonical base-10: digits only, no sign, no leading zeros (one text per number).
fn parse_decimal_index(s: &str) -> Option<u64> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

/// `Ok(())` for VALID (0); `REVOKED` for any other value — 1 revoked, 2 suspended, and application-specific
/// values too, since a verifier that does not know what they mean must not accept the token.
pub fn check_status_value(status: u8) -> Result<()> {
    match status {
        STATUS_VALID => Ok(()),
        STATUS_INVALID => Err(Error::new(
            ErrorCode::Revoked,
            "the status list marks it revoked",
        )),
        STATUS_SUSPENDED => Err(Error::new(
            ErrorCode::Revoked,
            "the status list marks it suspended",
        )),
        other => Err(Error::new(
            ErrorCode::Revoked,
            format!("the status list marks it with application-specific status 0x{other:02x}"),
        )),
    }
}

/// The revocation decision for entry `idx` of a list the caller holds directly.
pub fn check_list_status(list: &StatusList, idx: u64) -> Result<()> {
    let status = list.get_status(idx)?;
    if let StatusList::Bitstring(b) = list {
        // In a W3C list a set bit means whatever the list's purpose says; a list serving several purposes
        // cannot tell which one this entry uses, so it reports the value only.
        if status == 1 && b.status_size() == 1 && b.purposes() == ["suspension"] {
            return Err(Error::new(
                ErrorCode::Revoked,
                "the status list marks it suspended",
            ));
        }
    }
    check_status_value(status)
}

/// The offline revocation check for a grant token or credential: resolves `reference` in `cache` at `now`.
///
/// `Ok(())` only when the list is cached, fresh and says VALID; `STATUS_UNAVAILABLE` when the list is missing
/// or stale (fail closed — the caller fetches, verifies, inserts and retries); `INVALID_STATUS_LIST` when the
/// index is outside the list; `REVOKED` for any non-zero status.
pub fn check_not_revoked(
    reference: &StatusReference,
    cache: &StatusListCache,
    now: i64,
) -> Result<()> {
    check_list_status(cache.get(&reference.uri, now)?, reference.idx)
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
    use proptest::prelude::*;
    use serde_json::json;

    const EMPTY: &str = "H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";
    const BIT42_NODE: &str =
        "H4sIAAAAAAAAA-3BMQEAAAzDoEiZf5WT0Qeo6gIAAAAAAAAAAAAAAAAAAACGHjOa7TAAQAAA";

    #[test]
    fn shared_vectors() {
        let doc: Value =
            serde_json::from_str(include_str!("../../../tests/vectors/status.json")).unwrap();
        assert_eq!(doc["version"], 1);
        let cases = doc["cases"].as_array().unwrap();
        assert!(cases.len() >= 15);
        let limits = StatusListLimits::default();
        let mut checks = 0;
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let decoded: Result<StatusList> = match case["kind"].as_str().unwrap() {
                "bitstring" => {
                    let size = case
                        .get("statusSize")
                        .map_or(1, |s| s.as_u64().unwrap() as u8);
                    BitstringStatusList::decode_with(
                        case["encoded"].as_str().unwrap(),
                        size,
                        &limits,
                    )
                    .map(StatusList::from)
                }
                "token" => {
                    TokenStatusList::from_status_list_claim(&case["encoded"]).map(StatusList::from)
                }
                other => panic!("{name}: unknown kind {other}"),
            };
            if let Some(code) = case.get("error") {
                let err = decoded.expect_err(name);
                assert_eq!(err.code.as_str(), code.as_str().unwrap(), "{name}: {err}");
                continue;
            }
            let list = decoded.unwrap_or_else(|e| panic!("{name}: {e}"));
            for check in case["checks"].as_array().unwrap() {
                let index = check["index"].as_u64().unwrap();
                let got = list.get_status(index);
                match (check.get("status"), check.get("error")) {
                    (Some(status), None) => {
                        assert_eq!(
                            u64::from(got.unwrap()),
                            status.as_u64().unwrap(),
                            "{name}[{index}]"
                        )
                    }
                    (None, Some(code)) => {
                        assert_eq!(
                            got.unwrap_err().code.as_str(),
                            code.as_str().unwrap(),
                            "{name}[{index}]"
                        )
                    }
                    _ => panic!("{name}: malformed check"),
                }
                checks += 1;
            }
        }
        assert!(checks > 300);
    }

    /// The draft's appendix vectors, tested in code too so a broken vector file cannot hide a regression.
    #[test]
    fn ietf_appendix_vectors() {
        let lst1 = concat!(
            "eNrt3AENwCAMAEGogklACtKQPg9LugC9k_ACvreiogE",
            "AAKkeCQAAAAAAAAAAAAAAAAAAAIBylgQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAXG9IAAAAAAAAAPwsJAAAAAAAAAAAAAAAvhsSAAAAAAAAAAA",
            "A7KpLAAAAAAAAAAAAAAAAAAAAAJsLCQAAAAAAAAAAADjelAAAAAAAAAAAKjDMAQAAA",
            "ACAZC8L2AEb",
        );
        let one = TokenStatusList::decode(1, lst1).unwrap();
        assert_eq!(one.len(), 1 << 20);
        let set1 = [
            0u64, 1993, 25460, 159495, 495669, 554353, 645645, 723232, 854545, 934534, 1000345,
        ];
        for i in set1 {
            assert_eq!(one.get(i).unwrap(), 1, "1-bit {i}");
            assert_eq!(one.get(i + 1).unwrap(), 0, "1-bit {}", i + 1);
        }
        let ones = one.as_bytes().iter().map(|b| b.count_ones()).sum::<u32>();
        assert_eq!(ones as usize, set1.len());

        let lst2 = concat!(
            "eNrt2zENACEQAEEuoaBABP5VIO01fCjIHTMStt9ovGV",
            "IAAAAAABAbiEBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEB5WwIAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAID0ugQAAAAAAAAAAAAAAAAAQG12SgAAA",
            "AAAAAAAAAAAAAAAAAAAAAAAAOCSIQEAAAAAAAAAAAAAAAAAAAAAAAD8ExIAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAwJEuAQAAAAAAAAAAAAAAAAAAAAAAAMB9S",
            "wIAAAAAAAAAAAAAAAAAAACoYUoAAAAAAAAAAAAAAEBqH81gAQw",
        );
        let two = TokenStatusList::decode(2, lst2).unwrap();
        let set2 = [
            (0u64, 1u8),
            (1993, 2),
            (25460, 1),
            (159495, 3),
            (495669, 1),
            (554353, 1),
            (645645, 2),
            (723232, 1),
            (854545, 1),
            (934534, 2),
            (1000345, 3),
        ];
        for (i, s) in set2 {
            assert_eq!(two.get(i).unwrap(), s, "2-bit {i}");
        }
        assert_eq!(two.get(1994).unwrap(), 0);
        assert_eq!(
            two.get(1 << 20).unwrap_err().code,
            ErrorCode::InvalidStatusList
        );
    }

    #[test]
    fn bit_orders_differ_between_formats() {
        // The same byte means different things: W3C reads MSB first, IETF LSB first.
        let mut bytes = vec![0u8; 16_384];
        bytes[0] = 0x80;
        let w3c = BitstringStatusList::from_bytes(bytes.clone(), 1).unwrap();
        let ietf = TokenStatusList::from_bytes(bytes, 1).unwrap();
        assert!(w3c.get(0).unwrap());
        assert_eq!(ietf.get(0).unwrap(), 0);
        assert_eq!(ietf.get(7).unwrap(), 1);
    }

    #[test]
    fn zip_bomb_is_rejected_quickly() {
        use flate2::Compression;
        use flate2::write::{GzEncoder, ZlibEncoder};
        use std::io::Write;
        let chunk = vec![0u8; 1024 * 1024];
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        let mut zl = ZlibEncoder::new(Vec::new(), Compression::fast());
        for _ in 0..100 {
            gz.write_all(&chunk).unwrap();
            zl.write_all(&chunk).unwrap();
        }
        let gz = crate::b64::encode(&gz.finish().unwrap());
        let zl = crate::b64::encode(&zl.finish().unwrap());
        assert!(gz.len() < 1024 * 1024);

        let start = std::time::Instant::now();
        let err = BitstringStatusList::decode(&gz).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidStatusList);
        assert!(err.message.contains("more than"), "{err}");
        let err = TokenStatusList::decode(1, &zl).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidStatusList);
        assert!(err.message.contains("more than"), "{err}");
        // Generous for unoptimised builds: the point is stopping at the limit, not inflating 100 MiB.
        assert!(start.elapsed() < std::time::Duration::from_secs(20));

        let small = StatusListLimits {
            max_decompressed_bytes: 1024,
            ..StatusListLimits::default()
        };
        let started = std::time::Instant::now();
        assert!(TokenStatusList::decode_with(1, &zl, &small).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let tight = StatusListLimits {
            max_compressed_bytes: 100,
            ..StatusListLimits::default()
        };
        assert!(
            TokenStatusList::decode_with(1, &zl, &tight)
                .unwrap_err()
                .message
                .contains("compressed")
        );
    }

    #[test]
    fn status_claim() {
        let payload = json!({"status": {"status_list": {"idx": 7, "uri": "https://grantex.dev/v1/status/1"}}});
        assert_eq!(
            parse_status_claim(&payload).unwrap(),
            Some(StatusReference {
                uri: "https://grantex.dev/v1/status/1".into(),
                idx: 7
            })
        );
        assert_eq!(parse_status_claim(&json!({"sub": "x"})).unwrap(), None);
        for bad in [
            json!({"status": "x"}),
            json!({"status": {}}),
            json!({"status": {"other_mechanism": {}}}),
            json!({"status": {"status_list": []}}),
            json!({"status": {"status_list": {"uri": "u"}}}),
            json!({"status": {"status_list": {"idx": -1, "uri": "u"}}}),
            json!({"status": {"status_list": {"idx": 1.5, "uri": "u"}}}),
            json!({"status": {"status_list": {"idx": "1", "uri": "u"}}}),
            json!({"status": {"status_list": {"idx": 1}}}),
            json!({"status": {"status_list": {"idx": 1, "uri": ""}}}),
            json!({"status": {"status_list": {"idx": 1, "uri": 5}}}),
        ] {
            assert_eq!(
                parse_status_claim(&bad).unwrap_err().code,
                ErrorCode::InvalidClaim,
                "{bad}"
            );
        }
    }

    #[test]
    fn credential_status_entries() {
        let upstream = json!({
            "id": "https://grantex.dev/v1/credentials/status/vcsl_1#42",
            "type": "StatusList2021Entry",
            "statusPurpose": "revocation",
            "statusListIndex": "42",
            "statusListCredential": "https://grantex.dev/v1/credentials/status/vcsl_1",
        });
        let entries = parse_credential_status(&upstream).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].reference.idx, 42);
        assert_eq!(
            entries[0].reference.uri,
            "https://grantex.dev/v1/credentials/status/vcsl_1"
        );
        assert_eq!(entries[0].purpose, "revocation");
        assert_eq!(entries[0].status_size, 1);

        let v1 = json!([
            {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "0",
             "statusListCredential": "https://a/1"},
            {"type": "BitstringStatusListEntry", "statusPurpose": "message", "statusListIndex": 94567,
             "statusSize": 2, "statusListCredential": "https://a/2"},
        ]);
        let entries = parse_credential_status(&v1).unwrap();
        assert_eq!(
            (
                entries[0].reference.idx,
                entries[1].reference.idx,
                entries[1].status_size
            ),
            (0, 94567, 2)
        );

        let base = upstream.as_object().unwrap().clone();
        for (name, value) in [
            ("type", json!("RevocationList2020Status")),
            ("statusListIndex", json!("042")),
            ("statusListIndex", json!("-1")),
            ("statusListIndex", json!("")),
            ("statusListIndex", json!("1e3")),
            ("statusListIndex", json!("99999999999999999999999")),
            ("statusListCredential", json!(1)),
            ("statusPurpose", json!("")),
            ("statusSize", json!(9)),
        ] {
            let mut obj = base.clone();
            obj.insert(name.into(), value);
            let err = parse_credential_status(&Value::Object(obj)).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidCredential, "{name}");
        }
        assert!(parse_credential_status(&json!([])).is_err());
        assert!(parse_credential_status(&json!(null)).is_err());
    }

    #[test]
    fn revocation_decisions() {
        assert!(check_status_value(STATUS_VALID).is_ok());
        let revoked = check_status_value(STATUS_INVALID).unwrap_err();
        assert_eq!(revoked.code, ErrorCode::Revoked);
        assert!(revoked.message.contains("revoked"));
        let suspended = check_status_value(STATUS_SUSPENDED).unwrap_err();
        assert_eq!(suspended.code, ErrorCode::Revoked);
        assert!(suspended.message.contains("suspended"));
        assert_eq!(
            check_status_value(0x0e).unwrap_err().code,
            ErrorCode::Revoked
        );

        let mut list = TokenStatusList::new(100, 2).unwrap();
        list.set(10, STATUS_INVALID).unwrap();
        list.set(11, STATUS_SUSPENDED).unwrap();
        list.set(12, 3).unwrap();
        let mut cache = StatusListCache::new();
        let uri = "https://grantex.dev/v1/status/1";
        let at = |idx| StatusReference {
            uri: uri.into(),
            idx,
        };
        // Nothing cached yet: fail closed.
        assert_eq!(
            check_not_revoked(&at(9), &cache, 1000).unwrap_err().code,
            ErrorCode::StatusUnavailable
        );
        cache.insert(uri, list, 1000);
        assert!(check_not_revoked(&at(9), &cache, 1000).is_ok());
        assert_eq!(
            check_not_revoked(&at(10), &cache, 1000).unwrap_err().code,
            ErrorCode::Revoked
        );
        let err = check_not_revoked(&at(11), &cache, 1000).unwrap_err();
        assert_eq!(err.code, ErrorCode::Revoked);
        assert!(err.message.contains("suspended"));
        assert_eq!(
            check_not_revoked(&at(12), &cache, 1000).unwrap_err().code,
            ErrorCode::Revoked
        );
        assert_eq!(
            check_not_revoked(&at(100), &cache, 1000).unwrap_err().code,
            ErrorCode::InvalidStatusList
        );
        assert_eq!(
            check_not_revoked(&at(9), &cache, 1300).unwrap_err().code,
            ErrorCode::StatusUnavailable
        );

        // Upstream VC list: bit 42 set → revoked; empty list → valid.
        let bit42 = StatusList::from(BitstringStatusList::decode(BIT42_NODE).unwrap());
        assert_eq!(
            check_list_status(&bit42, 42).unwrap_err().code,
            ErrorCode::Revoked
        );
        assert!(check_list_status(&bit42, 41).is_ok());
        let empty = StatusList::from(BitstringStatusList::decode(EMPTY).unwrap());
        assert!(check_list_status(&empty, 42).is_ok());

        let subject = json!({"type": "BitstringStatusList", "statusPurpose": "suspension", "encodedList": BIT42_NODE});
        let suspension =
            StatusList::from(BitstringStatusList::from_credential_subject(&subject).unwrap());
        assert!(
            check_list_status(&suspension, 42)
                .unwrap_err()
                .message
                .contains("suspended")
        );
    }

    #[test]
    fn corrupted_gzip_bytes_never_panic() {
        let bytes = crate::b64::decode(EMPTY.as_bytes()).unwrap();
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut mutated = bytes.clone();
                mutated[i] ^= 1 << bit;
                // Most flips must be caught (header, CRC, ISIZE); none may panic.
                let _ = BitstringStatusList::decode(&crate::b64::encode(&mutated));
            }
            let _ = BitstringStatusList::decode(&crate::b64::encode(&bytes[..i]));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn decoders_never_panic_on_text(text in "[A-Za-z0-9_=u+/-]{0,120}", bits in 0u8..10) {
            let _ = BitstringStatusList::decode(&text);
            let _ = TokenStatusList::decode(bits, &text);
        }

        #[test]
        fn decoders_never_panic_on_bytes(body in proptest::collection::vec(any::<u8>(), 0..200), bits in 0u8..10) {
            let limits = StatusListLimits { min_bitstring_entries: 0, ..StatusListLimits::default() };
            let plain = crate::b64::encode(&body);
            let mut gz = vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03];
            gz.extend_from_slice(&body);
            let mut zl = vec![0x78, 0xda];
            zl.extend_from_slice(&body);
            for size in [1u8, 2, 3, 8] {
                let _ = BitstringStatusList::decode_with(&plain, size, &limits);
                let _ = BitstringStatusList::decode_with(&crate::b64::encode(&gz), size, &limits);
            }
            let _ = TokenStatusList::decode(bits, &plain);
            let _ = TokenStatusList::decode(bits, &crate::b64::encode(&zl));
        }

        #[test]
        fn lookups_never_panic(idx in any::<u64>(), bits in prop::sample::select(vec![1u8, 2, 4, 8]), size in 1u8..=8) {
            let token = TokenStatusList::new(1000, bits).unwrap();
            prop_assert_eq!(token.get(idx).is_ok(), idx < 1000);
            let w3c = BitstringStatusList::with_status_size(0, size).unwrap();
            prop_assert_eq!(w3c.get_status(idx).is_ok(), idx < MIN_BITSTRING_BITS as u64);
        }

        #[test]
        fn token_round_trip(values in proptest::collection::vec(0u8..4, 1..300)) {
            let mut list = TokenStatusList::new(values.len(), 2).unwrap();
            for (i, v) in values.iter().enumerate() {
                list.set(i as u64, *v).unwrap();
            }
            let back = TokenStatusList::decode(2, &list.lst().unwrap()).unwrap();
            for (i, v) in values.iter().enumerate() {
                prop_assert_eq!(back.get(i as u64).unwrap(), *v);
            }
        }

        #[test]
        fn bitstring_round_trip(indices in proptest::collection::vec(0u64..131_072, 0..50)) {
            let mut list = BitstringStatusList::new(0).unwrap();
            for i in &indices {
                list.set(*i, true).unwrap();
            }
            let back = BitstringStatusList::decode(&list.encode().unwrap()).unwrap();
            prop_assert_eq!(back.as_bytes(), list.as_bytes());
            for i in &indices {
                prop_assert!(back.get(*i).unwrap());
            }
        }
    }
}
