//! The audit-log hash chain (PROTOCOL.md §8).
//!
//! Every audit entry carries `hash` = lowercase hex SHA-256 of a fixed JSON layout of its fields and
//! `prevHash` = the `hash` of the developer's previous entry. [`entry_hash`] computes the hash a new entry
//! must carry; [`verify_chain`] walks a list of entries as upstream's evidence pack does (§8.6).
//!
//! The layout was defined by a JavaScript server, so its bytes depend on ECMAScript JSON: string escaping,
//! number formatting, UTF-16 key order, and `JSON.parse`'s treatment of duplicate names and lone surrogates.
//! All of that lives in [`canonical`]. Two consequences for callers:
//!
//! * **Parse entries from their JSON text** ([`parse_entries`], [`AuditEntry::from_json`],
//!   [`verify_chain_json`]) when verifying foreign data. That path reproduces JavaScript exactly: numbers are
//!   correctly rounded doubles, duplicate metadata members keep the last value, and metadata strings may hold
//!   lone surrogates (they hash as `\udxxx`, as `JSON.stringify` writes them). The serde path
//!   (`serde_json::from_str::<AuditEntry>`) is fine for entries this implementation wrote, but it inherits
//!   serde_json's limits: lone surrogates are rejected and a few long decimal literals may round differently.
//! * The entry's own string fields (ids, action, timestamp, …) are Rust `String`s; an entry whose id or action
//!   holds a lone surrogate is refused with [`ErrorCode::InvalidInput`] rather than hashed differently.

pub mod canonical;

use crate::error::{Error, ErrorCode, Result};
use canonical::{JsValue, write_canonical, write_quoted, write_stringify};
use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The `status` of an entry that does not state one (PROTOCOL.md §8.1).
pub const DEFAULT_STATUS: &str = "success";

/// One audit-log entry in its wire form (PROTOCOL.md §8.1).
///
/// Serialized with the wire names (`entryId`, `agentId`, …, `prevHash`); deserialization also accepts `id` for
/// `entryId` and `previousHash` for `prevHash` (upstream's column and legacy names). A missing or `null`
/// `metadata` is `{}` and a missing `status` is `"success"`, the defaults the upstream server applied before
/// hashing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// The `alog_…` entry id (`entryId` on the wire, `id` in the hash layout).
    #[serde(rename = "entryId", alias = "id")]
    pub id: String,
    /// Agent id as sent by the caller (not validated against stored agents).
    pub agent_id: String,
    /// Agent DID as sent by the caller.
    pub agent_did: String,
    /// Grant id as sent by the caller.
    pub grant_id: String,
    /// Principal id.
    pub principal_id: String,
    /// Developer whose chain the entry belongs to.
    pub developer_id: String,
    /// The action, e.g. `email.read`.
    pub action: String,
    /// Caller-supplied metadata, kept as JavaScript would see it (see [`canonical::JsValue`]).
    #[serde(default, deserialize_with = "metadata_or_empty")]
    pub metadata: JsValue,
    /// The stored hash (64 lowercase hex characters when written by a conforming server).
    pub hash: String,
    /// The previous entry's hash; `None` (`null`) for the first entry of a chain.
    #[serde(default, alias = "previousHash")]
    pub prev_hash: Option<String>,
    /// ISO-8601 UTC timestamp, exactly as stored and returned (e.g. `2026-01-01T00:00:00.000Z`).
    pub timestamp: String,
    /// `success`, `failure` or `blocked`.
    #[serde(default = "default_status")]
    pub status: String,
}

fn default_status() -> String {
    DEFAULT_STATUS.to_owned()
}

fn metadata_or_empty<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> core::result::Result<JsValue, D::Error> {
    Ok(Option::<JsValue>::deserialize(deserializer)?.unwrap_or_default())
}

impl AuditEntry {
    /// Parses one wire entry from JSON text with exact JavaScript semantics (see the module documentation).
    ///
    /// Errors: [`ErrorCode::InvalidInput`] for malformed JSON, a missing or mistyped field, or a lone surrogate
    /// outside `metadata`.
    pub fn from_json(text: &str) -> Result<Self> {
        AuditEntry::from_js(&canonical::parse(text)?)
    }

    /// Builds an entry from an already parsed wire object.
    ///
    /// Members are read as JavaScript would (the last duplicate wins); unknown members are ignored.
    ///
    /// Errors: [`ErrorCode::InvalidInput`], as for [`AuditEntry::from_json`].
    pub fn from_js(value: &JsValue) -> Result<Self> {
        if !matches!(value, JsValue::Object(_)) {
            return Err(invalid("an audit entry must be a JSON object"));
        }
        let id = match (value.get("entryId"), value.get("id")) {
            (Some(_), Some(_)) => {
                return Err(invalid("an audit entry has both `entryId` and `id`"));
            }
            (Some(v), None) => string_field(v, "entryId")?,
            (None, Some(v)) => string_field(v, "id")?,
            (None, None) => return Err(invalid("audit entry field `entryId` is missing")),
        };
        let prev_hash = match (value.get("prevHash"), value.get("previousHash")) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "an audit entry has both `prevHash` and `previousHash`",
                ));
            }
            (Some(v), None) => nullable_string_field(v, "prevHash")?,
            (None, Some(v)) => nullable_string_field(v, "previousHash")?,
            (None, None) => None,
        };
        let metadata = match value.get("metadata") {
            None | Some(JsValue::Null) => JsValue::empty_object(),
            Some(v) => v.clone(),
        };
        let status = match value.get("status") {
            None => default_status(),
            Some(v) => string_field(v, "status")?,
        };
        Ok(AuditEntry {
            id,
            agent_id: required_string(value, "agentId")?,
            agent_did: required_string(value, "agentDid")?,
            grant_id: required_string(value, "grantId")?,
            principal_id: required_string(value, "principalId")?,
            developer_id: required_string(value, "developerId")?,
            action: required_string(value, "action")?,
            metadata,
            hash: required_string(value, "hash")?,
            prev_hash,
            timestamp: required_string(value, "timestamp")?,
            status,
        })
    }

    /// The hash this entry must carry under the current layout (same as [`entry_hash`]).
    pub fn computed_hash(&self) -> String {
        entry_hash(self)
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

fn required_string(object: &JsValue, name: &str) -> Result<String> {
    let value = object
        .get(name)
        .ok_or_else(|| invalid(format!("audit entry field `{name}` is missing")))?;
    string_field(value, name)
}

fn string_field(value: &JsValue, name: &str) -> Result<String> {
    match value {
        JsValue::String(s) => s.to_rust_string().ok_or_else(|| {
            invalid(format!(
                "audit entry field `{name}` contains a lone UTF-16 surrogate"
            ))
        }),
        _ => Err(invalid(format!(
            "audit entry field `{name}` must be a string"
        ))),
    }
}

fn nullable_string_field(value: &JsValue, name: &str) -> Result<Option<String>> {
    match value {
        JsValue::Null => Ok(None),
        other => string_field(other, name).map(Some),
    }
}

/// Parses a JSON array of wire entries with exact JavaScript semantics (see the module documentation).
///
/// Errors: [`ErrorCode::InvalidInput`] if the text is not a JSON array of valid entries.
pub fn parse_entries(text: &str) -> Result<Vec<AuditEntry>> {
    match canonical::parse(text)? {
        JsValue::Array(items) => items.iter().map(AuditEntry::from_js).collect(),
        _ => Err(invalid("expected a JSON array of audit entries")),
    }
}

/// A hash layout an entry may match (PROTOCOL.md §8.3, §8.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Layout {
    /// The current layout: canonical metadata `C(metadata)`, `prevHash`, `status`. The only one written.
    Current,
    /// Legacy era A: metadata as originally serialized (insertion order), `previousHash`, no `status`.
    LegacyA,
    /// Legacy era B: the current layout, but metadata in insertion order instead of canonical.
    LegacyB,
}

impl Layout {
    /// Every layout, in the order verification tries them.
    pub const ALL: [Layout; 3] = [Layout::Current, Layout::LegacyB, Layout::LegacyA];
}

/// The exact string whose SHA-256 is the entry hash under `layout` (the stored `hash` is ignored).
///
/// Current layout (PROTOCOL.md §8.3), with no whitespace:
/// `{"id":J(id),"agentId":…,"agentDid":…,"grantId":…,"principalId":…,"developerId":…,"action":…,`
/// `"metadata":C(metadata),"timestamp":J(timestamp),"prevHash":J(prevHash)|null,"status":J(status)}`.
/// The legacy layouts of §8.5 write `metadata` in insertion order (see [`canonical::stringify()`]); era A
/// also names the link `previousHash` and ends there, without `status`.
pub fn preimage(entry: &AuditEntry, layout: Layout) -> String {
    let mut out = String::with_capacity(512);
    let fields = [
        ("{\"id\":", &entry.id),
        (",\"agentId\":", &entry.agent_id),
        (",\"agentDid\":", &entry.agent_did),
        (",\"grantId\":", &entry.grant_id),
        (",\"principalId\":", &entry.principal_id),
        (",\"developerId\":", &entry.developer_id),
        (",\"action\":", &entry.action),
    ];
    for (prefix, value) in fields {
        out.push_str(prefix);
        write_quoted(&mut out, value);
    }
    out.push_str(",\"metadata\":");
    match layout {
        Layout::Current => write_canonical(&mut out, &entry.metadata),
        Layout::LegacyA | Layout::LegacyB => write_stringify(&mut out, &entry.metadata),
    }
    out.push_str(",\"timestamp\":");
    write_quoted(&mut out, &entry.timestamp);
    out.push_str(match layout {
        Layout::LegacyA => ",\"previousHash\":",
        Layout::Current | Layout::LegacyB => ",\"prevHash\":",
    });
    match &entry.prev_hash {
        Some(prev) => write_quoted(&mut out, prev),
        None => out.push_str("null"),
    }
    if layout != Layout::LegacyA {
        out.push_str(",\"status\":");
        write_quoted(&mut out, &entry.status);
    }
    out.push('}');
    out
}

/// Lowercase hex SHA-256 of the UTF-8 bytes of `text`.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest.iter() {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The hash of `entry` under `layout`: lowercase hex SHA-256 of [`preimage`].
pub fn layout_hash(entry: &AuditEntry, layout: Layout) -> String {
    sha256_hex(&preimage(entry, layout))
}

/// The hash a new entry must carry: [`layout_hash`] with [`Layout::Current`] (PROTOCOL.md §8.3).
///
/// The entry's own `hash` field is ignored; `prev_hash` must already be set to the chain head.
pub fn entry_hash(entry: &AuditEntry) -> String {
    layout_hash(entry, Layout::Current)
}

/// [`entry_hash`] with the metadata given as the JSON text it was received as, replacing `entry.metadata`.
///
/// Use this when the metadata comes straight from a request body: it is parsed as `JSON.parse` would
/// (duplicates keep the last value, numbers round to doubles, lone surrogates kept), which a detour through
/// `serde_json::Value` cannot guarantee.
///
/// Errors: [`ErrorCode::InvalidInput`] if `metadata_json` is not valid JSON.
pub fn entry_hash_with_metadata_text(entry: &AuditEntry, metadata_json: &str) -> Result<String> {
    let metadata = canonical::parse(metadata_json)?;
    let with_metadata = AuditEntry {
        metadata,
        ..entry.clone()
    };
    Ok(entry_hash(&with_metadata))
}

/// The first accepted layout (current, then legacy B, then legacy A) under which `entry.hash` matches.
pub fn matching_layout(entry: &AuditEntry) -> Option<Layout> {
    Layout::ALL
        .into_iter()
        .find(|&layout| layout_hash(entry, layout) == entry.hash)
}

/// Why a chain failed to verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BreakReason {
    /// `prevHash` differs from the previous entry's `hash`.
    Link,
    /// The stored `hash` matches no accepted layout of the entry's content.
    Content,
}

/// The outcome of [`verify_chain`], serialized as
/// `{valid, checkedEntries, firstBrokenAt, firstBrokenIndex, reason}` (PROTOCOL.md §8.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainReport {
    /// Whether every entry verified.
    pub valid: bool,
    /// Entries verified before the first break (all of them when valid), like upstream's evidence pack.
    pub checked_entries: usize,
    /// Id of the first broken entry.
    pub first_broken_at: Option<String>,
    /// Position of the first broken entry in the list.
    pub first_broken_index: Option<usize>,
    /// Why the first broken entry failed.
    pub reason: Option<BreakReason>,
}

impl ChainReport {
    /// `Ok(())` if the chain is valid, else an [`ErrorCode::BrokenChain`] error naming the first break.
    pub fn ensure_valid(&self) -> Result<()> {
        if self.valid {
            return Ok(());
        }
        let what = match self.reason {
            Some(BreakReason::Link) => "its prevHash does not match the previous entry's hash",
            Some(BreakReason::Content) | None => "its hash does not match its content",
        };
        Err(Error::new(
            ErrorCode::BrokenChain,
            format!(
                "audit chain broken at entry {} (index {}): {what}",
                self.first_broken_at.as_deref().unwrap_or("?"),
                self.first_broken_index.unwrap_or(self.checked_entries),
            ),
        ))
    }
}

/// Verifies a list of entries as one chain, in list order (PROTOCOL.md §8.6).
///
/// For each entry: if there is a previous entry, `prevHash` must equal its stored `hash` (else `link`); then
/// the stored `hash` must equal the hash of the entry under the current or a legacy layout (else `content`).
/// The first entry's `prevHash` is not checked, so any contiguous window of a chain verifies. The list must
/// hold a single developer's entries in chain order (`timestamp ASC, id ASC` as the server lists them).
/// An empty list is valid.
pub fn verify_chain(entries: &[AuditEntry]) -> ChainReport {
    verify_chain_with(entries, &Layout::ALL)
}

/// [`verify_chain`] accepting only the given layouts, e.g. `&[Layout::Current]` for a chain this
/// implementation wrote from the start, where a legacy match could only mean a forged entry (era A does
/// not cover `status`).
pub fn verify_chain_with(entries: &[AuditEntry], layouts: &[Layout]) -> ChainReport {
    let mut previous: Option<&str> = None;
    for (index, entry) in entries.iter().enumerate() {
        if let Some(expected) = previous
            && entry.prev_hash.as_deref() != Some(expected)
        {
            return broken(index, entry, BreakReason::Link);
        }
        if !layouts
            .iter()
            .any(|&layout| layout_hash(entry, layout) == entry.hash)
        {
            return broken(index, entry, BreakReason::Content);
        }
        previous = Some(&entry.hash);
    }
    ChainReport {
        valid: true,
        checked_entries: entries.len(),
        first_broken_at: None,
        first_broken_index: None,
        reason: None,
    }
}

fn broken(index: usize, entry: &AuditEntry, reason: BreakReason) -> ChainReport {
    ChainReport {
        valid: false,
        checked_entries: index,
        first_broken_at: Some(entry.id.clone()),
        first_broken_index: Some(index),
        reason: Some(reason),
    }
}

/// [`verify_chain`] over a JSON array of wire entries, parsed with [`parse_entries`].
///
/// Errors: [`ErrorCode::InvalidInput`] if the text is not a JSON array of valid entries (a broken chain is
/// not an error: it is reported in the [`ChainReport`]).
pub fn verify_chain_json(text: &str) -> Result<ChainReport> {
    Ok(verify_chain(&parse_entries(text)?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::canonical::{
        JsString, JsValue, canonicalize, format_number, parse, quote, stringify, write_quoted_units,
    };
    use super::*;

    const HASH_1: &str = "e2885f3d749f2b9ef11aa4c4436674180b7d0b5714bf8927dc866a3994d0d5d2";
    const HASH_2: &str = "e7bc4b7f23d9ea29188133232d660172f79a688510fd27bdd915ec500c68e23a";
    const METADATA_2: &str = r#"{"zeta":1.50,"amount":100,"currency":"EUR","Big":1e21,"nested":{"b":[3,{"y":true,"x":null}],"a":"é"}}"#;

    fn entry_1() -> AuditEntry {
        AuditEntry {
            id: "alog_01J0000000000000000000000E".into(),
            agent_id: "ag_01J0000000000000000000000A".into(),
            agent_did: "did:grantex:ag_01J0000000000000000000000A".into(),
            grant_id: "grnt_01J0000000000000000000000G".into(),
            principal_id: "user_abc123".into(),
            developer_id: "dev_01J0000000000000000000000D".into(),
            action: "email.read".into(),
            metadata: JsValue::empty_object(),
            hash: HASH_1.into(),
            prev_hash: None,
            timestamp: "2026-01-01T00:00:00.000Z".into(),
            status: "success".into(),
        }
    }

    fn entry_2() -> AuditEntry {
        AuditEntry {
            id: "alog_01J0000000000000000000000F".into(),
            action: "payments.initiate".into(),
            metadata: parse(METADATA_2).unwrap(),
            hash: HASH_2.into(),
            prev_hash: Some(HASH_1.into()),
            timestamp: "2026-01-01T00:00:01.250Z".into(),
            status: "blocked".into(),
            ..entry_1()
        }
    }

    #[test]
    fn audit_spec_worked_example() {
        assert_eq!(entry_hash(&entry_1()), HASH_1);
        assert_eq!(
            canonicalize(&parse(METADATA_2).unwrap()),
            r#"{"Big":1e+21,"amount":100,"currency":"EUR","nested":{"a":"é","b":[3,{"x":null,"y":true}]},"zeta":1.5}"#
        );
        assert_eq!(entry_hash(&entry_2()), HASH_2);
        let without_metadata = AuditEntry {
            metadata: JsValue::Null,
            ..entry_2()
        };
        assert_eq!(
            entry_hash_with_metadata_text(&without_metadata, METADATA_2).unwrap(),
            HASH_2
        );
        assert_eq!(
            preimage(&entry_1(), Layout::Current),
            concat!(
                r#"{"id":"alog_01J0000000000000000000000E","agentId":"ag_01J0000000000000000000000A","#,
                r#""agentDid":"did:grantex:ag_01J0000000000000000000000A","grantId":"grnt_01J0000000000000000000000G","#,
                r#""principalId":"user_abc123","developerId":"dev_01J0000000000000000000000D","action":"email.read","#,
                r#""metadata":{},"timestamp":"2026-01-01T00:00:00.000Z","prevHash":null,"status":"success"}"#
            )
        );
        assert_eq!(verify_chain(&[entry_1(), entry_2()]), valid_report(2));
    }

    #[test]
    fn audit_serde_wire_form() {
        let wire = serde_json::to_value(entry_2()).unwrap();
        assert_eq!(wire["entryId"], "alog_01J0000000000000000000000F");
        assert_eq!(wire["prevHash"], HASH_1);
        assert_eq!(wire["metadata"]["amount"], 100);
        assert_eq!(wire["metadata"]["zeta"], 1.5);
        let back: AuditEntry = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(entry_hash(&back), HASH_2);

        // The serde path and the exact path agree on the worked example and on the aliases and defaults.
        let text = r#"{"id":"alog_01J0000000000000000000000E","agentId":"ag_01J0000000000000000000000A",
            "agentDid":"did:grantex:ag_01J0000000000000000000000A","grantId":"grnt_01J0000000000000000000000G",
            "principalId":"user_abc123","developerId":"dev_01J0000000000000000000000D","action":"email.read",
            "metadata":null,"hash":"x","previousHash":null,"timestamp":"2026-01-01T00:00:00.000Z"}"#;
        let via_serde: AuditEntry = serde_json::from_str(text).unwrap();
        let exact = AuditEntry::from_json(text).unwrap();
        assert_eq!(via_serde, exact);
        assert_eq!(exact.status, "success");
        assert_eq!(entry_hash(&exact), HASH_1);
        let absent = text.replace(r#""metadata":null,"#, "");
        assert_eq!(entry_hash(&AuditEntry::from_json(&absent).unwrap()), HASH_1);
        assert_eq!(
            entry_hash(&serde_json::from_str::<AuditEntry>(&absent).unwrap()),
            HASH_1
        );
    }

    #[test]
    fn audit_entry_parse_errors() {
        let good = serde_json::to_string(&entry_1()).unwrap();
        assert!(AuditEntry::from_json(&good).is_ok());
        for bad in [
            good.replace(r#""action":"email.read""#, r#""action":1"#),
            good.replace(r#""action":"email.read","#, ""),
            good.replace(r#""action":"email.read""#, r#""action":"\ud800""#),
            good.replace(
                r#""prevHash":null"#,
                r#""prevHash":null,"previousHash":null"#,
            ),
            good.replace(r#""entryId""#, r#""id":"a","entryId""#),
            good.replace(r#""prevHash":null"#, r#""prevHash":5"#),
            "[]".to_owned(),
            "{".to_owned(),
        ] {
            assert_eq!(
                AuditEntry::from_json(&bad).unwrap_err().code,
                ErrorCode::InvalidInput,
                "{bad}"
            );
        }
        assert_eq!(
            parse_entries("{}").unwrap_err().code,
            ErrorCode::InvalidInput
        );
        assert_eq!(
            verify_chain_json("[1]").unwrap_err().code,
            ErrorCode::InvalidInput
        );
        assert_eq!(verify_chain_json("[]").unwrap(), valid_report(0));
    }

    #[test]
    fn audit_j_escaping() {
        let table: &[(&str, &str)] = &[
            ("", r#""""#),
            ("plain", r#""plain""#),
            ("\"", r#""\"""#),
            ("\\", r#""\\""#),
            ("/", r#""/""#),
            ("\u{8}\t\n\u{c}\r", r#""\b\t\n\f\r""#),
            ("\u{0}\u{1}\u{b}\u{1f}", r#""\u0000\u0001\u000b\u001f""#),
            ("\u{7f}", "\"\u{7f}\""),
            ("é€😀", "\"é€😀\""),
            ("\u{2028}\u{2029}", "\"\u{2028}\u{2029}\""),
            ("<script>&'", r#""<script>&'""#),
        ];
        for (input, expected) in table {
            assert_eq!(quote(input), *expected, "{input:?}");
            let mut out = String::new();
            write_quoted_units(&mut out, &input.encode_utf16().collect::<Vec<_>>());
            assert_eq!(out, *expected);
        }
        let units_table: &[(&[u16], &str)] = &[
            (&[0xD800], r#""\ud800""#),
            (&[0xDC00, 0x78], r#""\udc00x""#),
            (&[0xDE00, 0xD83D], r#""\ude00\ud83d""#),
            (&[0xD83D, 0xDE00], "\"😀\""),
            (&[0xD83D, 0xD83D, 0xDE00], "\"\\ud83d😀\""),
        ];
        for (units, expected) in units_table {
            let mut out = String::new();
            write_quoted_units(&mut out, units);
            assert_eq!(out, *expected);
        }
    }

    #[test]
    fn audit_number_formatting() {
        let table: &[(&str, &str)] = &[
            ("1.50", "1.5"),
            ("100.0", "100"),
            ("100", "100"),
            ("1e21", "1e+21"),
            ("1E21", "1e+21"),
            ("1e20", "100000000000000000000"),
            ("0.000001", "0.000001"),
            ("1e-7", "1e-7"),
            ("2.5e-7", "2.5e-7"),
            ("123e-20", "1.23e-18"),
            ("-0", "0"),
            ("-0.0", "0"),
            ("-1e-400", "0"),
            ("0.1", "0.1"),
            ("0.30000000000000004", "0.30000000000000004"),
            ("9007199254740993", "9007199254740992"),
            ("12345678901234567890", "12345678901234567000"),
            ("123456789012345678901234567890", "1.2345678901234568e+29"),
            ("5e-324", "5e-324"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("-1.5e300", "-1.5e+300"),
            ("1E400", "null"),
            ("-1e400", "null"),
            ("0.1e1", "1"),
            ("-12.75", "-12.75"),
        ];
        for (literal, expected) in table {
            assert_eq!(
                canonicalize(&parse(literal).unwrap()),
                *expected,
                "{literal}"
            );
            assert_eq!(stringify(&parse(literal).unwrap()), *expected, "{literal}");
        }
        assert_eq!(format_number(f64::NAN), "null");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(1e21), "1e+21");
    }

    #[test]
    fn audit_keys_sorted_by_utf16_units() {
        // U+1F600 is D83D DE00 in UTF-16, so it sorts before U+E000; in UTF-8 bytes (F0… vs EE…) it is after.
        let value =
            parse("{\"\u{e000}\":1,\"\u{1f600}\":2,\"a\":3,\"B\":4,\"\":5,\"10\":6,\"2\":7}")
                .unwrap();
        assert_eq!(
            canonicalize(&value),
            "{\"\":5,\"10\":6,\"2\":7,\"B\":4,\"a\":3,\"\u{1f600}\":2,\"\u{e000}\":1}"
        );
        let mut bytes = ["\u{e000}", "\u{1f600}"];
        bytes.sort_unstable();
        assert_eq!(bytes, ["\u{e000}", "\u{1f600}"]);
        assert!(JsString::from("\u{1f600}") < JsString::from("\u{e000}"));
        // Escaped and raw spellings of the same key are the same key.
        assert_eq!(
            canonicalize(&parse(r#"{"\ud83d\ude00":1,"\u00e9":2}"#).unwrap()),
            "{\"é\":2,\"😀\":1}"
        );
    }

    #[test]
    fn audit_duplicate_keys_keep_last() {
        let value = parse(r#"{"a":1,"b":2,"a":{"z":1,"z":[3]}}"#).unwrap();
        assert_eq!(canonicalize(&value), r#"{"a":{"z":[3]},"b":2}"#);
        // JSON.stringify(JSON.parse(...)): first position, last value; array indices first, ascending.
        assert_eq!(stringify(&value), r#"{"a":{"z":[3]},"b":2}"#);
        let order = parse(
            r#"{"b":1,"10":2,"a":3,"2":4,"01":5,"4294967295":6,"4294967294":7,"-1":8,"b":9}"#,
        )
        .unwrap();
        assert_eq!(
            stringify(&order),
            r#"{"2":4,"10":2,"4294967294":7,"b":9,"a":3,"01":5,"4294967295":6,"-1":8}"#
        );
        assert_eq!(
            value.get("a"),
            Some(&JsValue::Object(vec![
                (JsString::from("z"), JsValue::Number(1.0)),
                (
                    JsString::from("z"),
                    JsValue::Array(vec![JsValue::Number(3.0)])
                )
            ]))
        );
        // The wire (serde) form shows the JavaScript view, not the duplicates.
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            r#"{"a":{"z":[3]},"b":2}"#
        );
    }

    #[test]
    fn audit_lone_surrogates_survive() {
        let text = r#"{"s":"\ud800","t":"\uDC00x","pair":"\uD83D\uDE00","k\udfff":true}"#;
        let value = parse(text).unwrap();
        assert_eq!(
            canonicalize(&value),
            "{\"k\\udfff\":true,\"pair\":\"😀\",\"s\":\"\\ud800\",\"t\":\"\\udc00x\"}"
        );
        // serde strings cannot hold them: replaced, never a panic.
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            "{\"s\":\"\u{fffd}\",\"t\":\"\u{fffd}x\",\"pair\":\"😀\",\"k\u{fffd}\":true}"
        );
        // serde_json refuses lone surrogates outright; the exact path is the one to use.
        assert!(serde_json::from_str::<JsValue>(text).is_err());
    }

    #[test]
    fn audit_parser_is_strict() {
        for bad in [
            "",
            " ",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "{a:1}",
            "'a'",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "+1",
            "NaN",
            "Infinity",
            "tru",
            "nul",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\u12G4\"",
            "\"a\u{1}\"",
            "\"open",
            "1 2",
            "[1]]",
            "/*c*/1",
            "\u{feff}1",
            "\u{a0}1",
        ] {
            assert_eq!(
                parse(bad).unwrap_err().code,
                ErrorCode::InvalidInput,
                "{bad:?}"
            );
        }
        for good in [
            " \t\r\n1 ",
            "\"\\/\"",
            "[]",
            "{}",
            "[[],{}]",
            "-0",
            "0e0",
            "0E+1",
            "1e-1",
        ] {
            assert!(parse(good).is_ok(), "{good:?}");
        }
        let deep_ok = format!("{}{}", "[".repeat(MAX), "]".repeat(MAX));
        assert!(parse(&deep_ok).is_ok());
        let too_deep = format!("{}{}", "[".repeat(MAX + 1), "]".repeat(MAX + 1));
        assert_eq!(parse(&too_deep).unwrap_err().code, ErrorCode::InvalidInput);
        let unbalanced = "{\"a\":".repeat(100_000);
        assert!(parse(&unbalanced).is_err());
    }
    const MAX: usize = canonical::MAX_DEPTH;

    fn valid_report(n: usize) -> ChainReport {
        ChainReport {
            valid: true,
            checked_entries: n,
            first_broken_at: None,
            first_broken_index: None,
            reason: None,
        }
    }

    #[test]
    fn audit_chain_breaks() {
        assert_eq!(verify_chain(&[]), valid_report(0));
        assert!(verify_chain(&[]).ensure_valid().is_ok());

        let tampered = AuditEntry {
            action: "payments.refund".into(),
            ..entry_2()
        };
        let report = verify_chain(&[entry_1(), tampered]);
        assert_eq!(
            report,
            ChainReport {
                valid: false,
                checked_entries: 1,
                first_broken_at: Some("alog_01J0000000000000000000000F".into()),
                first_broken_index: Some(1),
                reason: Some(BreakReason::Content),
            }
        );
        assert_eq!(
            report.ensure_valid().unwrap_err().code,
            ErrorCode::BrokenChain
        );
        assert_eq!(
            serde_json::to_string(&report).unwrap(),
            r#"{"valid":false,"checkedEntries":1,"firstBrokenAt":"alog_01J0000000000000000000000F","firstBrokenIndex":1,"reason":"content"}"#
        );

        // A third entry, correctly hashed, but linked to entry 1: a link break at index 2.
        let mut third = AuditEntry {
            id: "alog_01J0000000000000000000000H".into(),
            prev_hash: Some(HASH_1.into()),
            timestamp: "2026-01-01T00:00:02.000Z".into(),
            ..entry_1()
        };
        third.hash = entry_hash(&third);
        let report = verify_chain(&[entry_1(), entry_2(), third.clone()]);
        assert_eq!(
            (report.valid, report.first_broken_index, report.reason),
            (false, Some(2), Some(BreakReason::Link))
        );
        assert_eq!(report.checked_entries, 2);
        assert_eq!(serde_json::to_value(&report).unwrap()["reason"], "link");

        // Relinked and rehashed, it verifies; a window that starts mid-chain verifies too.
        third.prev_hash = Some(HASH_2.into());
        third.hash = entry_hash(&third);
        assert_eq!(
            verify_chain(&[entry_1(), entry_2(), third.clone()]),
            valid_report(3)
        );
        assert_eq!(verify_chain(&[entry_2(), third]), valid_report(2));

        // A first entry whose hash is wrong breaks at index 0.
        let report = verify_chain(&[AuditEntry {
            hash: HASH_2.into(),
            ..entry_1()
        }]);
        assert_eq!(
            (
                report.checked_entries,
                report.first_broken_index,
                report.reason
            ),
            (0, Some(0), Some(BreakReason::Content))
        );
    }

    #[test]
    fn audit_legacy_layouts() {
        let metadata = parse(r#"{"b":1,"a":[{"y":2,"x":1}]}"#).unwrap();
        let mut a = AuditEntry {
            metadata: metadata.clone(),
            ..entry_1()
        };
        let pre_a = preimage(&a, Layout::LegacyA);
        assert!(pre_a.ends_with(r#","metadata":{"b":1,"a":[{"y":2,"x":1}]},"timestamp":"2026-01-01T00:00:00.000Z","previousHash":null}"#));
        a.hash = sha256_hex(&pre_a);
        assert_eq!(matching_layout(&a), Some(Layout::LegacyA));

        let mut b = AuditEntry {
            metadata,
            prev_hash: Some(a.hash.clone()),
            ..entry_2()
        };
        let pre_b = preimage(&b, Layout::LegacyB);
        assert!(pre_b.contains(r#""metadata":{"b":1,"a":[{"y":2,"x":1}]},"timestamp""#));
        assert!(pre_b.ends_with(r#","status":"blocked"}"#));
        b.hash = sha256_hex(&pre_b);
        assert_eq!(matching_layout(&b), Some(Layout::LegacyB));
        assert_eq!(matching_layout(&entry_2()), Some(Layout::Current));
        let chain = [a, b];
        assert_eq!(verify_chain(&chain), valid_report(2));
        let strict = verify_chain_with(&chain, &[Layout::Current]);
        assert_eq!(
            (strict.first_broken_index, strict.reason),
            (Some(0), Some(BreakReason::Content))
        );
        assert_eq!(
            verify_chain_with(&[entry_1(), entry_2()], &[Layout::Current]),
            valid_report(2)
        );
        assert_eq!(verify_chain_with(&[], &[]), valid_report(0));
    }

    /// Runs every case of the shared vector file, exactly as each binding must.
    #[test]
    fn audit_vectors() {
        let file = parse(include_str!("../../tests/vectors/audit.json")).unwrap();
        assert_eq!(file.get("version"), Some(&JsValue::Number(1.0)));
        let Some(JsValue::Array(cases)) = file.get("cases") else {
            panic!("no cases")
        };
        let (mut chains, mut hashes) = (0, 0);
        for case in cases {
            let Some(JsValue::String(name)) = case.get("name") else {
                panic!("case without a name")
            };
            let name = name.to_string_lossy();
            if let Some(JsValue::Array(entries)) = case.get("entries") {
                let entries: Vec<AuditEntry> = entries
                    .iter()
                    .map(|e| AuditEntry::from_js(e).unwrap())
                    .collect();
                let expected: ChainReport = serde_json::from_value(
                    serde_json::to_value(case.get("expected").unwrap()).unwrap(),
                )
                .unwrap();
                assert_eq!(verify_chain(&entries), expected, "{name}");
                chains += 1;
            }
            if let Some(JsValue::Array(hash_cases)) = case.get("entryHashCases") {
                for hash_case in hash_cases {
                    let entry = AuditEntry::from_js(hash_case.get("entry").unwrap()).unwrap();
                    let layout: Layout = serde_json::from_value(
                        serde_json::to_value(hash_case.get("layout").unwrap()).unwrap(),
                    )
                    .unwrap();
                    let text = |key: &str| match hash_case.get(key) {
                        Some(JsValue::String(s)) => s.to_rust_string().unwrap(),
                        _ => panic!("{name}: {key} missing"),
                    };
                    assert_eq!(
                        canonicalize(&entry.metadata),
                        text("canonicalMetadata"),
                        "{name}/{}",
                        entry.id
                    );
                    assert_eq!(
                        preimage(&entry, layout),
                        text("preimage"),
                        "{name}/{}",
                        entry.id
                    );
                    assert_eq!(
                        layout_hash(&entry, layout),
                        text("hash"),
                        "{name}/{}",
                        entry.id
                    );
                    assert_eq!(entry.hash, text("hash"));
                    assert_eq!(matching_layout(&entry), Some(layout), "{name}/{}", entry.id);
                    hashes += 1;
                }
            }
        }
        assert!(
            chains >= 10 && hashes >= 6,
            "{chains} chain cases, {hashes} hash cases"
        );
        // The worked example is the ground truth the file was generated against.
        let text = include_str!("../../tests/vectors/audit.json");
        assert!(text.contains(HASH_1) && text.contains(HASH_2));
    }
}
