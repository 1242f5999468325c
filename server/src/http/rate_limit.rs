//! In-process fixed-window rate limiter keyed by developer (PROTOCOL.md §1.8, IMP-23). Correct for one
//! node; a multi-node deployment would move the counters to the shared database.

use std::collections::HashMap;
use std::sync::Mutex;

/// Outcome of one check, with the values of the `x-ratelimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// `x-ratelimit-limit`.
    pub limit: u32,
    /// `x-ratelimit-remaining`.
    pub remaining: u32,
    /// `x-ratelimit-reset`: whole seconds until the window resets (also `Retry-After` on 429), ≥ 1.
    pub reset: u64,
}

/// Fixed windows of `window` seconds, `limit` requests each, per key.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: u64,
    windows: Mutex<HashMap<String, (u64, u32)>>,
}

impl RateLimiter {
    /// A limiter allowing `limit` requests per `window_seconds` (≥ 1).
    pub fn new(limit: u32, window_seconds: u32) -> RateLimiter {
        RateLimiter {
            limit,
            window: u64::from(window_seconds.max(1)),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request for `key` at `now_ms`.
    pub fn check(&self, key: &str, now_ms: u64) -> Decision {
        let now = now_ms / 1000;
        let window_start = now - now % self.window;
        let reset = (window_start + self.window).saturating_sub(now).max(1);
        let Ok(mut windows) = self.windows.lock() else {
            return Decision {
                allowed: true,
                limit: self.limit,
                remaining: self.limit,
                reset,
            };
        };
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| *start == window_start);
        }
        let entry = windows.entry(key.to_owned()).or_insert((window_start, 0));
        if entry.0 != window_start {
            *entry = (window_start, 0);
        }
        let allowed = entry.1 < self.limit;
        if allowed {
            entry.1 += 1;
        }
        Decision {
            allowed,
            limit: self.limit,
            remaining: self.limit - entry.1,
            reset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_window() {
        let limiter = RateLimiter::new(2, 60);
        let t = 120_000;
        assert_eq!(limiter.check("a", t).remaining, 1);
        assert_eq!(limiter.check("a", t + 1).remaining, 0);
        let d = limiter.check("a", t + 2_000);
        assert!(!d.allowed);
        assert_eq!(d.reset, 58);
        assert!(limiter.check("b", t).allowed);
        assert!(limiter.check("a", t + 60_000).allowed);
    }
}
