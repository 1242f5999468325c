//! Scope grammar and matching on arbitrary strings: `Scope::parse`, `narrows`, `satisfies`,
//! `missing_satisfied`, `validate_wire`, `describe` must never panic, and must keep their documented laws:
//!
//! * every parseable scope prints back to itself and narrows itself (`narrows(a, a)`, `Scope::narrows`);
//! * `narrows(child, parent)` implies `satisfies(parent, child)`;
//! * `missing_satisfied` lists exactly the required scopes no granted scope `satisfies`;
//! * `validate_wire` accepts every list of 1..=100 grammar scopes.
#![no_main]

use grantex_core::scope::{self, Constraint, Scope};
use libfuzzer_sys::fuzz_target;

fn check_one(s: &str) {
    let _ = scope::describe(s);
    let _ = Constraint::parse(s);
    assert!(scope::narrows(s, s));
    assert!(scope::satisfies(s, s));
    if let Ok(parsed) = Scope::parse(s) {
        assert_eq!(
            parsed.to_string(),
            s,
            "Display does not reproduce the parsed scope"
        );
        assert_eq!(
            Scope::parse(&parsed.to_string()).ok().as_ref(),
            Some(&parsed)
        );
        assert!(parsed.narrows(&parsed), "{s:?} does not narrow itself");
        if let Some(c) = parsed.constraint() {
            assert!(c.narrows(c), "constraint of {s:?} does not narrow itself");
            assert_eq!(Constraint::parse(&c.to_string()).ok().as_ref(), Some(c));
            let rebuilt = Scope::new(parsed.resource(), parsed.action(), Some(c.clone()));
            assert_eq!(rebuilt.ok().as_ref(), Some(&parsed));
            // The same scope without its constraint is broader.
            let base = Scope::new(parsed.resource(), parsed.action(), None).unwrap();
            assert!(parsed.narrows(&base));
            assert!(!base.narrows(&parsed));
        }
        assert!(
            scope::validate_wire(&[s]).is_ok(),
            "grammar scope {s:?} fails the wire limits"
        );
    }
}

// Input: UTF-8 text, one scope per line: `a`, `b`, then the list (granted scopes / a wire `scopes` array).
// Plain text keeps the seeds readable and lets the fuzzer's dictionary of `:`/`_`/digits work directly.
fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n').map(str::to_owned);
    let a = lines.next().unwrap_or_default();
    let b = lines.next().unwrap_or_default();
    let list: Vec<String> = lines.collect();
    check_one(&a);
    check_one(&b);

    // Both directions, never panicking; narrowing implies satisfaction the other way round.
    for (x, y) in [(&a, &b), (&b, &a)] {
        let n = scope::narrows(x, y);
        let _ = scope::satisfies(x, y);
        if n {
            assert!(
                scope::satisfies(y, x),
                "narrows({x:?}, {y:?}) but not satisfies({y:?}, {x:?})"
            );
        }
    }

    let _ = scope::validate_wire(&list);
    let granted: Vec<&str> = list.iter().map(String::as_str).take(16).collect();
    let required = vec![a.clone(), b.clone()];
    let missing = scope::missing_satisfied(&granted, &required);
    for r in &required {
        let covered = granted.iter().any(|g| scope::satisfies(g, r));
        assert_eq!(
            !covered,
            missing.contains(&r.as_str()),
            "missing_satisfied disagrees with satisfies on {r:?}"
        );
    }
    let exact = scope::missing_exact(&granted, &required);
    for r in &exact {
        // Exact matching is stricter than constraint-aware matching.
        assert!(!granted.contains(r));
    }
    if (1..=scope::MAX_WIRE_SCOPES).contains(&list.len())
        && list.iter().all(|s| Scope::parse(s).is_ok())
    {
        assert!(scope::validate_wire(&list).is_ok());
    }
});
