//! IETF Token Status List (draft-ietf-oauth-status-list): the `status_list` claim `{bits, lst}` and the
//! Status List Token (`typ: statuslist+jwt`) payload.
//!
//! `lst` is unpadded base64url (RFC 7515) of ZLIB of a byte array. With `bits` *b* ∈ {1, 2, 4, 8}, each byte
//! holds 8/*b* entries and bits are counted from the least significant one: entry *i* is
//! `(byte[i / (8/b)] >> ((i % (8/b)) · b)) & (2^b − 1)`. This is the reverse of the W3C bit order
//! ([`super::BitstringStatusList`]), so the draft's example bytes `b9 a3` mean status[0] = 1, status[1] = 0.

use serde_json::{Map, Value, json};

use super::StatusListLimits;
use super::compress::{self, Container};
use crate::error::{Error, ErrorCode, Result};

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidStatusList, message)
}

/// A decoded (or server-built) IETF Token Status List.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenStatusList {
    bytes: Vec<u8>,
    bits: u8,
    aggregation_uri: Option<String>,
}

/// The claims of a Status List Token payload that matter to a relying party, with its decoded list.
///
/// The caller verifies the JWS (`typ: statuslist+jwt`, asymmetric algorithm, trusted key) before building
/// this, and checks that `subject` equals the `uri` of the reference being resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListToken {
    /// `sub`: the URI of this Status List Token.
    pub subject: String,
    /// `iat`: when the token was issued (seconds since the epoch).
    pub issued_at: i64,
    /// `exp`: when the issuer considers the token expired, if stated.
    pub expires_at: Option<i64>,
    /// `ttl`: the longest a consumer may cache the token before refetching, in seconds, if stated.
    pub ttl: Option<u64>,
    /// The decoded `status_list` claim.
    pub list: TokenStatusList,
}

impl TokenStatusList {
    /// A new all-VALID list of `entries` entries of `bits` bits (1, 2, 4 or 8).
    pub fn new(entries: usize, bits: u8) -> Result<Self> {
        check_bits(bits)?;
        if entries == 0 {
            return Err(invalid("a status list needs at least one entry"));
        }
        let len = entries
            .checked_mul(usize::from(bits))
            .ok_or_else(|| invalid("status list size overflows"))?
            .div_ceil(8);
        if len > StatusListLimits::default().max_decompressed_bytes {
            return Err(invalid(format!(
                "a status list of {entries} entries exceeds the size limit"
            )));
        }
        Ok(TokenStatusList {
            bytes: vec![0; len],
            bits,
            aggregation_uri: None,
        })
    }

    /// Wraps an uncompressed byte array (e.g. one stored by the server).
    pub fn from_bytes(bytes: Vec<u8>, bits: u8) -> Result<Self> {
        check_bits(bits)?;
        if bytes.is_empty() {
            return Err(invalid("the status list is empty"));
        }
        Ok(TokenStatusList {
            bytes,
            bits,
            aggregation_uri: None,
        })
    }

    /// Decodes `lst` for the given `bits` under the default [`StatusListLimits`].
    pub fn decode(bits: u8, lst: &str) -> Result<Self> {
        Self::decode_with(bits, lst, &StatusListLimits::default())
    }

    /// Decodes `lst` under explicit limits. Fails with `INVALID_STATUS_LIST` when `bits` is not 1, 2, 4 or 8,
    /// `lst` is not strict unpadded base64url, the bytes are not exactly one valid ZLIB stream (Adler-32
    /// checked), the output exceeds `limits.max_decompressed_bytes`, or the list is empty.
    pub fn decode_with(bits: u8, lst: &str, limits: &StatusListLimits) -> Result<Self> {
        check_bits(bits)?;
        let compressed = compress::decode_b64_bounded(lst, limits)?;
        let bytes = compress::inflate(Container::Zlib, &compressed, limits.max_decompressed_bytes)?;
        Self::from_bytes(bytes, bits)
    }

    /// Decodes a `status_list` claim object `{bits, lst, aggregation_uri?}` under the default limits.
    pub fn from_status_list_claim(claim: &Value) -> Result<Self> {
        Self::from_status_list_claim_with(claim, &StatusListLimits::default())
    }

    /// Decodes a `status_list` claim object under explicit limits. Other members are ignored, as the draft
    /// allows.
    pub fn from_status_list_claim_with(claim: &Value, limits: &StatusListLimits) -> Result<Self> {
        let obj = claim
            .as_object()
            .ok_or_else(|| invalid("status_list is not a JSON object"))?;
        let bits = obj
            .get("bits")
            .ok_or_else(|| invalid("status_list.bits is missing"))?
            .as_u64()
            .and_then(|b| u8::try_from(b).ok())
            .ok_or_else(|| invalid("status_list.bits is not 1, 2, 4 or 8"))?;
        let lst = obj
            .get("lst")
            .ok_or_else(|| invalid("status_list.lst is missing"))?
            .as_str()
            .ok_or_else(|| invalid("status_list.lst is not a string"))?;
        let aggregation_uri = match obj.get("aggregation_uri") {
            None => None,
            Some(Value::String(uri)) => Some(uri.clone()),
            Some(_) => return Err(invalid("status_list.aggregation_uri is not a string")),
        };
        let mut list = Self::decode_with(bits, lst, limits)?;
        list.aggregation_uri = aggregation_uri;
        Ok(list)
    }

    /// Reads a verified Status List Token payload under the default limits. See
    /// [`TokenStatusList::from_jwt_payload_with`].
    pub fn from_jwt_payload(payload: &Value) -> Result<StatusListToken> {
        Self::from_jwt_payload_with(payload, &StatusListLimits::default())
    }

    /// Reads a verified Status List Token payload: `sub` (non-empty string) and `iat` (integer) are required,
    /// `exp` (integer) and `ttl` (positive integer) optional, `status_list` required. Every failure is
    /// `INVALID_STATUS_LIST`: the token is the list, and the caller cannot use any of it. Time checks are the
    /// caller's (this function has no clock); [`super::StatusListCache::insert_token`] honours `exp` and `ttl`.
    pub fn from_jwt_payload_with(
        payload: &Value,
        limits: &StatusListLimits,
    ) -> Result<StatusListToken> {
        let obj = payload
            .as_object()
            .ok_or_else(|| invalid("the status list token payload is not an object"))?;
        let subject = match obj.get("sub") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(_) => return Err(invalid("status list token `sub` is not a non-empty string")),
            None => return Err(invalid("status list token `sub` is missing")),
        };
        let issued_at =
            int_claim(obj, "iat")?.ok_or_else(|| invalid("status list token `iat` is missing"))?;
        let expires_at = int_claim(obj, "exp")?;
        let ttl = match obj.get("ttl") {
            None => None,
            Some(v) => Some(
                v.as_u64()
                    .filter(|t| *t > 0)
                    .ok_or_else(|| invalid("status list token `ttl` is not a positive integer"))?,
            ),
        };
        let claim = obj
            .get("status_list")
            .ok_or_else(|| invalid("status list token `status_list` is missing"))?;
        let list = Self::from_status_list_claim_with(claim, limits)?;
        Ok(StatusListToken {
            subject,
            issued_at,
            expires_at,
            ttl,
            list,
        })
    }

    /// Bits per entry (1, 2, 4 or 8).
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Number of entries (bytes × 8 ÷ bits).
    pub fn len(&self) -> usize {
        self.bytes.len().saturating_mul(8) / usize::from(self.bits)
    }

    /// Whether the list has no entries (never true for a decoded list).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `status_list.aggregation_uri`, if the claim had one.
    pub fn aggregation_uri(&self) -> Option<&str> {
        self.aggregation_uri.as_deref()
    }

    /// The uncompressed byte array.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The status of entry `idx` (0 VALID, 1 INVALID, 2 SUSPENDED, others application specific). Out of
    /// range → `INVALID_STATUS_LIST`.
    pub fn get(&self, idx: u64) -> Result<u8> {
        let (byte, shift) = self.locate(idx)?;
        let byte = self.bytes.get(byte).copied().unwrap_or(0);
        Ok((byte >> shift) & self.mask())
    }

    /// Sets entry `idx` to `status`; `status` must fit in `bits` bits (`INVALID_INPUT` otherwise).
    pub fn set(&mut self, idx: u64, status: u8) -> Result<()> {
        if status & !self.mask() != 0 {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("status {status} does not fit in {} bits", self.bits),
            ));
        }
        let (byte, shift) = self.locate(idx)?;
        let mask = self.mask() << shift;
        if let Some(b) = self.bytes.get_mut(byte) {
            *b = (*b & !mask) | (status << shift);
        }
        Ok(())
    }

    /// `lst`: unpadded base64url of ZLIB (highest compression) of the byte array.
    pub fn lst(&self) -> Result<String> {
        Ok(crate::b64::encode(&compress::deflate(
            Container::Zlib,
            &self.bytes,
        )?))
    }

    /// The `status_list` claim object `{"bits": …, "lst": …}` (plus `aggregation_uri` when set).
    pub fn to_status_list_claim(&self) -> Result<Value> {
        let mut claim = json!({ "bits": self.bits, "lst": self.lst()? });
        if let (Some(uri), Some(obj)) = (&self.aggregation_uri, claim.as_object_mut()) {
            obj.insert("aggregation_uri".to_owned(), Value::String(uri.clone()));
        }
        Ok(claim)
    }

    /// Sets or clears the `aggregation_uri` emitted by [`TokenStatusList::to_status_list_claim`].
    pub fn set_aggregation_uri(&mut self, uri: Option<String>) {
        self.aggregation_uri = uri;
    }

    fn mask(&self) -> u8 {
        // bits ≤ 8 is an invariant of every constructor; computed in u16 so 8 bits gives 0xff.
        u8::try_from((1u16 << self.bits) - 1).unwrap_or(u8::MAX)
    }

    /// Byte offset and shift of entry `idx`, checked against the list length.
    fn locate(&self, idx: u64) -> Result<(usize, u32)> {
        let out_of_range = || {
            invalid(format!(
                "status index {idx} is outside the list of {} entries",
                self.len()
            ))
        };
        let i = usize::try_from(idx).map_err(|_| out_of_range())?;
        if i >= self.len() {
            return Err(out_of_range());
        }
        let per_byte = 8 / usize::from(self.bits);
        let shift =
            u32::try_from((i % per_byte) * usize::from(self.bits)).map_err(|_| out_of_range())?;
        Ok((i / per_byte, shift))
    }
}

fn check_bits(bits: u8) -> Result<()> {
    if matches!(bits, 1 | 2 | 4 | 8) {
        Ok(())
    } else {
        Err(invalid(format!("bits {bits} is not 1, 2, 4 or 8")))
    }
}

fn int_claim(obj: &Map<String, Value>, name: &str) -> Result<Option<i64>> {
    match obj.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| invalid(format!("status list token `{name}` is not an integer"))),
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

    #[test]
    fn draft_section_4_examples() {
        let one = TokenStatusList::decode(1, "eNrbuRgAAhcBXQ").unwrap();
        assert_eq!(one.as_bytes(), [0xb9, 0xa3]);
        let expected = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(one.get(i as u64).unwrap(), *want, "index {i}");
        }
        assert_eq!(one.get(16).unwrap_err().code, ErrorCode::InvalidStatusList);

        let two = TokenStatusList::decode(2, "eNo76fITAAPfAgc").unwrap();
        assert_eq!(two.as_bytes(), [0xc9, 0x44, 0xf9]);
        let expected = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3];
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(two.get(i as u64).unwrap(), *want, "index {i}");
        }
        assert_eq!(two.len(), 12);
    }

    #[test]
    fn encode_matches_draft_bytes() {
        let mut list = TokenStatusList::new(16, 1).unwrap();
        for (i, s) in [1u8, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
            .iter()
            .enumerate()
        {
            list.set(i as u64, *s).unwrap();
        }
        assert_eq!(list.as_bytes(), [0xb9, 0xa3]);
        let back = TokenStatusList::decode(1, &list.lst().unwrap()).unwrap();
        assert_eq!(back, list);
    }

    #[test]
    fn round_trip_all_widths() {
        for bits in [1u8, 2, 4, 8] {
            let mut list = TokenStatusList::new(1000, bits).unwrap();
            let max = u8::try_from((1u16 << bits) - 1).unwrap();
            for i in (0..1000u64).step_by(7) {
                list.set(i, (i as u8) & max).unwrap();
            }
            list.set(999, max).unwrap();
            assert_eq!(
                list.set(0, max.wrapping_add(1)).map_err(|e| e.code),
                if bits == 8 {
                    Ok(())
                } else {
                    Err(ErrorCode::InvalidInput)
                }
            );
            list.set(0, 0).unwrap();
            assert_eq!(list.len(), 1000);
            assert!(list.set(1000, 0).is_err());
            let claim = list.to_status_list_claim().unwrap();
            let back = TokenStatusList::from_status_list_claim(&claim).unwrap();
            assert_eq!(back.as_bytes(), list.as_bytes());
            for i in 0..1000u64 {
                assert_eq!(back.get(i).unwrap(), list.get(i).unwrap());
            }
            assert_eq!(back.get(999).unwrap(), max);
        }
    }

    #[test]
    fn claim_shape_errors() {
        for claim in [
            json!(null),
            json!({"lst": "eNrbuRgAAhcBXQ"}),
            json!({"bits": 1}),
            json!({"bits": 3, "lst": "eNrbuRgAAhcBXQ"}),
            json!({"bits": 256 + 1, "lst": "eNrbuRgAAhcBXQ"}),
            json!({"bits": 1.0, "lst": "eNrbuRgAAhcBXQ"}),
            json!({"bits": 1, "lst": "eNrbuRgAAhcBXQ=="}),
            json!({"bits": 1, "lst": ["eNrbuRgAAhcBXQ"]}),
            json!({"bits": 1, "lst": "eNrbuRgAAhcBXQ", "aggregation_uri": 7}),
        ] {
            assert_eq!(
                TokenStatusList::from_status_list_claim(&claim)
                    .unwrap_err()
                    .code,
                ErrorCode::InvalidStatusList,
                "{claim}"
            );
        }
        let with_agg =
            json!({"bits": 1, "lst": "eNrbuRgAAhcBXQ", "aggregation_uri": "https://a.example/agg"});
        let list = TokenStatusList::from_status_list_claim(&with_agg).unwrap();
        assert_eq!(list.aggregation_uri(), Some("https://a.example/agg"));
        assert_eq!(
            list.to_status_list_claim().unwrap().get("aggregation_uri"),
            with_agg.get("aggregation_uri")
        );
    }

    #[test]
    fn jwt_payload() {
        let payload = json!({
            "iss": "https://grantex.dev",
            "sub": "https://grantex.dev/v1/status/1",
            "iat": 1767225600,
            "exp": 1767229200,
            "ttl": 300,
            "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"},
        });
        let token = TokenStatusList::from_jwt_payload(&payload).unwrap();
        assert_eq!(token.subject, "https://grantex.dev/v1/status/1");
        assert_eq!(token.issued_at, 1_767_225_600);
        assert_eq!(token.expires_at, Some(1_767_229_200));
        assert_eq!(token.ttl, Some(300));
        assert_eq!(token.list.get(0).unwrap(), 1);

        let minimal =
            json!({"sub": "s", "iat": 1, "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}});
        let token = TokenStatusList::from_jwt_payload(&minimal).unwrap();
        assert_eq!((token.expires_at, token.ttl), (None, None));

        let base = minimal.as_object().unwrap().clone();
        let variants: [(&str, Option<Value>); 8] = [
            ("sub", None),
            ("sub", Some(json!(""))),
            ("sub", Some(json!(1))),
            ("iat", None),
            ("iat", Some(json!("1"))),
            ("exp", Some(json!(1.5))),
            ("ttl", Some(json!(0))),
            ("status_list", None),
        ];
        for (name, value) in variants {
            let mut obj = base.clone();
            match value {
                Some(v) => obj.insert(name.to_owned(), v),
                None => obj.remove(name),
            };
            let err = TokenStatusList::from_jwt_payload(&Value::Object(obj)).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidStatusList, "{name}");
        }
        assert!(TokenStatusList::from_jwt_payload(&json!([])).is_err());
    }

    #[test]
    fn empty_and_invalid_construction() {
        assert!(TokenStatusList::new(0, 1).is_err());
        assert!(TokenStatusList::new(1, 3).is_err());
        assert!(TokenStatusList::from_bytes(Vec::new(), 1).is_err());
        assert_eq!(TokenStatusList::new(9, 1).unwrap().as_bytes().len(), 2);
        assert_eq!(TokenStatusList::new(3, 4).unwrap().len(), 4);
    }
}
