//! Clock access and the protocol's time formats (PROTOCOL.md §1.6, §1.7). Storage keeps Unix milliseconds.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, Unix milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Now, Unix seconds.
pub fn now_s() -> u64 {
    now_ms() / 1000
}

/// ISO-8601 UTC with milliseconds and `Z`: `2026-02-01T12:34:56.789Z`.
pub fn iso_ms(unix_ms: i64) -> String {
    let ms = unix_ms.rem_euclid(1000);
    let secs = unix_ms.div_euclid(1000);
    match jiff::Timestamp::from_second(secs) {
        Ok(ts) => format!("{}.{ms:03}Z", ts.strftime("%Y-%m-%dT%H:%M:%S")),
        Err(_) => String::from("1970-01-01T00:00:00.000Z"),
    }
}

/// Parses a duration string `^(\d+)([smhd])$` into seconds; `None` for anything else or zero.
pub fn parse_duration(text: &str) -> Option<u64> {
    let unit = text.chars().last()?;
    let multiplier = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    let digits = text.get(..text.len() - 1)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: u64 = digits.parse().ok()?;
    let seconds = value.checked_mul(multiplier)?;
    // Must be a JavaScript safe integer and positive.
    (seconds > 0 && seconds < (1u64 << 53)).then_some(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(iso_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_ms(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h"), Some(3600));
        assert_eq!(parse_duration("90d"), Some(90 * 86_400));
        for bad in ["1w", "1.5h", "90", "0s", " 1h", "h", "", "-1s", "+1s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
