//! Scopes: exact matching (the wire default), the `resource:action[:constraint]` grammar, typed constraints,
//! narrowing and consent descriptions.
//!
//! Upstream compares scopes only by exact, case-sensitive string equality (PROTOCOL.md §5.2) and enforces no
//! grammar, only lexical limits (§5.1). Exact matching stays the wire default: [`missing_exact`] is what token
//! verification uses for `requiredScopes`. Everything else here is an opt-in layer (IMPROVEMENTS.md item 14):
//!
//! * [`validate_wire`] — the lexical limits the server enforces on `scopes` arrays (no grammar).
//! * [`Scope::parse`] — the strict grammar with typed [`Constraint`]s.
//! * [`narrows`] — may a scope be delegated under a parent scope (the child grants no more than the parent)?
//! * [`satisfies`] / [`missing_satisfied`] — does a granted scope cover a required one?
//! * [`describe`] — plain-language text for the consent page (§5.4).
//!
//! # Grammar
//!
//! ```text
//! scope      = resource ":" action [ ":" constraint ]        ; at most 256 bytes
//! resource   = segment *( "." segment )                       ; reverse-DNS custom resources: com.example.crm
//! segment    = [a-z0-9] *[a-z0-9_-]
//! action     = [a-z0-9] *[a-z0-9_-]
//! constraint = [a-z0-9] *[a-z0-9_.-]
//! ```
//!
//! The string is split on its first two `:`; since `:` is not a constraint character, a scope with more than
//! two `:` does not parse. Everything is lower-case ASCII: upstream never normalises case, so accepting
//! `Calendar:read` here would make it narrow nothing it is byte-equal to anyway, and rejecting it tells the
//! author early.
//!
//! # Constraints
//!
//! A constraint is *typed* when it starts with a known prefix followed by something that looks like that
//! kind's value: a digit for `max_`, `limit_`, `since_`, `max_size_`, `max_duration_`, anything non-empty for
//! `folder_`. A typed constraint must then be fully valid, or the scope is rejected (`max_5x`, `max_05`,
//! `since_2026-02-30`, overflow). Everything else that fits the character set is [`Constraint::Other`], so
//! custom constraints such as `max_results` or `since_last_login` remain usable; they narrow only by equality.
//!
//! Numbers are decimal without sign or leading zeros, so every typed value has exactly one spelling and
//! [`Scope`]'s `Display` reproduces the parsed string byte for byte. Size and duration units are kept as
//! written (`max_duration_60m` stays `60m`; it compares equal in magnitude to `1h` but is not the same scope).
//!
//! Strings that do not parse are not errors for matching: [`narrows`] and [`satisfies`] fall back to byte
//! equality, so upstream free-form scopes (`tool:crm:read:capped:5`, `vault:github:*`) keep working exactly
//! as before.

use core::fmt;
use core::str::FromStr;

use crate::error::{Error, ErrorCode, Result};

/// Most entries a `scopes` array may hold on the wire.
pub const MAX_WIRE_SCOPES: usize = 100;

/// Longest scope accepted on the wire, in UTF-16 code units (what upstream's JavaScript `length` counts).
pub const MAX_WIRE_SCOPE_UNITS: usize = 256;

/// Longest scope the grammar accepts, in bytes (grammar scopes are ASCII, so also in characters).
pub const MAX_SCOPE_LEN: usize = 256;

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidScope, message)
}

/// Returns every required scope that is not granted, by exact, case-sensitive string equality
/// (PROTOCOL.md §5.2), in the order of `required`.
pub fn missing_exact<'r, G: AsRef<str>>(granted: &[G], required: &'r [String]) -> Vec<&'r str> {
    required
        .iter()
        .filter(|r| !granted.iter().any(|g| g.as_ref() == r.as_str()))
        .map(String::as_str)
        .collect()
}

/// Returns every required scope that no granted scope [`satisfies`], in the order of `required`.
///
/// This is the constraint-aware alternative to [`missing_exact`]; it is not what the wire uses.
pub fn missing_satisfied<'r>(granted: &[impl AsRef<str>], required: &'r [String]) -> Vec<&'r str> {
    // Parsed once here rather than once per (granted, required) pair.
    let parsed: Vec<(&str, Option<Scope>)> = granted
        .iter()
        .map(|g| (g.as_ref(), Scope::parse(g.as_ref()).ok()))
        .collect();
    required
        .iter()
        .filter(|r| {
            let req = Scope::parse(r).ok();
            !parsed
                .iter()
                .any(|(g, gs)| satisfies_parsed(g, gs.as_ref(), r, req.as_ref()))
        })
        .map(String::as_str)
        .collect()
}

/// Checks the lexical limits the server enforces on a `scopes` array (PROTOCOL.md §5.1): 1 to 100 entries,
/// each non-empty, not whitespace-only, and at most 256 long.
///
/// No grammar is applied; free-form upstream scopes pass. Length is counted in UTF-16 code units, exactly as
/// upstream's JavaScript `length` does (for ASCII that is the byte count). "Whitespace" is what JavaScript's
/// `trim()` removes. Callers that accept an empty list (agent registration) skip this for an empty array.
///
/// # Errors
/// [`ErrorCode::InvalidScope`], naming the offending entry by its 0-based index.
pub fn validate_wire(scopes: &[impl AsRef<str>]) -> Result<()> {
    if scopes.is_empty() || scopes.len() > MAX_WIRE_SCOPES {
        return Err(invalid(format!(
            "scopes must hold 1 to {MAX_WIRE_SCOPES} entries, got {}",
            scopes.len()
        )));
    }
    for (i, scope) in scopes.iter().enumerate() {
        let s = scope.as_ref();
        if s.is_empty() {
            return Err(invalid(format!("scopes[{i}] is empty")));
        }
        // UTF-8 never uses fewer bytes than UTF-16 code units, so short strings need no counting.
        if s.len() > MAX_WIRE_SCOPE_UNITS {
            let units = s.encode_utf16().count();
            if units > MAX_WIRE_SCOPE_UNITS {
                return Err(invalid(format!(
                    "scopes[{i}] is {units} UTF-16 code units long; at most {MAX_WIRE_SCOPE_UNITS} are allowed"
                )));
            }
        }
        if s.chars().all(is_js_whitespace) {
            return Err(invalid(format!("scopes[{i}] is only whitespace")));
        }
    }
    Ok(())
}

/// JavaScript's `WhiteSpace` and `LineTerminator`, which differ from Unicode `White_Space` in two places.
fn is_js_whitespace(c: char) -> bool {
    c == '\u{feff}' || (c.is_whitespace() && c != '\u{85}')
}

/// A parsed scope `resource:action[:constraint]`. Always valid: its `Display` output parses back to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    resource: String,
    action: String,
    constraint: Option<Constraint>,
}

impl Scope {
    /// Parses a scope according to the module-level grammar.
    ///
    /// # Errors
    /// [`ErrorCode::InvalidScope`] with a message naming the part and byte offset that is wrong.
    pub fn parse(s: &str) -> Result<Scope> {
        if s.is_empty() {
            return Err(invalid("scope is empty"));
        }
        if s.len() > MAX_SCOPE_LEN {
            return Err(invalid(format!(
                "scope is {} bytes long; at most {MAX_SCOPE_LEN} are allowed",
                s.len()
            )));
        }
        let fail = |detail: String| invalid(format!("invalid scope {s:?}: {detail}"));
        let Some((resource, rest)) = s.split_once(':') else {
            return Err(fail(
                "expected resource:action[:constraint] but found no ':'".to_owned(),
            ));
        };
        let (action, constraint) = match rest.split_once(':') {
            Some((action, constraint)) => (action, Some(constraint)),
            None => (rest, None),
        };
        check_resource(resource).map_err(fail)?;
        let action_at = resource.len() + 1;
        check_word(action, action_at, "action", false).map_err(fail)?;
        let constraint = match constraint {
            None => None,
            Some(c) => Some(parse_constraint(c, action_at + action.len() + 1).map_err(fail)?),
        };
        Ok(Scope {
            resource: resource.to_owned(),
            action: action.to_owned(),
            constraint,
        })
    }

    /// Builds a scope from its parts, checking them against the grammar.
    ///
    /// # Errors
    /// [`ErrorCode::InvalidScope`] when a part is invalid, or when the parts would print as a different scope
    /// (a `:` inside a part, or an [`Constraint::Other`] spelled like a typed constraint).
    pub fn new(resource: &str, action: &str, constraint: Option<Constraint>) -> Result<Scope> {
        let text = match &constraint {
            Some(c) => format!("{resource}:{action}:{c}"),
            None => format!("{resource}:{action}"),
        };
        let scope = Scope::parse(&text)?;
        if scope.resource != resource || scope.action != action || scope.constraint != constraint {
            return Err(invalid(format!(
                "the parts do not round-trip: they print as {text:?}"
            )));
        }
        Ok(scope)
    }

    /// The resource, e.g. `payments` or `com.example.crm`.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The action, e.g. `initiate`.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The constraint, if any.
    pub fn constraint(&self) -> Option<&Constraint> {
        self.constraint.as_ref()
    }

    /// True when `self` grants no more than `parent`: same resource and action, and either the parent is
    /// unconstrained or both constraints are of the same kind with `self`'s within the parent's
    /// (see [`Constraint::narrows`]). An unconstrained scope never narrows a constrained one.
    pub fn narrows(&self, parent: &Scope) -> bool {
        self.resource == parent.resource
            && self.action == parent.action
            && match (&self.constraint, &parent.constraint) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some(child), Some(parent)) => child.narrows(parent),
            }
    }
}

impl FromStr for Scope {
    type Err = Error;

    fn from_str(s: &str) -> Result<Scope> {
        Scope::parse(s)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.resource, self.action)?;
        if let Some(c) = &self.constraint {
            write!(f, ":{c}")?;
        }
        Ok(())
    }
}

/// A typed scope constraint. Enforcing it is the consuming service's job (PROTOCOL.md §5.3); this library only
/// parses, prints and compares constraints.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Constraint {
    /// `max_<n>`: an upper bound on an amount (e.g. a payment in the account's base currency).
    Max(u64),
    /// `limit_<n>`: an upper bound on a count.
    Limit(u64),
    /// `since_<YYYY-MM-DD>`: only items from this date on.
    Since(Date),
    /// `folder_<id>`: only inside this folder (the id is what follows `folder_`).
    Folder(String),
    /// `max_size_<n>[b|kb|mb|gb]`: an upper bound on a size, 1024-based.
    MaxSize {
        /// The number as written.
        amount: u64,
        /// The unit as written; `None` when there was no suffix (bytes).
        unit: Option<SizeUnit>,
    },
    /// `max_duration_<n>[s|m|h|d]`: an upper bound on a duration.
    MaxDuration {
        /// The number as written.
        amount: u64,
        /// The unit as written; `None` when there was no suffix (seconds).
        unit: Option<DurationUnit>,
    },
    /// Any other well-formed constraint, kept verbatim.
    Other(String),
}

impl Constraint {
    /// Parses a constraint on its own (the part after the second `:` of a scope).
    ///
    /// # Errors
    /// [`ErrorCode::InvalidScope`] when it does not follow the grammar or a typed value is invalid.
    pub fn parse(s: &str) -> Result<Constraint> {
        if s.len() > MAX_SCOPE_LEN {
            return Err(invalid(format!(
                "constraint is {} bytes long; at most {MAX_SCOPE_LEN} are allowed",
                s.len()
            )));
        }
        parse_constraint(s, 0)
            .map_err(|detail| invalid(format!("invalid constraint {s:?}: {detail}")))
    }

    /// The bound of a [`Constraint::MaxSize`] in bytes; `None` for other kinds or if it overflows `u64`
    /// (only possible for hand-built values; parsing rejects overflow).
    pub fn max_size_bytes(&self) -> Option<u64> {
        match self {
            Constraint::MaxSize { amount, unit } => {
                amount.checked_mul(unit.map_or(1, SizeUnit::bytes))
            }
            _ => None,
        }
    }

    /// The bound of a [`Constraint::MaxDuration`] in seconds; `None` for other kinds or if it overflows `u64`.
    pub fn max_duration_seconds(&self) -> Option<u64> {
        match self {
            Constraint::MaxDuration { amount, unit } => {
                amount.checked_mul(unit.map_or(1, DurationUnit::seconds))
            }
            _ => None,
        }
    }

    /// True when `self` is at least as strict as `parent`: same kind, and for `Max`, `Limit`, `MaxSize`,
    /// `MaxDuration` a bound no larger (sizes and durations compared in bytes and seconds, so `1kb` and `1024`
    /// narrow each other), for `Since` a date no earlier; `Folder` and `Other` only when equal.
    pub fn narrows(&self, parent: &Constraint) -> bool {
        use Constraint::{Folder, Limit, Max, MaxDuration, MaxSize, Other, Since};
        match (self, parent) {
            (Max(c), Max(p)) | (Limit(c), Limit(p)) => c <= p,
            (Since(c), Since(p)) => c >= p,
            (Folder(c), Folder(p)) | (Other(c), Other(p)) => c == p,
            (MaxSize { .. }, MaxSize { .. }) => {
                match (self.max_size_bytes(), parent.max_size_bytes()) {
                    (Some(c), Some(p)) => c <= p,
                    _ => self == parent,
                }
            }
            (MaxDuration { .. }, MaxDuration { .. }) => {
                match (self.max_duration_seconds(), parent.max_duration_seconds()) {
                    (Some(c), Some(p)) => c <= p,
                    _ => self == parent,
                }
            }
            _ => false,
        }
    }

    /// The constraint in words for the consent page, or `None` for [`Constraint::Other`], whose meaning only
    /// the service knows.
    fn words(&self) -> Option<String> {
        Some(match self {
            Constraint::Max(n) => format!("up to {n}"),
            Constraint::Limit(n) => format!("at most {n} items"),
            Constraint::Since(d) => format!("only from {d} on"),
            Constraint::Folder(id) => format!("only in folder {id}"),
            Constraint::MaxSize { amount, unit } => {
                let unit = match unit {
                    None | Some(SizeUnit::B) => plural(*amount, "byte"),
                    Some(u) => u.label().to_owned(),
                };
                format!("up to {amount} {unit} in size")
            }
            Constraint::MaxDuration { amount, unit } => {
                let unit = unit.unwrap_or(DurationUnit::S).label();
                format!("for up to {amount} {}", plural(*amount, unit))
            }
            Constraint::Other(_) => return None,
        })
    }
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

impl FromStr for Constraint {
    type Err = Error;

    fn from_str(s: &str) -> Result<Constraint> {
        Constraint::parse(s)
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Constraint::Max(n) => write!(f, "max_{n}"),
            Constraint::Limit(n) => write!(f, "limit_{n}"),
            Constraint::Since(d) => write!(f, "since_{d}"),
            Constraint::Folder(id) => write!(f, "folder_{id}"),
            Constraint::MaxSize { amount, unit } => {
                write!(f, "max_size_{amount}{}", unit.map_or("", SizeUnit::suffix))
            }
            Constraint::MaxDuration { amount, unit } => {
                write!(
                    f,
                    "max_duration_{amount}{}",
                    unit.map_or("", DurationUnit::suffix)
                )
            }
            Constraint::Other(s) => f.write_str(s),
        }
    }
}

/// The unit suffix of a [`Constraint::MaxSize`]. Multiples of 1024.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SizeUnit {
    /// `b`: bytes.
    B,
    /// `kb`: 1024 bytes.
    Kb,
    /// `mb`: 1024² bytes.
    Mb,
    /// `gb`: 1024³ bytes.
    Gb,
}

impl SizeUnit {
    /// Bytes per unit.
    pub fn bytes(self) -> u64 {
        match self {
            SizeUnit::B => 1,
            SizeUnit::Kb => 1 << 10,
            SizeUnit::Mb => 1 << 20,
            SizeUnit::Gb => 1 << 30,
        }
    }

    /// The suffix as written in a scope.
    pub fn suffix(self) -> &'static str {
        match self {
            SizeUnit::B => "b",
            SizeUnit::Kb => "kb",
            SizeUnit::Mb => "mb",
            SizeUnit::Gb => "gb",
        }
    }

    fn label(self) -> &'static str {
        match self {
            SizeUnit::B => "bytes",
            SizeUnit::Kb => "KB",
            SizeUnit::Mb => "MB",
            SizeUnit::Gb => "GB",
        }
    }

    fn from_suffix(s: &str) -> Option<SizeUnit> {
        [SizeUnit::B, SizeUnit::Kb, SizeUnit::Mb, SizeUnit::Gb]
            .into_iter()
            .find(|u| u.suffix() == s)
    }
}

/// The unit suffix of a [`Constraint::MaxDuration`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    /// `s`: seconds.
    S,
    /// `m`: minutes.
    M,
    /// `h`: hours.
    H,
    /// `d`: days of 86 400 seconds.
    D,
}

impl DurationUnit {
    /// Seconds per unit.
    pub fn seconds(self) -> u64 {
        match self {
            DurationUnit::S => 1,
            DurationUnit::M => 60,
            DurationUnit::H => 3_600,
            DurationUnit::D => 86_400,
        }
    }

    /// The suffix as written in a scope.
    pub fn suffix(self) -> &'static str {
        match self {
            DurationUnit::S => "s",
            DurationUnit::M => "m",
            DurationUnit::H => "h",
            DurationUnit::D => "d",
        }
    }

    fn label(self) -> &'static str {
        match self {
            DurationUnit::S => "second",
            DurationUnit::M => "minute",
            DurationUnit::H => "hour",
            DurationUnit::D => "day",
        }
    }

    fn from_suffix(s: &str) -> Option<DurationUnit> {
        [
            DurationUnit::S,
            DurationUnit::M,
            DurationUnit::H,
            DurationUnit::D,
        ]
        .into_iter()
        .find(|u| u.suffix() == s)
    }
}

/// A proleptic Gregorian calendar date with a four-digit year, as used by `since_<YYYY-MM-DD>`.
/// Orders chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // Field order matters: the derived `Ord` compares year, then month, then day.
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A date if it exists in the calendar and its year has at most four digits.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (year <= 9999 && (1..=days).contains(&day)).then_some(Date { year, month, day })
    }

    /// The year (0–9999).
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month (1–12).
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month (1–31).
    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Checks one lexical part; `at` is its byte offset in the scope, for the message.
fn check_word(part: &str, at: usize, what: &str, allow_dot: bool) -> Result<(), String> {
    let mut chars = part.char_indices();
    match chars.next() {
        None => return Err(format!("{what} is empty (at byte {at})")),
        Some((_, c)) if c.is_ascii_lowercase() || c.is_ascii_digit() => {}
        Some((_, c)) => {
            return Err(format!(
                "{what} starts with {c:?} at byte {at}; it must start with a-z or 0-9{}",
                hint(c)
            ));
        }
    }
    for (i, c) in chars {
        let ok = c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || c == '_'
            || c == '-'
            || (allow_dot && c == '.');
        if !ok {
            let allowed = if allow_dot {
                "a-z 0-9 _ - ."
            } else {
                "a-z 0-9 _ -"
            };
            return Err(format!(
                "{what} contains {c:?} at byte {}; only {allowed} are allowed{}",
                at + i,
                hint(c)
            ));
        }
    }
    Ok(())
}

fn hint(c: char) -> &'static str {
    if c.is_uppercase() {
        " (scopes are lower-case)"
    } else if c == ':' {
        " (a scope has at most three ':'-separated parts)"
    } else {
        ""
    }
}

fn check_resource(resource: &str) -> Result<(), String> {
    if resource.is_empty() {
        return Err("resource is empty (at byte 0)".to_owned());
    }
    let mut at = 0;
    for segment in resource.split('.') {
        if segment.is_empty() {
            return Err(format!(
                "resource has an empty dot-separated segment at byte {at} (reverse-DNS: com.example.crm)"
            ));
        }
        check_word(segment, at, "resource", false)?;
        at += segment.len() + 1;
    }
    Ok(())
}

/// Parses the constraint part; `at` is its byte offset in the scope, for the message.
fn parse_constraint(c: &str, at: usize) -> Result<Constraint, String> {
    check_word(c, at, "constraint", true)?;
    let typed = |prefix: &str| {
        c.strip_prefix(prefix)
            .filter(|v| v.starts_with(|ch: char| ch.is_ascii_digit()))
    };
    let in_constraint = |detail: String| format!("constraint {c:?}: {detail}");
    // Longer prefixes first: `max_size_…` and `max_duration_…` must not be read as `max_`.
    if let Some(v) = typed("max_size_") {
        let (amount, suffix) = split_number(v).map_err(in_constraint)?;
        let unit = match suffix {
            "" => None,
            s => Some(SizeUnit::from_suffix(s).ok_or_else(|| {
                in_constraint(format!("unknown size unit {s:?}; use b, kb, mb or gb"))
            })?),
        };
        let constraint = Constraint::MaxSize { amount, unit };
        if constraint.max_size_bytes().is_none() {
            return Err(in_constraint("the size does not fit in 64 bits".to_owned()));
        }
        return Ok(constraint);
    }
    if let Some(v) = typed("max_duration_") {
        let (amount, suffix) = split_number(v).map_err(in_constraint)?;
        let unit = match suffix {
            "" => None,
            s => Some(DurationUnit::from_suffix(s).ok_or_else(|| {
                in_constraint(format!("unknown duration unit {s:?}; use s, m, h or d"))
            })?),
        };
        let constraint = Constraint::MaxDuration { amount, unit };
        if constraint.max_duration_seconds().is_none() {
            return Err(in_constraint(
                "the duration does not fit in 64 bits".to_owned(),
            ));
        }
        return Ok(constraint);
    }
    if let Some(v) = typed("max_") {
        return parse_number(v).map(Constraint::Max).map_err(in_constraint);
    }
    if let Some(v) = typed("limit_") {
        return parse_number(v)
            .map(Constraint::Limit)
            .map_err(in_constraint);
    }
    if let Some(v) = typed("since_") {
        return parse_date(v).map(Constraint::Since).map_err(in_constraint);
    }
    if let Some(id) = c.strip_prefix("folder_").filter(|id| !id.is_empty()) {
        return Ok(Constraint::Folder(id.to_owned()));
    }
    Ok(Constraint::Other(c.to_owned()))
}

/// Splits `<digits><letters>` into the parsed number and the letter suffix.
fn split_number(v: &str) -> Result<(u64, &str), String> {
    let digits = v.trim_end_matches(|c: char| c.is_ascii_lowercase());
    let suffix = v.get(digits.len()..).unwrap_or_default();
    Ok((parse_number(digits)?, suffix))
}

/// A decimal `u64` without sign or leading zeros.
fn parse_number(digits: &str) -> Result<u64, String> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{digits:?} is not a decimal number"));
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(format!("{digits:?} has a leading zero"));
    }
    digits
        .bytes()
        .try_fold(0u64, |n, b| {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        })
        .ok_or_else(|| format!("{digits} does not fit in 64 bits (maximum {})", u64::MAX))
}

fn parse_date(v: &str) -> Result<Date, String> {
    let malformed = || format!("{v:?} is not a date of the form YYYY-MM-DD");
    let &[y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = v.as_bytes() else {
        return Err(malformed());
    };
    let number = |digits: &[u8]| -> Option<u16> {
        digits.iter().try_fold(0u16, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u16::from(b - b'0'))
        })
    };
    let (Some(year), Some(month), Some(day)) = (
        number(&[y1, y2, y3, y4]),
        number(&[m1, m2]),
        number(&[d1, d2]),
    ) else {
        return Err(malformed());
    };
    let (Ok(month), Ok(day)) = (u8::try_from(month), u8::try_from(day)) else {
        return Err(malformed());
    };
    Date::new(year, month, day).ok_or_else(|| format!("{v} is not a calendar date"))
}

/// True when `child` grants no more than `parent`, so it may be delegated under it.
///
/// Exact byte equality always narrows. Otherwise both must parse ([`Scope::parse`]) and
/// [`Scope::narrows`] decides: same resource and action, and the parent unconstrained or both constrained with
/// the same kind and the child's bound within the parent's (`payments:initiate:max_100` narrows
/// `payments:initiate:max_500` and `payments:initiate`, not the reverse). A string that does not parse
/// narrows only what it is byte-equal to, so free-form upstream scopes keep their exact-match behaviour.
pub fn narrows(child: &str, parent: &str) -> bool {
    if child == parent {
        return true;
    }
    match (Scope::parse(child), Scope::parse(parent)) {
        (Ok(c), Ok(p)) => c.narrows(&p),
        _ => false,
    }
}

/// True when a granted scope covers a required one (for services that opt into constraint-aware checks;
/// token verification's `requiredScopes` stays exact, see [`missing_exact`]).
///
/// * Equal strings always satisfy.
/// * Otherwise both must parse and share resource and action, and either
///   * the required scope has no constraint — `payments:initiate:max_500` satisfies `payments:initiate`: the
///     service asked for the capability and **must then enforce the granted constraint** itself; or
///   * the required scope [`narrows`] the granted one — `payments:initiate:max_500` satisfies
///     `payments:initiate:max_100`, and `payments:initiate` satisfies any `payments:initiate:…`.
/// * A string that does not parse satisfies, and is satisfied by, only byte-equal strings.
pub fn satisfies(granted: &str, required: &str) -> bool {
    satisfies_parsed(
        granted,
        Scope::parse(granted).ok().as_ref(),
        required,
        Scope::parse(required).ok().as_ref(),
    )
}

fn satisfies_parsed(granted: &str, g: Option<&Scope>, required: &str, r: Option<&Scope>) -> bool {
    if granted == required {
        return true;
    }
    match (g, r) {
        (Some(g), Some(r)) => {
            g.resource == r.resource
                && g.action == r.action
                && (r.constraint.is_none() || r.narrows(g))
        }
        _ => false,
    }
}

/// The built-in consent texts (PROTOCOL.md §5.4). Display-only: the wording is ours, not a wire contract.
const DESCRIPTIONS: [(&str, &str); 11] = [
    ("calendar:read", "See your calendar events"),
    (
        "calendar:write",
        "Add, change and remove your calendar events",
    ),
    ("email:read", "Read your email"),
    ("email:send", "Send email on your behalf"),
    ("email:delete", "Delete your email"),
    ("files:read", "Open and read your files"),
    ("files:write", "Create and change your files"),
    ("payments:read", "See your payments and balances"),
    ("payments:initiate", "Make payments of any amount"),
    ("profile:read", "See your profile and identity details"),
    ("contacts:read", "See your contacts"),
];

fn builtin_description(base: &str) -> Option<&'static str> {
    DESCRIPTIONS
        .iter()
        .find(|(scope, _)| *scope == base)
        .map(|(_, text)| *text)
}

/// Plain-language text for the consent page (PROTOCOL.md §5.4).
///
/// Built-in scopes get a sentence; `payments:initiate:max_<N>` (any digits, as upstream matches it) names the
/// amount; a parseable scope with a typed constraint gets the constraint in words after the built-in text or,
/// for other resources, after the verbatim `resource:action` (`"com.example.crm:read (at most 50 items)"`).
/// Anything else — unknown scopes, [`Constraint::Other`], unparseable strings — is returned verbatim.
/// The result is plain text: the caller escapes it for HTML.
pub fn describe(scope: &str) -> String {
    if let Some(text) = builtin_description(scope) {
        return text.to_owned();
    }
    // Matched on the string, not the parsed scope, so that upstream's `max_0500` is described too.
    if let Some(n) = scope.strip_prefix("payments:initiate:max_")
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
    {
        return format!("Make payments of up to {n} in your account's base currency");
    }
    let Ok(parsed) = Scope::parse(scope) else {
        return scope.to_owned();
    };
    let Some(words) = parsed.constraint().and_then(Constraint::words) else {
        return scope.to_owned();
    };
    let base = format!("{}:{}", parsed.resource, parsed.action);
    match builtin_description(&base) {
        Some(text) => format!("{text} ({words})"),
        None => format!("{base} ({words})"),
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
    use proptest::prelude::*;

    fn code_of(r: Result<impl fmt::Debug>) -> ErrorCode {
        r.unwrap_err().code
    }

    #[test]
    fn grammar_accepts() {
        let long = format!("{}:read", "a".repeat(MAX_SCOPE_LEN - 5));
        let cases = [
            "calendar:read",
            "a:b",
            "0:0",
            "a_b-c:d_e-f",
            "com.example.crm:read",
            "com.example.crm:contacts-export:limit_10",
            "payments:initiate:max_500",
            "x:y:max_0",
            "x:y:max_18446744073709551615",
            "files:read:folder_abc.def-1",
            "files:read:folder__x",
            "email:read:since_2026-01-01",
            "email:read:since_2024-02-29",
            "email:read:since_2000-02-29",
            "files:write:max_size_10",
            "files:write:max_size_10b",
            "files:write:max_size_10kb",
            "files:write:max_size_10mb",
            "files:write:max_size_17179869183gb",
            "x:y:max_duration_30",
            "x:y:max_duration_2h",
            "x:y:max_duration_7d",
            "x:y:custom.thing-1",
            "x:y:max_results",
            "x:y:since_yesterday",
            "x:y:max_",
            "x:y:folder_",
            "x:y:max_-1",
            "x:y:max_size_",
            "x:y:7",
            long.as_str(),
        ];
        for s in cases {
            let scope = Scope::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(scope.to_string(), s, "round trip of {s}");
            assert_eq!(s.parse::<Scope>().unwrap(), scope);
        }
    }

    #[test]
    fn grammar_rejects_with_located_messages() {
        let long = format!("{}:read", "a".repeat(MAX_SCOPE_LEN - 4));
        let cases: [(&str, &str); 37] = [
            ("", "empty"),
            ("calendar", "no ':'"),
            (":read", "resource is empty"),
            ("calendar:", "action is empty"),
            ("calendar:read:", "constraint is empty"),
            ("Calendar:read", "'C' at byte 0"),
            ("calendar:Read", "at byte 9; it must start"),
            ("calendar:rEad", "'E' at byte 10"),
            ("com..example:read", "empty dot-separated segment at byte 4"),
            (".com:read", "empty dot-separated segment at byte 0"),
            ("com.:read", "empty dot-separated segment at byte 4"),
            ("com.Example:read", "'E' at byte 4"),
            ("_x:read", "starts with '_'"),
            ("x:-y", "starts with '-'"),
            ("x:y:_z", "constraint starts with '_'"),
            ("x:y:a:b", "at most three"),
            ("x:y:max_5:z", "at most three"),
            ("x::y", "action is empty"),
            ("cal endar:read", "' ' at byte 3"),
            ("calendar:read ", "' ' at byte 13"),
            ("caléndar:read", "'é' at byte 3"),
            ("x.y:a.b", "'.' at byte 5"),
            ("x:y:max_05", "leading zero"),
            ("x:y:max_1a", "not a decimal number"),
            ("x:y:max_+1", "'+'"),
            ("x:y:max_18446744073709551616", "does not fit"),
            ("x:y:limit_1.5", "not a decimal number"),
            ("x:y:since_2026-02-30", "not a calendar date"),
            ("x:y:since_2025-02-29", "not a calendar date"),
            ("x:y:since_1900-02-29", "not a calendar date"),
            ("x:y:since_2026-13-01", "not a calendar date"),
            ("x:y:since_2026-1-01", "YYYY-MM-DD"),
            ("x:y:since_2026-01-01x", "YYYY-MM-DD"),
            ("x:y:max_size_10tb", "unknown size unit"),
            ("x:y:max_size_17179869184gb", "does not fit"),
            ("x:y:max_duration_10w", "unknown duration unit"),
            (long.as_str(), "at most 256"),
        ];
        for (s, fragment) in cases {
            let err = Scope::parse(s).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidScope, "{s}");
            assert_eq!(err.code.as_str(), "INVALID_SCOPE");
            assert!(
                err.message.contains(fragment),
                "{s}: {:?} lacks {fragment:?}",
                err.message
            );
        }
        let overflow_days = format!("x:y:max_duration_{}d", u64::MAX / 86_400 + 1);
        assert!(
            Scope::parse(&overflow_days)
                .unwrap_err()
                .message
                .contains("does not fit")
        );
        assert!(Scope::parse(&format!("x:y:max_duration_{}d", u64::MAX / 86_400)).is_ok());
    }

    #[test]
    fn every_constraint_kind() {
        let c = |s: &str| Constraint::parse(s).unwrap();
        assert_eq!(c("max_500"), Constraint::Max(500));
        assert_eq!(c("limit_10"), Constraint::Limit(10));
        assert_eq!(
            c("since_2026-01-31"),
            Constraint::Since(Date::new(2026, 1, 31).unwrap())
        );
        assert_eq!(c("folder_inbox"), Constraint::Folder("inbox".into()));
        assert_eq!(
            c("max_size_5mb"),
            Constraint::MaxSize {
                amount: 5,
                unit: Some(SizeUnit::Mb)
            }
        );
        assert_eq!(
            c("max_size_5"),
            Constraint::MaxSize {
                amount: 5,
                unit: None
            }
        );
        assert_eq!(c("max_size_5mb").max_size_bytes(), Some(5 << 20));
        assert_eq!(c("max_size_5b").max_size_bytes(), Some(5));
        assert_eq!(c("max_size_2gb").max_size_bytes(), Some(2 << 30));
        assert_eq!(
            c("max_duration_90m"),
            Constraint::MaxDuration {
                amount: 90,
                unit: Some(DurationUnit::M)
            }
        );
        assert_eq!(c("max_duration_90m").max_duration_seconds(), Some(5_400));
        assert_eq!(c("max_duration_2d").max_duration_seconds(), Some(172_800));
        assert_eq!(c("max_duration_45").max_duration_seconds(), Some(45));
        assert_eq!(c("max_results"), Constraint::Other("max_results".into()));
        assert_eq!(c("premium"), Constraint::Other("premium".into()));
        assert_eq!(c("max_5").max_size_bytes(), None);
        assert_eq!(code_of(Constraint::parse("Max_5")), ErrorCode::InvalidScope);
        assert_eq!(code_of(Constraint::parse("")), ErrorCode::InvalidScope);
        assert_eq!(
            code_of(Constraint::parse(&"a".repeat(300))),
            ErrorCode::InvalidScope
        );
        let scope = Scope::parse("files:write:max_size_1kb").unwrap();
        assert_eq!(
            (scope.resource(), scope.action(), scope.constraint()),
            (
                "files",
                "write",
                Some(&Constraint::MaxSize {
                    amount: 1,
                    unit: Some(SizeUnit::Kb)
                })
            )
        );
    }

    #[test]
    fn dates() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(2100, 2, 29).is_none());
        assert!(Date::new(2400, 2, 29).is_some());
        assert!(Date::new(2026, 4, 31).is_none());
        assert!(Date::new(2026, 0, 1).is_none());
        assert!(Date::new(2026, 1, 0).is_none());
        assert!(Date::new(10_000, 1, 1).is_none());
        assert_eq!(Date::new(7, 3, 9).unwrap().to_string(), "0007-03-09");
        assert!(Date::new(2026, 1, 2).unwrap() > Date::new(2025, 12, 31).unwrap());
        let d = Date::new(2026, 12, 31).unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2026, 12, 31));
    }

    #[test]
    fn scope_new_checks_round_trip() {
        let s = Scope::new("payments", "initiate", Some(Constraint::Max(5))).unwrap();
        assert_eq!(s.to_string(), "payments:initiate:max_5");
        assert!(Scope::new("a:b", "c", None).is_err());
        assert!(Scope::new("a", "b", Some(Constraint::Other("max_5".into()))).is_err());
        assert!(Scope::new("a", "b", Some(Constraint::Folder("X".into()))).is_err());
        assert!(Scope::new("a", "b", Some(Constraint::Max(0))).is_ok());
    }

    /// Every constraint over small values, so relations can be checked exhaustively.
    fn constraint_domain() -> Vec<Option<Constraint>> {
        let mut all = vec![None];
        for n in 0..3 {
            all.push(Some(Constraint::Max(n)));
            all.push(Some(Constraint::Limit(n)));
        }
        for (y, m, d) in [(2025, 12, 31), (2026, 1, 1), (2026, 2, 28)] {
            all.push(Some(Constraint::Since(Date::new(y, m, d).unwrap())));
        }
        for s in ["a", "b"] {
            all.push(Some(Constraint::Folder(s.into())));
            all.push(Some(Constraint::Other(s.into())));
        }
        for amount in [0, 1, 1024] {
            for unit in [None, Some(SizeUnit::B), Some(SizeUnit::Kb)] {
                all.push(Some(Constraint::MaxSize { amount, unit }));
            }
        }
        for amount in [0, 1, 60] {
            for unit in [None, Some(DurationUnit::M), Some(DurationUnit::H)] {
                all.push(Some(Constraint::MaxDuration { amount, unit }));
            }
        }
        all
    }

    #[test]
    fn narrowing_is_a_preorder_exhaustively() {
        let scopes: Vec<Scope> = constraint_domain()
            .into_iter()
            .map(|c| Scope::new("files", "write", c).unwrap())
            .collect();
        let mut chains = 0;
        for a in &scopes {
            assert!(a.narrows(a), "{a}");
            for b in &scopes {
                if !a.narrows(b) {
                    continue;
                }
                assert!(satisfies(&b.to_string(), &a.to_string()), "{a} ⊑ {b}");
                for c in &scopes {
                    if b.narrows(c) {
                        chains += 1;
                        assert!(a.narrows(c), "{a} ⊑ {b} ⊑ {c}");
                    }
                }
            }
        }
        assert!(chains > 500, "{chains}");
    }

    #[test]
    fn narrowing_table() {
        let cases = [
            (
                "payments:initiate:max_100",
                "payments:initiate:max_500",
                true,
            ),
            (
                "payments:initiate:max_500",
                "payments:initiate:max_100",
                false,
            ),
            (
                "payments:initiate:max_500",
                "payments:initiate:max_500",
                true,
            ),
            ("payments:initiate:max_100", "payments:initiate", true),
            ("payments:initiate", "payments:initiate:max_100", false),
            ("payments:initiate:max_100", "payments:read:max_500", false),
            ("payments:initiate:max_100", "billing:initiate", false),
            (
                "payments:initiate:max_100",
                "payments:initiate:limit_500",
                false,
            ),
            ("x:y:limit_5", "x:y:limit_6", true),
            ("x:y:limit_7", "x:y:limit_6", false),
            (
                "email:read:since_2026-02-01",
                "email:read:since_2026-01-01",
                true,
            ),
            (
                "email:read:since_2025-12-31",
                "email:read:since_2026-01-01",
                false,
            ),
            ("files:read:folder_a", "files:read:folder_a", true),
            ("files:read:folder_a", "files:read:folder_b", false),
            ("files:read:folder_a", "files:read", true),
            (
                "files:write:max_size_1kb",
                "files:write:max_size_1024",
                true,
            ),
            (
                "files:write:max_size_1024",
                "files:write:max_size_1kb",
                true,
            ),
            (
                "files:write:max_size_1000kb",
                "files:write:max_size_1mb",
                true,
            ),
            (
                "files:write:max_size_1mb",
                "files:write:max_size_1000kb",
                false,
            ),
            ("files:write:max_size_5", "files:write:max_10", false),
            ("x:y:max_duration_60m", "x:y:max_duration_1h", true),
            ("x:y:max_duration_1h", "x:y:max_duration_60m", true),
            ("x:y:max_duration_2h", "x:y:max_duration_1d", true),
            ("x:y:max_duration_2d", "x:y:max_duration_1d", false),
            ("x:y:premium", "x:y:premium", true),
            ("x:y:premium", "x:y:basic", false),
            ("x:y:premium", "x:y", true),
            ("tool:crm:read:capped:5", "tool:crm:read:capped:5", true),
            ("tool:crm:read:capped:5", "tool:crm:read", false),
            ("Payments:initiate", "payments:initiate", false),
            ("payments:initiate", "Payments:initiate", false),
            ("vault:github:*", "vault:github:*", true),
        ];
        for (child, parent, expected) in cases {
            assert_eq!(
                narrows(child, parent),
                expected,
                "narrows({child}, {parent})"
            );
        }
    }

    #[test]
    fn satisfies_table() {
        let cases = [
            ("payments:initiate:max_500", "payments:initiate", true),
            ("payments:initiate", "payments:initiate:max_500", true),
            (
                "payments:initiate:max_500",
                "payments:initiate:max_100",
                true,
            ),
            (
                "payments:initiate:max_100",
                "payments:initiate:max_500",
                false,
            ),
            (
                "payments:initiate:max_500",
                "payments:initiate:limit_1",
                false,
            ),
            ("files:read:folder_a", "files:read:folder_b", false),
            ("files:read:folder_a", "files:read:folder_a", true),
            ("payments:initiate", "payments:read", false),
            ("calendar:read", "calendar:read", true),
            ("Calendar:read", "Calendar:read", true),
            ("Calendar:read", "calendar:read", false),
            ("calendar:read", "Calendar:read", false),
        ];
        for (granted, required, expected) in cases {
            assert_eq!(
                satisfies(granted, required),
                expected,
                "satisfies({granted}, {required})"
            );
        }
    }

    #[test]
    fn missing_lists() {
        let granted = ["payments:initiate:max_500", "calendar:read", "Free Form"];
        let required: Vec<String> = [
            "payments:initiate",
            "payments:initiate:max_100",
            "payments:initiate:max_900",
            "calendar:read",
            "calendar:write",
            "Free Form",
        ]
        .map(String::from)
        .into();
        assert_eq!(
            missing_satisfied(&granted, &required),
            ["payments:initiate:max_900", "calendar:write"]
        );
        assert_eq!(
            missing_exact(&granted, &required),
            [
                "payments:initiate",
                "payments:initiate:max_100",
                "payments:initiate:max_900",
                "calendar:write"
            ]
        );
        assert_eq!(
            missing_satisfied(&[] as &[&str], &required).len(),
            required.len()
        );
    }

    #[test]
    fn wire_limits() {
        assert!(validate_wire(&["calendar:read"]).is_ok());
        assert!(validate_wire(&["Free Form, no grammar!"]).is_ok());
        assert_eq!(
            code_of(validate_wire(&[] as &[&str])),
            ErrorCode::InvalidScope
        );
        assert!(validate_wire(&vec!["a"; 100]).is_ok());
        assert!(
            validate_wire(&vec!["a"; 101])
                .unwrap_err()
                .message
                .contains("got 101")
        );
        assert!(
            validate_wire(&["ok", ""])
                .unwrap_err()
                .message
                .contains("scopes[1] is empty")
        );
        for blank in [" ", "\t\n\r", "\u{a0}\u{3000}", "\u{feff}", "\u{2028}"] {
            assert!(
                validate_wire(&[blank])
                    .unwrap_err()
                    .message
                    .contains("whitespace"),
                "{blank:?}"
            );
        }
        // JavaScript's trim() keeps U+0085, so upstream accepts it.
        assert!(validate_wire(&["\u{85}"]).is_ok());
        assert!(validate_wire(&["a".repeat(256)]).is_ok());
        assert!(
            validate_wire(&["a".repeat(257)])
                .unwrap_err()
                .message
                .contains("257 UTF-16")
        );
        assert!(validate_wire(&["é".repeat(256)]).is_ok());
        assert!(validate_wire(&["😀".repeat(128)]).is_ok());
        assert!(validate_wire(&["😀".repeat(129)]).is_err());
        assert!(validate_wire(&[String::from("x"), String::from("y")]).is_ok());
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe("calendar:read"), "See your calendar events");
        for (scope, _) in DESCRIPTIONS {
            assert_ne!(describe(scope), scope);
        }
        assert_eq!(
            describe("payments:initiate:max_500"),
            "Make payments of up to 500 in your account's base currency"
        );
        assert_eq!(
            describe("payments:initiate:max_0500"),
            "Make payments of up to 0500 in your account's base currency"
        );
        assert_eq!(
            describe("email:read:since_2026-01-01"),
            "Read your email (only from 2026-01-01 on)"
        );
        assert_eq!(
            describe("files:read:folder_work"),
            "Open and read your files (only in folder work)"
        );
        assert_eq!(
            describe("contacts:read:limit_50"),
            "See your contacts (at most 50 items)"
        );
        assert_eq!(
            describe("files:write:max_size_10mb"),
            "Create and change your files (up to 10 MB in size)"
        );
        assert_eq!(
            describe("files:write:max_size_1"),
            "Create and change your files (up to 1 byte in size)"
        );
        assert_eq!(describe("x:y:max_duration_2h"), "x:y (for up to 2 hours)");
        assert_eq!(describe("x:y:max_duration_1"), "x:y (for up to 1 second)");
        assert_eq!(
            describe("com.example.crm:read:max_7"),
            "com.example.crm:read (up to 7)"
        );
        assert_eq!(describe("files:read:premium"), "files:read:premium");
        assert_eq!(describe("com.example.crm:read"), "com.example.crm:read");
        assert_eq!(describe("Calendar:Read"), "Calendar:Read");
        assert_eq!(describe(""), "");
    }

    // Small domains, so that generated scopes often share a resource, action and constraint kind and the
    // narrowing relation is exercised rather than vacuously false.
    fn small_constraint() -> impl Strategy<Value = Option<Constraint>> {
        prop_oneof![
            Just(None),
            (0u64..4).prop_map(|n| Some(Constraint::Max(n))),
            (0u64..4).prop_map(|n| Some(Constraint::Limit(n))),
            (2025u16..2027, 1u8..3, 1u8..4)
                .prop_map(|(y, m, d)| Some(Constraint::Since(Date::new(y, m, d).unwrap()))),
            prop_oneof![Just("a"), Just("b")].prop_map(|f| Some(Constraint::Folder(f.into()))),
            (0u64..3, size_unit())
                .prop_map(|(amount, unit)| Some(Constraint::MaxSize { amount, unit })),
            (0u64..3, duration_unit())
                .prop_map(|(amount, unit)| Some(Constraint::MaxDuration { amount, unit })),
            prop_oneof![Just("x"), Just("y-z")].prop_map(|o| Some(Constraint::Other(o.into()))),
        ]
    }

    fn size_unit() -> impl Strategy<Value = Option<SizeUnit>> {
        prop_oneof![
            Just(None),
            Just(Some(SizeUnit::B)),
            Just(Some(SizeUnit::Kb)),
            Just(Some(SizeUnit::Mb)),
            Just(Some(SizeUnit::Gb))
        ]
    }

    fn duration_unit() -> impl Strategy<Value = Option<DurationUnit>> {
        prop_oneof![
            Just(None),
            Just(Some(DurationUnit::S)),
            Just(Some(DurationUnit::M)),
            Just(Some(DurationUnit::H)),
            Just(Some(DurationUnit::D))
        ]
    }

    fn base() -> impl Strategy<Value = (&'static str, &'static str)> {
        prop_oneof![
            Just(("payments", "initiate")),
            Just(("payments", "read")),
            Just(("com.example.crm", "initiate")),
        ]
    }

    fn small_scope() -> impl Strategy<Value = Scope> {
        (base(), small_constraint()).prop_map(|((r, a), c)| Scope::new(r, a, c).unwrap())
    }

    /// Valid scopes over the whole value range, for round trips.
    fn any_scope() -> impl Strategy<Value = Scope> {
        let word = "[a-z0-9][a-z0-9_-]{0,10}";
        let constraint = prop_oneof![
            Just(None),
            any::<u64>().prop_map(|n| Some(Constraint::Max(n))),
            any::<u64>().prop_map(|n| Some(Constraint::Limit(n))),
            (0u16..=9999, 1u8..=12, 1u8..=31)
                .prop_filter_map("calendar date", |(y, m, d)| Date::new(y, m, d))
                .prop_map(|d| Some(Constraint::Since(d))),
            "[a-z0-9_.-]{1,20}".prop_map(|id| Some(Constraint::Folder(id))),
            (any::<u64>(), size_unit()).prop_map(|(n, unit)| {
                let amount = n / unit.map_or(1, SizeUnit::bytes);
                Some(Constraint::MaxSize { amount, unit })
            }),
            (any::<u64>(), duration_unit()).prop_map(|(n, unit)| {
                let amount = n / unit.map_or(1, DurationUnit::seconds);
                Some(Constraint::MaxDuration { amount, unit })
            }),
            "[a-z][a-z0-9_.-]{0,20}"
                .prop_filter_map("well-formed constraint", |s| Constraint::parse(&s).ok())
                .prop_map(Some),
        ];
        (prop::collection::vec(word, 1..4), word, constraint)
            .prop_map(|(segments, action, c)| Scope::new(&segments.join("."), &action, c).unwrap())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn narrows_is_reflexive(s in small_scope()) {
            prop_assert!(s.narrows(&s));
            prop_assert!(narrows(&s.to_string(), &s.to_string()));
        }

        #[test]
        fn narrows_is_transitive(a in small_scope(), b in small_scope(), c in small_scope()) {
            if a.narrows(&b) && b.narrows(&c) {
                prop_assert!(a.narrows(&c), "{a} ⊑ {b} ⊑ {c}");
            }
            let (a, b, c) = (a.to_string(), b.to_string(), c.to_string());
            if narrows(&a, &b) && narrows(&b, &c) {
                prop_assert!(narrows(&a, &c), "{a} ⊑ {b} ⊑ {c}");
            }
        }

        #[test]
        fn narrowing_child_is_satisfied_by_parent(c in small_scope(), p in small_scope()) {
            let (c, p) = (c.to_string(), p.to_string());
            if narrows(&c, &p) {
                prop_assert!(satisfies(&p, &c), "{c} ⊑ {p}");
            }
        }

        #[test]
        fn constrained_child_stays_in_its_resource_and_action(
            child in small_scope(), parent in small_scope(),
        ) {
            prop_assume!(child.constraint().is_some());
            prop_assume!((child.resource(), child.action()) != (parent.resource(), parent.action()));
            prop_assert!(!child.narrows(&parent));
            prop_assert!(!narrows(&child.to_string(), &parent.to_string()));
            prop_assert!(!satisfies(&parent.to_string(), &child.to_string()));
        }

        #[test]
        fn display_round_trips(s in any_scope()) {
            let text = s.to_string();
            prop_assert_eq!(Scope::parse(&text).unwrap(), s);
            prop_assert_eq!(Scope::parse(&text).unwrap().to_string(), text);
        }

        #[test]
        fn parsed_strings_print_back_verbatim(s in "[a-z0-9._-]{1,12}:[a-z0-9_-]{1,8}(:[a-z0-9_.-]{1,16})?") {
            if let Ok(scope) = Scope::parse(&s) {
                prop_assert_eq!(scope.to_string(), s);
            }
        }

        #[test]
        fn validate_wire_never_panics(v in prop::collection::vec(any::<String>(), 0..4), s in ".{0,300}") {
            let _ = validate_wire(&v);
            let _ = validate_wire(&[s]);
        }

        #[test]
        fn parse_never_panics(s in any::<String>(), t in "[a-zA-Z0-9:._+ -]{0,40}") {
            for x in [&s, &t] {
                if let Err(e) = Scope::parse(x) {
                    prop_assert_eq!(e.code, ErrorCode::InvalidScope);
                }
                let _ = Constraint::parse(x);
                let _ = describe(x);
                let _ = narrows(x, &s);
                let _ = satisfies(x, &t);
            }
        }
    }
}
