//! Status-list decoding (W3C bitstring and IETF token lists) on arbitrary input: never a panic, bounded
//! memory (the decompression limit), and every entry of a decoded list readable.
#![no_main]

use grantex_core::status::{BitstringStatusList, StatusListLimits, TokenStatusList};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Input {
    Bitstring { encoded: String, status_size: u8 },
    Token { bits: u8, lst: String },
    /// Raw bytes compressed as-is by the encoder path, then decoded again.
    RoundTrip { bits: u8, statuses: Vec<u8> },
    Claim(String),
}

fuzz_target!(|input: Input| {
    let mut limits = StatusListLimits::default();
    limits.max_decompressed_bytes = 1 << 20;
    match input {
        Input::Bitstring { encoded, status_size } => {
            if let Ok(list) = BitstringStatusList::decode_with(&encoded, status_size, &limits) {
                let len = list.len() as u64;
                assert!(list.get_status(len).is_err());
                for idx in [0, len / 2, len.saturating_sub(1)] {
                    let _ = list.get_status(idx);
                }
            }
        }
        Input::Token { bits, lst } => {
            if let Ok(list) = TokenStatusList::decode_with(bits, &lst, &limits) {
                let len = list.len() as u64;
                assert!(list.get(len).is_err());
                if len > 0 {
                    assert!(list.get(len - 1).unwrap() < (1u16 << list.bits()) as u8 || list.bits() == 8);
                }
            }
        }
        Input::RoundTrip { bits, statuses } => {
            let Ok(mut list) = TokenStatusList::new(statuses.len().max(1), bits) else { return };
            let max = if bits >= 8 { u8::MAX } else { (1u8 << bits) - 1 };
            for (i, s) in statuses.iter().enumerate() {
                list.set(i as u64, s & max).unwrap();
            }
            let lst = list.lst().unwrap();
            let back = TokenStatusList::decode(bits, &lst).unwrap();
            for (i, s) in statuses.iter().enumerate() {
                assert_eq!(back.get(i as u64).unwrap(), s & max);
            }
        }
        Input::Claim(text) => {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
                let _ = grantex_core::status::parse_status_claim(&value);
                let _ = TokenStatusList::from_jwt_payload_with(&value, &limits);
                let _ = BitstringStatusList::from_credential_subject_with(&value, &limits);
            }
        }
    }
});
