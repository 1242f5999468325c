//! A strict RFC 3339 `date-time` ⇄ Unix seconds conversion, enough for VC validity dates.
//!
//! Written here rather than pulled from a time crate: the core has no time dependency, needs no calendar
//! beyond the proleptic Gregorian arithmetic below, and must build for `wasm32-unknown-unknown` without a
//! clock. Accepted: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` — `T`/`Z` in either case (RFC 3339 §5.6),
//! seconds 00–60 (a leap second counts as the next second). A time zone is required because VC 2.0
//! validity dates are `dateTimeStamp`s; a local time would make the instant ambiguous.

/// A parsed instant: whole Unix seconds (floor) and whether a non-zero fraction followed them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Instant {
    pub(crate) seconds: i64,
    pub(crate) fractional: bool,
}

impl Instant {
    /// The instant rounded up to a whole second: the earliest whole second not before it.
    pub(crate) fn ceil(self) -> i64 {
        if self.fractional {
            self.seconds.saturating_add(1)
        } else {
            self.seconds
        }
    }
}

fn number(bytes: &[u8], start: usize, len: usize) -> Option<i64> {
    let digits = bytes.get(start..start.checked_add(len)?)?;
    digits.iter().try_fold(0i64, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

fn byte_at(bytes: &[u8], at: usize) -> Option<u8> {
    bytes.get(at).copied()
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses an RFC 3339 `date-time` (see the module documentation for the accepted grammar).
pub(crate) fn parse(text: &str) -> Option<Instant> {
    let b = text.as_bytes();
    let year = number(b, 0, 4)?;
    let month = number(b, 5, 2)?;
    let day = number(b, 8, 2)?;
    let hour = number(b, 11, 2)?;
    let minute = number(b, 14, 2)?;
    let second = number(b, 17, 2)?;
    let separators = byte_at(b, 4)? == b'-'
        && byte_at(b, 7)? == b'-'
        && matches!(byte_at(b, 10)?, b'T' | b't')
        && byte_at(b, 13)? == b':'
        && byte_at(b, 16)? == b':';
    let fields = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 60;
    if !separators || !fields {
        return None;
    }
    let mut at = 19;
    let mut fractional = false;
    if byte_at(b, at) == Some(b'.') {
        let digits = b
            .get(at + 1..)?
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        fractional = b.get(at + 1..at + 1 + digits)?.iter().any(|c| *c != b'0');
        at += 1 + digits;
    }
    let offset = match byte_at(b, at)? {
        b'Z' | b'z' if b.len() == at + 1 => 0,
        sign @ (b'+' | b'-') if b.len() == at + 6 && byte_at(b, at + 3)? == b':' => {
            let (oh, om) = (number(b, at + 1, 2)?, number(b, at + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let minutes = oh * 60 + om;
            if sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        - offset * 60;
    Some(Instant {
        seconds,
        fractional,
    })
}

/// Formats Unix seconds the way JavaScript's `Date.prototype.toISOString` does (`…T…:…:….000Z`), which is
/// what the upstream SDKs expect in `expiresAt`.
pub(crate) fn format_iso(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn secs(text: &str) -> Option<i64> {
        parse(text).map(|i| i.seconds)
    }

    #[test]
    fn accepts_rfc3339() {
        assert_eq!(secs("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(secs("2026-01-01T00:00:00Z"), Some(1_767_225_600));
        assert_eq!(secs("2026-01-02T00:00:00.000Z"), Some(1_767_312_000));
        assert_eq!(secs("2026-01-01t01:00:00+01:00"), Some(1_767_225_600));
        assert_eq!(secs("2025-12-31T19:00:00-05:00"), Some(1_767_225_600));
        assert_eq!(secs("2024-02-29T12:00:00z"), Some(1_709_208_000));
        assert_eq!(secs("1969-12-31T23:59:59Z"), Some(-1));
        assert_eq!(secs("2016-12-31T23:59:60Z"), Some(1_483_228_800));
        assert_eq!(secs("0000-03-01T00:00:00Z"), Some(-62_162_035_200));
        let frac = parse("2026-01-01T00:00:00.5Z").unwrap();
        assert_eq!(
            (frac.seconds, frac.fractional, frac.ceil()),
            (1_767_225_600, true, 1_767_225_601)
        );
        assert!(!parse("2026-01-01T00:00:00.000Z").unwrap().fractional);
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "2026-01-01",
            "2026-01-01T00:00:00",
            "2026-01-01 00:00:00Z",
            "2026-1-01T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z",
            "2026-01-01T00:00:61Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+0100",
            "2026-01-01T00:00:00+24:00",
            "2026-01-01T00:00:00Z ",
            "+2026-01-01T00:00:00Z",
            "２026-01-01T00:00:00Z",
            "2026-01-01T00:00:00UTC",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_like_javascript() {
        assert_eq!(format_iso(1_767_312_000), "2026-01-02T00:00:00.000Z");
        assert_eq!(format_iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_iso(1_709_208_000), "2024-02-29T12:00:00.000Z");
        assert_eq!(format_iso(-1), "1969-12-31T23:59:59.000Z");
        for s in [0i64, 951_782_400, 1_767_225_659, 4_102_444_800] {
            assert_eq!(secs(&format_iso(s).replace(".000", "")), Some(s));
        }
    }
}
