//! Bounded GZIP (RFC 1952) and ZLIB (RFC 1950) for status lists.
//!
//! Status lists arrive from the network and compress extremely well (a list of zeros shrinks ~1000×), so a
//! few kilobytes can expand into gigabytes. Every inflation here reads through `Read::take(limit + 1)` and
//! fails as soon as one byte more than the caller's limit comes out, before the rest is ever produced.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::bufread::{GzDecoder, ZlibDecoder};
use flate2::write::{GzEncoder, ZlibEncoder};

use super::StatusListLimits;
use crate::b64;
use crate::error::{Error, ErrorCode, Result};

/// The compression container a status-list format mandates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    /// RFC 1952 GZIP, used by W3C Bitstring Status List / StatusList2021.
    Gzip,
    /// RFC 1950 ZLIB, used by the IETF Token Status List.
    Zlib,
}

impl Container {
    fn name(self) -> &'static str {
        match self {
            Container::Gzip => "gzip",
            Container::Zlib => "zlib",
        }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidStatusList, message)
}

/// Largest base64url text (without padding or prefix) that can decode to at most `max_bytes` bytes.
fn max_encoded_len(max_bytes: usize) -> usize {
    max_bytes.div_ceil(3).saturating_mul(4)
}

/// Strict base64url decode with the compressed-size bound applied before any work is done.
pub(crate) fn decode_b64_bounded(text: &str, limits: &StatusListLimits) -> Result<Vec<u8>> {
    if text.is_empty() {
        return Err(invalid("the encoded status list is empty"));
    }
    if text.len() > max_encoded_len(limits.max_compressed_bytes) {
        return Err(invalid(format!(
            "the compressed status list exceeds the limit of {} bytes",
            limits.max_compressed_bytes
        )));
    }
    let bytes = b64::decode(text.as_bytes())
        .ok_or_else(|| invalid("the encoded status list is not canonical unpadded base64url"))?;
    if bytes.len() > limits.max_compressed_bytes {
        return Err(invalid(format!(
            "the compressed status list exceeds the limit of {} bytes",
            limits.max_compressed_bytes
        )));
    }
    Ok(bytes)
}

/// Inflates `input`, failing with `INVALID_STATUS_LIST` on malformed data, a checksum mismatch, bytes after the
/// single compressed member, or more than `max_out` bytes of output.
pub(crate) fn inflate(container: Container, input: &[u8], max_out: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let remaining = match container {
        Container::Gzip => {
            let mut decoder = GzDecoder::new(input);
            read_bounded(&mut decoder, max_out, container, &mut out)?;
            decoder.into_inner()
        }
        Container::Zlib => {
            let mut decoder = ZlibDecoder::new(input);
            read_bounded(&mut decoder, max_out, container, &mut out)?;
            decoder.into_inner()
        }
    };
    // Concatenated members or junk after the trailer would let two parties read different lists from the
    // same bytes depending on their decoder, so exactly one member is accepted.
    if !remaining.is_empty() {
        return Err(invalid(format!(
            "unexpected data after the {} stream ({} bytes)",
            container.name(),
            remaining.len()
        )));
    }
    Ok(out)
}

fn read_bounded<R: Read>(
    reader: &mut R,
    max_out: usize,
    container: Container,
    out: &mut Vec<u8>,
) -> Result<()> {
    let limit = u64::try_from(max_out).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(limit).read_to_end(out).map_err(|e| {
        invalid(format!(
            "the status list is not a valid {} stream: {e}",
            container.name()
        ))
    })?;
    if out.len() > max_out {
        return Err(invalid(format!(
            "the status list decompresses to more than the limit of {max_out} bytes"
        )));
    }
    Ok(())
}

/// Compresses `data` at the highest level (the IETF draft recommends it; lists are published far more often
/// than they are rebuilt).
pub(crate) fn deflate(container: Container, data: &[u8]) -> Result<Vec<u8>> {
    let internal =
        |e: std::io::Error| Error::new(ErrorCode::Internal, format!("compression failed: {e}"));
    match container {
        Container::Gzip => {
            let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
            encoder.write_all(data).map_err(internal)?;
            encoder.finish().map_err(internal)
        }
        Container::Zlib => {
            let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
            encoder.write_all(data).map_err(internal)?;
            encoder.finish().map_err(internal)
        }
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
    fn round_trips_both_containers() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 7) as u8).collect();
        for container in [Container::Gzip, Container::Zlib] {
            let packed = deflate(container, &data).unwrap();
            assert_eq!(inflate(container, &packed, data.len()).unwrap(), data);
            // Exactly at the limit is fine, one byte below is not.
            assert_eq!(
                inflate(container, &packed, data.len() - 1)
                    .unwrap_err()
                    .code,
                ErrorCode::InvalidStatusList
            );
        }
    }

    #[test]
    fn containers_are_not_interchangeable() {
        let gz = deflate(Container::Gzip, b"abc").unwrap();
        let zl = deflate(Container::Zlib, b"abc").unwrap();
        assert!(inflate(Container::Zlib, &gz, 100).is_err());
        assert!(inflate(Container::Gzip, &zl, 100).is_err());
    }

    #[test]
    fn rejects_concatenated_members() {
        let mut two = deflate(Container::Gzip, b"abc").unwrap();
        two.extend(deflate(Container::Gzip, b"def").unwrap());
        assert!(inflate(Container::Gzip, &two, 100).is_err());
    }

    #[test]
    fn compressed_bound_is_checked_before_decoding() {
        let limits = StatusListLimits {
            max_compressed_bytes: 3,
            ..StatusListLimits::default()
        };
        assert!(decode_b64_bounded("AAAA", &limits).is_ok());
        assert!(decode_b64_bounded("AAAAAA", &limits).is_err());
        assert!(decode_b64_bounded("", &limits).is_err());
    }
}
