//! ECMAScript-compatible JSON for the audit hash chain (PROTOCOL.md §8.3).
//!
//! The audit hash was defined by a JavaScript server, so the bytes it covers are whatever `JSON.parse`
//! followed by `JSON.stringify` (or the canonical form `C`) produce in JavaScript. Reproducing those bytes
//! needs three things that `serde_json::Value` loses:
//!
//! * **duplicate member names** — `JSON.parse` keeps the *last* value (at the position of the first
//!   occurrence), so `{"a":1,"a":2}` hashes as `{"a":2}`; serde_json's `Value` agrees on the value but its
//!   `Map` forgets the original order, which the legacy layouts need;
//! * **lone UTF-16 surrogates** — `"\ud800"` is a legal JavaScript string and `JSON.stringify` writes it back
//!   as `\ud800`; a Rust `String` cannot hold it and serde_json rejects it;
//! * **correctly rounded doubles** — JavaScript parses every number literal to the nearest double, and
//!   serde_json's default float parser is not correctly rounded for every input.
//!
//! Hence [`parse`], a strict RFC 8259 parser (the grammar `JSON.parse` accepts) into [`JsValue`], whose
//! strings are UTF-16 code units and whose numbers are `f64` parsed by the standard library (correctly
//! rounded, like ECMAScript's `StringToNumber`).

use crate::error::{Error, ErrorCode, Result};
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};

/// Nesting limit of [`parse`]. JavaScript engines have no fixed limit, only their stack; a parser that
/// recurses needs one, and no legitimate audit metadata comes close.
pub const MAX_DEPTH: usize = 256;

/// A JavaScript string: a sequence of UTF-16 code units, possibly containing lone surrogates.
///
/// The derived ordering compares code units, which is exactly JavaScript's `<` on strings (and the order
/// `Array.prototype.sort` uses), not Rust's byte/code-point order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct JsString(Vec<u16>);

impl JsString {
    /// Wraps UTF-16 code units as they are, lone surrogates included.
    pub fn from_units(units: Vec<u16>) -> Self {
        JsString(units)
    }

    /// The UTF-16 code units.
    pub fn units(&self) -> &[u16] {
        &self.0
    }

    /// The string as Rust text, or `None` when it contains a lone surrogate.
    pub fn to_rust_string(&self) -> Option<String> {
        String::from_utf16(&self.0).ok()
    }

    /// The string as Rust text, lone surrogates replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf16_lossy(&self.0)
    }

    /// Whether the string equals the Rust text `s`.
    pub fn eq_str(&self, s: &str) -> bool {
        self.0.iter().copied().eq(s.encode_utf16())
    }
}

impl From<&str> for JsString {
    fn from(s: &str) -> Self {
        JsString(s.encode_utf16().collect())
    }
}

/// A JSON value as JavaScript's `JSON.parse` sees it.
///
/// Object members are kept in source order **with duplicates**; the JavaScript view (last value wins, at
/// the first position) is applied when serializing, so that both the canonical and the insertion-order
/// layouts can be reproduced from one parse.
#[derive(Debug, Clone, PartialEq)]
pub enum JsValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as the double JavaScript would parse it to (so `1e400` is infinite).
    Number(f64),
    /// A string.
    String(JsString),
    /// An array.
    Array(Vec<JsValue>),
    /// An object: members in source order, duplicate names included.
    Object(Vec<(JsString, JsValue)>),
}

impl Default for JsValue {
    /// `{}`: the metadata of an entry that has none (PROTOCOL.md §8.3).
    fn default() -> Self {
        JsValue::empty_object()
    }
}

impl JsValue {
    /// `{}`.
    pub fn empty_object() -> Self {
        JsValue::Object(Vec::new())
    }

    /// Parses JSON text with `JSON.parse` semantics; see [`parse`].
    pub fn parse(text: &str) -> Result<Self> {
        parse(text)
    }

    /// `C(v)`, the canonical form of PROTOCOL.md §8.3; see [`canonicalize`].
    pub fn canonical_json(&self) -> String {
        canonicalize(self)
    }

    /// `JSON.stringify` of this value as `JSON.parse` would have built it; see [`stringify()`].
    pub fn js_stringify(&self) -> String {
        stringify(self)
    }

    /// The value of member `name` as JavaScript sees it (the last duplicate), if this is an object.
    pub fn get(&self, name: &str) -> Option<&JsValue> {
        match self {
            JsValue::Object(members) => members
                .iter()
                .rev()
                .find(|(k, _)| k.eq_str(name))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

impl From<&serde_json::Value> for JsValue {
    fn from(value: &serde_json::Value) -> Self {
        match value {
            serde_json::Value::Null => JsValue::Null,
            serde_json::Value::Bool(b) => JsValue::Bool(*b),
            serde_json::Value::Number(n) => JsValue::Number(number_to_f64(n)),
            serde_json::Value::String(s) => JsValue::String(JsString::from(s.as_str())),
            serde_json::Value::Array(items) => {
                JsValue::Array(items.iter().map(JsValue::from).collect())
            }
            serde_json::Value::Object(map) => JsValue::Object(
                map.iter()
                    .map(|(k, v)| (JsString::from(k.as_str()), JsValue::from(v)))
                    .collect(),
            ),
        }
    }
}

// `as` from an integer rounds to the nearest double (ties to even), which is what JavaScript does with the
// decimal literal, so integers beyond 2^53 lose precision exactly as they would there.
#[allow(clippy::cast_precision_loss)]
fn number_to_f64(n: &serde_json::Number) -> f64 {
    if let Some(u) = n.as_u64() {
        u as f64
    } else if let Some(i) = n.as_i64() {
        i as f64
    } else {
        n.as_f64().unwrap_or(f64::NAN)
    }
}

// ---------------------------------------------------------------------------------------------------------
// J(x): JSON.stringify of a string
// ---------------------------------------------------------------------------------------------------------

/// `J(s)`: ECMAScript `JSON.stringify` of a string (PROTOCOL.md §8.3).
///
/// `"` and `\` are escaped, U+0008/09/0A/0C/0D use their short escapes, the other C0 controls become
/// `\u00xx` (lower-case hex); everything else, `/`, non-ASCII and U+2028/U+2029 included, is written raw.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_quoted(&mut out, s);
    out
}

/// Appends `J(s)` to `out`.
pub fn write_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        write_char(out, c);
    }
    out.push('"');
}

/// Appends `J(s)` for a JavaScript string, writing each lone surrogate as `\udxxx` (lower-case hex), as
/// well-formed `JSON.stringify` (ES2019) does.
pub fn write_quoted_units(out: &mut String, units: &[u16]) {
    out.push('"');
    for decoded in char::decode_utf16(units.iter().copied()) {
        match decoded {
            Ok(c) => write_char(out, c),
            Err(lone) => {
                let _ = write!(out, "\\u{:04x}", lone.unpaired_surrogate());
            }
        }
    }
    out.push('"');
}

fn write_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\u{8}' => out.push_str("\\b"),
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\u{c}' => out.push_str("\\f"),
        '\r' => out.push_str("\\r"),
        c if u32::from(c) < 0x20 => {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        }
        c => out.push(c),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------------------

/// A number as `JSON.stringify` writes it: ECMAScript `Number.prototype.toString` (shortest round-trip
/// digits: `1.5`, `100`, `1e+21`, `0.000001`, `1e-7`), `-0` as `0`, and non-finite values as `null`.
pub fn format_number(x: f64) -> String {
    let mut out = String::new();
    write_number(&mut out, x);
    out
}

/// Appends [`format_number`]`(x)` to `out`.
pub fn write_number(out: &mut String, x: f64) {
    if !x.is_finite() {
        // JSON.stringify(Infinity) is "null"; `1e400` in the input parses to Infinity.
        out.push_str("null");
    } else if x == 0.0 {
        // Covers -0, which Number.prototype.toString prints as "0".
        out.push('0');
    } else {
        let mut buffer = ryu_js::Buffer::new();
        out.push_str(buffer.format_finite(x));
    }
}

// ---------------------------------------------------------------------------------------------------------
// C(v) and JSON.stringify
// ---------------------------------------------------------------------------------------------------------

/// `C(v)`: the canonical JSON of PROTOCOL.md §8.3.
///
/// Object members are de-duplicated as `JSON.parse` does (last value wins) and sorted by UTF-16 code units;
/// arrays keep their order; strings use [`write_quoted_units`]; numbers [`write_number`]; no whitespace.
/// (`undefined` members, which the JavaScript original drops, cannot arise from JSON text.)
pub fn canonicalize(value: &JsValue) -> String {
    let mut out = String::new();
    write_canonical(&mut out, value);
    out
}

/// Appends `C(value)` to `out`.
pub fn write_canonical(out: &mut String, value: &JsValue) {
    match value {
        JsValue::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        JsValue::Object(members) => {
            // A BTreeMap keyed by code units sorts exactly like JS `<`, and insert() overwriting keeps the last
            // duplicate, like JSON.parse.
            let sorted: BTreeMap<&[u16], &JsValue> =
                members.iter().map(|(k, v)| (k.units(), v)).collect();
            out.push('{');
            for (i, (key, member)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_quoted_units(out, key);
                out.push(':');
                write_canonical(out, member);
            }
            out.push('}');
        }
        scalar => write_scalar(out, scalar),
    }
}

/// `JSON.stringify(JSON.parse(text))` for the text `value` was parsed from: the insertion-order layout of the
/// legacy audit hashes (PROTOCOL.md §8.5).
///
/// Members follow JavaScript's own-property order: array-index names (`"0"`…`"4294967294"`, no leading
/// zeros) first in ascending numeric order, then the other names in order of first appearance; a duplicate
/// keeps its first position and its last value.
pub fn stringify(value: &JsValue) -> String {
    let mut out = String::new();
    write_stringify(&mut out, value);
    out
}

/// Appends [`stringify()`]`(value)` to `out`.
pub fn write_stringify(out: &mut String, value: &JsValue) {
    match value {
        JsValue::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_stringify(out, item);
            }
            out.push(']');
        }
        JsValue::Object(members) => {
            out.push('{');
            for (i, (key, member)) in js_property_order(members).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_quoted_units(out, key.units());
                out.push(':');
                write_stringify(out, member);
            }
            out.push('}');
        }
        scalar => write_scalar(out, scalar),
    }
}

fn write_scalar(out: &mut String, value: &JsValue) {
    match value {
        JsValue::Null => out.push_str("null"),
        JsValue::Bool(true) => out.push_str("true"),
        JsValue::Bool(false) => out.push_str("false"),
        JsValue::Number(x) => write_number(out, *x),
        JsValue::String(s) => write_quoted_units(out, s.units()),
        // Containers are handled by the callers; writing them compactly keeps this total.
        JsValue::Array(_) | JsValue::Object(_) => write_canonical(out, value),
    }
}

/// The members of a parsed object in the order JavaScript enumerates them, duplicates resolved.
fn js_property_order(members: &[(JsString, JsValue)]) -> Vec<(&JsString, &JsValue)> {
    let mut ordered: Vec<(&JsString, &JsValue)> = Vec::with_capacity(members.len());
    let mut position: HashMap<&[u16], usize> = HashMap::with_capacity(members.len());
    for (key, value) in members {
        match position.get(key.units()) {
            Some(&i) => {
                if let Some(slot) = ordered.get_mut(i) {
                    slot.1 = value;
                }
            }
            None => {
                position.insert(key.units(), ordered.len());
                ordered.push((key, value));
            }
        }
    }
    let (mut indices, names): (Vec<_>, Vec<_>) = ordered
        .into_iter()
        .partition(|(k, _)| array_index(k.units()).is_some());
    indices.sort_by_key(|(k, _)| array_index(k.units()));
    indices.extend(names);
    indices
}

/// The value of an ECMAScript array index (a canonical decimal below 2^32 − 1), if `key` is one.
fn array_index(key: &[u16]) -> Option<u32> {
    if key.is_empty() || key.len() > 10 || (key.len() > 1 && key.first() == Some(&u16::from(b'0')))
    {
        return None;
    }
    let mut n: u64 = 0;
    for &unit in key {
        let digit = char::from_u32(u32::from(unit))?.to_digit(10)?;
        n = n * 10 + u64::from(digit);
    }
    u32::try_from(n).ok().filter(|&n| n != u32::MAX)
}

// ---------------------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------------------

/// Parses JSON text with `JSON.parse` semantics into a [`JsValue`].
///
/// Strict RFC 8259 grammar (JSON whitespace only, no trailing commas, no comments, no raw control characters
/// in strings); duplicate member names are kept for the serializers to resolve; `\u` escapes are kept as
/// code units, so lone surrogates survive; numbers are parsed to the nearest double (`1e400` is infinite and
/// serializes as `null`, as in JavaScript). Nesting deeper than [`MAX_DEPTH`] is refused.
///
/// Errors: [`ErrorCode::InvalidInput`].
pub fn parse(text: &str) -> Result<JsValue> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    parser.skip_whitespace();
    let value = parser.value(0)?;
    parser.skip_whitespace();
    if parser.pos != parser.bytes.len() {
        return Err(parser.error("unexpected data after the JSON value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> Error {
        Error::new(
            ErrorCode::InvalidInput,
            format!("invalid JSON at byte {}: {message}", self.pos),
        )
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect_literal(&mut self, literal: &str, value: JsValue) -> Result<JsValue> {
        if self.bytes.get(self.pos..self.pos + literal.len()) == Some(literal.as_bytes()) {
            self.pos += literal.len();
            Ok(value)
        } else {
            Err(self.error("unexpected character"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<JsValue> {
        match self.peek() {
            None => Err(self.error("unexpected end of input")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(JsValue::String(self.string()?)),
            Some(b't') => self.expect_literal("true", JsValue::Bool(true)),
            Some(b'f') => self.expect_literal("false", JsValue::Bool(false)),
            Some(b'n') => self.expect_literal("null", JsValue::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn check_depth(&self, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            Err(self.error("nesting too deep"))
        } else {
            Ok(())
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsValue> {
        self.check_depth(depth)?;
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(JsValue::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a member name"));
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            self.pos += 1;
            self.skip_whitespace();
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(JsValue::Object(members));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsValue> {
        self.check_depth(depth)?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(JsValue::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(JsValue::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<JsValue> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number: no digits after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number: no exponent digits"));
            }
        }
        // The grammar checked above is a subset of what f64::from_str accepts, and the standard library
        // rounds correctly, as ECMAScript's StringToNumber does.
        let literal = self
            .text
            .get(start..self.pos)
            .ok_or_else(|| self.error("invalid number"))?;
        literal
            .parse::<f64>()
            .map(JsValue::Number)
            .map_err(|_| self.error("invalid number"))
    }

    fn hex4(&mut self) -> Result<u16> {
        let mut unit: u16 = 0;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|b| char::from(b).to_digit(16))
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            // Four hex digits always fit in 16 bits.
            unit =
                (unit << 4) | u16::try_from(digit).map_err(|_| self.error("invalid \\u escape"))?;
            self.pos += 1;
        }
        Ok(unit)
    }

    fn string(&mut self) -> Result<JsString> {
        self.pos += 1;
        let mut units: Vec<u16> = Vec::new();
        let mut run_start = self.pos;
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.flush_run(&mut units, run_start)?;
                    self.pos += 1;
                    return Ok(JsString(units));
                }
                Some(b'\\') => {
                    self.flush_run(&mut units, run_start)?;
                    self.pos += 1;
                    let escape = self.peek();
                    self.pos += 1;
                    let unit = match escape {
                        Some(b'"') => u16::from(b'"'),
                        Some(b'\\') => u16::from(b'\\'),
                        Some(b'/') => u16::from(b'/'),
                        Some(b'b') => 0x08,
                        Some(b'f') => 0x0c,
                        Some(b'n') => 0x0a,
                        Some(b'r') => 0x0d,
                        Some(b't') => 0x09,
                        Some(b'u') => self.hex4()?,
                        _ => return Err(self.error("invalid escape")),
                    };
                    units.push(unit);
                    run_start = self.pos;
                }
                Some(byte) if byte < 0x20 => return Err(self.error("control character in string")),
                Some(_) => self.pos += 1,
            }
        }
    }

    /// Appends the unescaped text since `run_start`. Runs end only at ASCII bytes, so they are whole
    /// characters of the (already valid UTF-8) input.
    fn flush_run(&self, units: &mut Vec<u16>, run_start: usize) -> Result<()> {
        let run = self
            .text
            .get(run_start..self.pos)
            .ok_or_else(|| self.error("internal: split character"))?;
        units.extend(run.encode_utf16());
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------------
// serde
// ---------------------------------------------------------------------------------------------------------

/// Serializes the JavaScript view of the value: duplicates resolved and members in JavaScript property
/// order (what `JSON.stringify(JSON.parse(text))` would emit), integral numbers as integers, non-finite
/// numbers as `null`. serde strings cannot carry lone surrogates, so they become U+FFFD here; use
/// [`stringify()`] for an exact copy.
impl Serialize for JsValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> core::result::Result<S::Ok, S::Error> {
        match self {
            JsValue::Null => serializer.serialize_unit(),
            JsValue::Bool(b) => serializer.serialize_bool(*b),
            JsValue::Number(x) => serialize_number(*x, serializer),
            JsValue::String(s) => serializer.serialize_str(&s.to_string_lossy()),
            JsValue::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            JsValue::Object(members) => {
                let ordered = js_property_order(members);
                let mut map = serializer.serialize_map(Some(ordered.len()))?;
                for (key, value) in ordered {
                    map.serialize_entry(&key.to_string_lossy(), value)?;
                }
                map.end()
            }
        }
    }
}

// serde_json prints every f64 with a fraction or exponent ("100.0"); integral values within the exactly
// representable range go out as integers so that the wire shows what JavaScript would.
#[allow(clippy::cast_possible_truncation)]
fn serialize_number<S: Serializer>(x: f64, serializer: S) -> core::result::Result<S::Ok, S::Error> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if !x.is_finite() {
        serializer.serialize_unit()
    } else if x.fract() == 0.0 && x.abs() <= EXACT {
        serializer.serialize_i64(x as i64)
    } else {
        serializer.serialize_f64(x)
    }
}

/// Deserializes from any serde data format.
///
/// Member order and duplicates are kept as the format presents them. Through serde_json the numbers are
/// those of serde_json's float parser, which (without its `float_roundtrip` feature) is not correctly rounded
/// for every literal, and strings with lone surrogates are rejected; use [`parse`] on the JSON text when the
/// exact JavaScript result matters.
impl<'de> Deserialize<'de> for JsValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        deserializer.deserialize_any(JsValueVisitor)
    }
}

struct JsValueVisitor;

impl<'de> Visitor<'de> for JsValueVisitor {
    type Value = JsValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> core::result::Result<JsValue, E> {
        Ok(JsValue::Bool(v))
    }

    // Rounding to the nearest double is what JavaScript does with the literal.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E>(self, v: i64) -> core::result::Result<JsValue, E> {
        Ok(JsValue::Number(v as f64))
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E>(self, v: u64) -> core::result::Result<JsValue, E> {
        Ok(JsValue::Number(v as f64))
    }

    fn visit_f64<E>(self, v: f64) -> core::result::Result<JsValue, E> {
        Ok(JsValue::Number(v))
    }

    fn visit_str<E>(self, v: &str) -> core::result::Result<JsValue, E> {
        Ok(JsValue::String(JsString::from(v)))
    }

    fn visit_unit<E>(self) -> core::result::Result<JsValue, E> {
        Ok(JsValue::Null)
    }

    fn visit_none<E>(self) -> core::result::Result<JsValue, E> {
        Ok(JsValue::Null)
    }

    fn visit_some<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> core::result::Result<JsValue, D::Error> {
        JsValue::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> core::result::Result<JsValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<JsValue>()? {
            items.push(item);
        }
        Ok(JsValue::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> core::result::Result<JsValue, A::Error> {
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<JsValue>()?;
            members.push((JsString::from(key.as_str()), value));
        }
        Ok(JsValue::Object(members))
    }
}
