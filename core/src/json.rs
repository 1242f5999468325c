//! Strict JSON for JOSE objects.
//!
//! RFC 7515 §5.2 lets a JWS parser either reject duplicate member names or keep the last one. Keeping the
//! last one lets two parsers disagree about the same bytes (one library sees the first `alg`, another the
//! last), so this core rejects duplicates at every depth. serde_json's `Value` silently keeps the last
//! member, hence this small visitor; the hot grant-token path uses its own single-pass visitor instead
//! (see `grant.rs`).

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Parses `bytes` as a JSON object, rejecting duplicate member names at any depth.
///
/// The error string explains what is wrong; callers wrap it in the error code of their context.
pub fn parse_object_strict(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictValue
        .deserialize(&mut de)
        .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err("expected a JSON object".to_owned()),
    }
}

/// Parses any JSON value, rejecting duplicate member names at any depth.
pub fn parse_value_strict(bytes: &[u8]) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictValue
        .deserialize(&mut de)
        .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(value)
}

/// A `DeserializeSeed` producing a `serde_json::Value` that fails on duplicate member names.
#[derive(Clone, Copy)]
pub struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictValue)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(StrictValue)?;
            match out.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(slot) => {
                    return Err(de::Error::custom(format_args!(
                        "duplicate member name {:?}",
                        slot.key()
                    )));
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// Walks a JSON value only to reject duplicate member names, without building anything.
///
/// Used for claims the fast path does not interpret (unknown members must still be duplicate-free).
#[derive(Clone, Copy)]
pub struct RejectDuplicates;

impl<'de> DeserializeSeed<'de> for RejectDuplicates {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(RejectDuplicatesVisitor)
    }
}

struct RejectDuplicatesVisitor;

impl<'de> Visitor<'de> for RejectDuplicatesVisitor {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(RejectDuplicates)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        reject_duplicate_members(map)
    }
}

/// Consumes a JSON object from a serde `MapAccess`, failing on duplicate member names at any depth.
pub fn reject_duplicate_members<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    let mut seen: Vec<Text<'de>> = Vec::new();
    while let Some(key) = map.next_key::<Text<'de>>()? {
        if seen.contains(&key) {
            return Err(de::Error::custom(format_args!(
                "duplicate member name {key:?}"
            )));
        }
        map.next_value_seed(RejectDuplicates)?;
        seen.push(key);
    }
    Ok(())
}

/// A JSON string that borrows from the input when it has no escapes and owns a copy otherwise.
///
/// serde's own `Cow<str>` always allocates, and member names and short header values are parsed on every
/// verification, so the hot paths use this instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'de>(pub std::borrow::Cow<'de, str>);

impl<'de> Text<'de> {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(std::borrow::Cow::Owned(v)))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_rejected_at_every_depth() {
        assert!(parse_object_strict(br#"{"a":1,"b":{"c":[{"d":1}]}}"#).is_ok());
        assert!(parse_object_strict(br#"{"a":1,"a":2}"#).is_err());
        assert!(parse_object_strict(br#"{"a":{"b":1,"b":1}}"#).is_err());
        assert!(parse_object_strict(br#"{"a":[{"b":1,"b":1}]}"#).is_err());
        // Escaped spelling of the same name is still the same name.
        assert!(parse_object_strict(br#"{"a":1,"\u0061":2}"#).is_err());
        assert!(parse_object_strict(b"[1]").is_err());
        assert!(parse_object_strict(b"{} x").is_err());
    }
}
