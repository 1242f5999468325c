//! Bounded GZIP (RFC 1952) and ZLIB (RFC 1950) for status lists.
//!
//! Status lists arrive from the network and compress extremely well (a list of zeros shrinks ~1000×), so a
//! few kilobytes can expand into gigabytes. Every inflation here reads through `Read::take(limit + 1)` and
//! fails as soon as one byte more than the caller's limit comes out, before the rest is ever produced.
//!
//! The GZIP member framing (header, CRC-32 and size trailer) is read here around flate2's raw DEFLATE decoder
//! instead of through `flate2::bufread::GzDecoder`: that one checks the CRC with `crc32fast`, whose 16 KiB of
//! slice-by-16 tables were the largest single item of the WebAssembly module's data (the `crc` crate's
//! one-table CRC-32 is 1 KiB). The framing is small and fully specified by RFC 1952 §2.3; compression still
//! goes through flate2's `GzEncoder`, and the tests decode its output.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::bufread::{DeflateDecoder, ZlibDecoder};
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
        Container::Gzip => inflate_gzip_member(input, max_out, &mut out)?,
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

/// CRC-32 as GZIP uses it (ISO-HDLC: reflected 0x04C11DB7), one 256-entry table built at compile time.
static GZIP_CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

// RFC 1952 §2.3.1 header flags.
const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;
const FRESERVED: u8 = 0xe0;

fn invalid_gzip(what: &str) -> Error {
    invalid(format!(
        "the status list is not a valid gzip stream: {what}"
    ))
}

/// Inflates the GZIP member at the start of `input` into `out` (at most `max_out` bytes), checks its CRC-32
/// and size trailer, and returns the bytes after the member.
fn inflate_gzip_member<'a>(input: &'a [u8], max_out: usize, out: &mut Vec<u8>) -> Result<&'a [u8]> {
    let body = skip_gzip_header(input)?;
    let mut decoder = DeflateDecoder::new(body);
    read_bounded(&mut decoder, max_out, Container::Gzip, out)?;
    let after = decoder.into_inner();
    let Some((&[c0, c1, c2, c3, s0, s1, s2, s3], rest)) = after.split_first_chunk::<8>() else {
        return Err(invalid_gzip("the stream ends before its trailer"));
    };
    if u32::from_le_bytes([c0, c1, c2, c3]) != GZIP_CRC.checksum(out) {
        return Err(invalid_gzip("CRC-32 mismatch"));
    }
    // ISIZE is the length modulo 2^32; `out` is bounded by `max_out`, so the comparison is exact in practice.
    let expected_size = u64::try_from(out.len()).unwrap_or(u64::MAX) & 0xffff_ffff;
    if u64::from(u32::from_le_bytes([s0, s1, s2, s3])) != expected_size {
        return Err(invalid_gzip("size mismatch"));
    }
    Ok(rest)
}

/// The bytes after a valid GZIP member header (RFC 1952 §2.3): magic, method 8 (deflate), no reserved flag,
/// and the optional extra field, file name, comment and header CRC (which must match).
fn skip_gzip_header(input: &[u8]) -> Result<&[u8]> {
    let truncated = || invalid_gzip("truncated header");
    let Some((fixed, mut rest)) = input.split_first_chunk::<10>() else {
        return Err(truncated());
    };
    let [id1, id2, method, flags, ..] = *fixed;
    if [id1, id2] != [0x1f, 0x8b] {
        return Err(invalid_gzip("invalid gzip header"));
    }
    if method != 8 {
        return Err(invalid_gzip("unsupported compression method"));
    }
    if flags & FRESERVED != 0 {
        return Err(invalid_gzip("reserved header flags are set"));
    }
    if flags & FEXTRA != 0 {
        let (length, after) = rest.split_first_chunk::<2>().ok_or_else(truncated)?;
        rest = after
            .get(usize::from(u16::from_le_bytes(*length))..)
            .ok_or_else(truncated)?;
    }
    for field in [FNAME, FCOMMENT] {
        if flags & field != 0 {
            let end = rest.iter().position(|&b| b == 0).ok_or_else(truncated)?;
            rest = rest.get(end + 1..).ok_or_else(truncated)?;
        }
    }
    if flags & FHCRC != 0 {
        let header = input
            .get(..input.len() - rest.len())
            .ok_or_else(truncated)?;
        let (stored, after) = rest.split_first_chunk::<2>().ok_or_else(truncated)?;
        // The header CRC is the low 16 bits of the CRC-32 of the header bytes before it.
        let [low, high, _, _] = GZIP_CRC.checksum(header).to_le_bytes();
        if [low, high] != *stored {
            return Err(invalid_gzip("header CRC mismatch"));
        }
        rest = after;
    }
    Ok(rest)
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

    /// A GZIP member written field by field: `flags` with the optional header fields they announce.
    fn gzip_member(flags: u8, data: &[u8]) -> Vec<u8> {
        let mut member = vec![0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 255];
        if flags & FEXTRA != 0 {
            member.extend([4, 0, b'A', b'B', 0, 0]);
        }
        if flags & FNAME != 0 {
            member.extend(b"list.bin\0");
        }
        if flags & FCOMMENT != 0 {
            member.extend(b"a comment\0");
        }
        if flags & FHCRC != 0 {
            let crc = GZIP_CRC.checksum(&member).to_le_bytes();
            member.extend(&crc[..2]);
        }
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), Compression::best());
        raw.write_all(data).unwrap();
        member.extend(raw.finish().unwrap());
        member.extend(GZIP_CRC.checksum(data).to_le_bytes());
        member.extend(u32::try_from(data.len()).unwrap().to_le_bytes());
        member
    }

    #[test]
    fn gzip_optional_header_fields_are_skipped() {
        let data = b"status bits \x00\x01\x02";
        for flags in [
            0,
            FEXTRA,
            FNAME,
            FCOMMENT,
            FHCRC,
            FEXTRA | FNAME | FCOMMENT | FHCRC,
        ] {
            let member = gzip_member(flags, data);
            assert_eq!(
                inflate(Container::Gzip, &member, 100).unwrap(),
                data,
                "flags {flags:#x}"
            );
        }
        // flate2's encoder with a file name, comment and extra field, decoded by this reader.
        let mut encoder = flate2::GzBuilder::new()
            .filename("x")
            .comment("y")
            .extra(vec![1, 2, 3, 4])
            .write(Vec::new(), Compression::fast());
        encoder.write_all(data).unwrap();
        let member = encoder.finish().unwrap();
        assert_eq!(inflate(Container::Gzip, &member, 100).unwrap(), data);
    }

    #[test]
    fn gzip_framing_errors_are_rejected() {
        let data = b"0123456789";
        let good = gzip_member(FNAME | FHCRC, data);
        let rejected = |bytes: &[u8]| {
            let error = inflate(Container::Gzip, bytes, 100).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidStatusList);
            error.message
        };
        let mut bad_magic = good.clone();
        bad_magic[1] = 0x8c;
        assert!(rejected(&bad_magic).contains("header"));
        let mut bad_method = good.clone();
        bad_method[2] = 7;
        assert!(rejected(&bad_method).contains("method"));
        let mut reserved = gzip_member(0, data);
        reserved[3] = 0x20;
        assert!(rejected(&reserved).contains("reserved"));
        let mut bad_header_crc = good.clone();
        bad_header_crc[12] ^= 1; // inside the file name, covered by the header CRC
        assert!(rejected(&bad_header_crc).contains("header CRC"));
        let crc_at = good.len() - 8;
        let mut bad_crc = good.clone();
        bad_crc[crc_at] ^= 1;
        assert!(rejected(&bad_crc).contains("CRC-32"));
        let mut bad_size = good.clone();
        bad_size[crc_at + 4] ^= 1;
        assert!(rejected(&bad_size).contains("size"));
        for cut in [0, 5, 10, 14, good.len() - 8, good.len() - 1] {
            rejected(&good[..cut]);
        }
        let mut unterminated = vec![0x1f, 0x8b, 8, FNAME, 0, 0, 0, 0, 0, 255];
        unterminated.extend(b"no terminator");
        assert!(rejected(&unterminated).contains("truncated"));
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(rejected(&trailing).contains("unexpected data"));
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
