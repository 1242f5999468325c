//! Per-client-IP rate limits (PROTOCOL.md §1.8, §10.4; IMP-23), in process, for the routes that are not
//! (or not only) protected by the per-developer limiter:
//!
//! | Class | Routes | Default (per IP, fixed 60 s window) | Flag |
//! |---|---|---|---|
//! | token | `/v1/token`, `/v1/token/refresh` | 20 (upstream's value) | `--token-rate-limit` |
//! | public | `/consent`, `/v1/consent/{id}[/approve\|/deny]`, `/permissions`, `/v1/principal/*` | 300 | `--public-rate-limit` |
//!
//! The static public documents (`/health`, `/.well-known/*`, `/openapi.json`, `/metrics`) are not limited:
//! verifiers refetch the JWKS on every verification and it must carry no `x-ratelimit-*` header (§1.8).
//!
//! The check runs before authentication and body parsing. Past the limit the answer is 429
//! `RATE_LIMIT_EXCEEDED`, "retry in N seconds", `Retry-After: N` and the `x-ratelimit-*` headers of this
//! limiter; otherwise the response carries the `x-ratelimit-*` of whichever limiter (this one or the
//! per-developer one) has fewer requests left.
//!
//! **Client address.** The socket peer (axum `ConnectInfo<SocketAddr>`, installed by `grantex serve`).
//! `X-Forwarded-For` is used only with `--trust-proxy <HOPS>`: the server then sits behind that many reverse
//! proxies, each appending the address it saw, and the client is the HOPS-th entry from the right (entries
//! further left are client-supplied and never trusted). A request without a known peer address (the router
//! driven in process, as the HTTP tests do) is not limited. IPv4-mapped IPv6 addresses count as IPv4; other
//! IPv6 addresses are grouped by their /64 prefix (what one host or subscriber usually controls).
//!
//! **Memory.** Counters live for one window: the first request of a new window drops them all, so idle
//! addresses are never kept. At most `max_clients` addresses are tracked per class within a window; when
//! the table is full, requests from addresses not yet in it are refused (429, until the window ends)
//! rather than growing the table — a flood from more distinct addresses than that cannot exhaust memory.

use super::auth::RateLimitSlot;
use super::error::{ApiError, code};
use super::rate_limit::Decision;
use crate::config::Config;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

/// Default length of the per-IP windows, seconds (the limits are per minute).
pub const WINDOW_SECONDS: u64 = 60;
/// Default most addresses tracked per class and window.
pub const DEFAULT_MAX_CLIENTS: usize = 100_000;
/// Table capacity kept across windows; a larger table (after a burst of addresses) is released.
const RETAINED_CAPACITY: usize = 4096;

/// The limited route classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteClass {
    /// `POST /v1/token`, `POST /v1/token/refresh`.
    Token,
    /// Unauthenticated pages and APIs: consent, principal dashboard.
    Public,
}

impl RouteClass {
    /// The class of a matched route path (`None`: not IP-limited).
    pub fn of(route: &str) -> Option<RouteClass> {
        match route {
            "/v1/token" | "/v1/token/refresh" => Some(RouteClass::Token),
            "/consent"
            | "/permissions"
            | "/v1/consent/{id}"
            | "/v1/consent/{id}/approve"
            | "/v1/consent/{id}/deny"
            | "/v1/principal/grants"
            | "/v1/principal/grants/{id}"
            | "/v1/principal/audit" => Some(RouteClass::Public),
            _ => None,
        }
    }
}

#[derive(Debug, Default)]
struct Window {
    /// Window index (`now / window length`).
    index: u64,
    counts: HashMap<u128, u32>,
    /// The "table full" warning was logged in this window.
    warned: bool,
}

/// Fixed-window counters per client address, bounded in size (see the module documentation).
#[derive(Debug)]
pub struct IpLimiter {
    limit: u32,
    window: u64,
    max_clients: usize,
    state: Mutex<Window>,
}

impl IpLimiter {
    /// `limit` requests per address per `window_seconds` (≥ 1), tracking at most `max_clients` (≥ 1)
    /// addresses per window.
    pub fn new(limit: u32, window_seconds: u64, max_clients: usize) -> IpLimiter {
        IpLimiter {
            limit,
            window: window_seconds.max(1),
            max_clients: max_clients.max(1),
            state: Mutex::new(Window::default()),
        }
    }

    /// Counts one request from `ip` at `now_ms`.
    pub fn check(&self, ip: IpAddr, now_ms: u64) -> Decision {
        let now = now_ms / 1000;
        let index = now / self.window;
        let reset = (index.saturating_add(1).saturating_mul(self.window))
            .saturating_sub(now)
            .max(1);
        let refused = Decision {
            allowed: false,
            limit: self.limit,
            remaining: 0,
            reset,
        };
        let Ok(mut state) = self.state.lock() else {
            // A poisoned lock (a panic elsewhere while holding it): do not take the server down with it.
            return Decision {
                allowed: true,
                limit: self.limit,
                remaining: self.limit,
                reset,
            };
        };
        if state.index != index {
            state.index = index;
            state.warned = false;
            state.counts.clear();
            if state.counts.capacity() > 2 * RETAINED_CAPACITY {
                state.counts.shrink_to(RETAINED_CAPACITY);
            }
        }
        let key = client_key(ip);
        if !state.counts.contains_key(&key) && state.counts.len() >= self.max_clients {
            if !state.warned {
                state.warned = true;
                tracing::warn!(
                    max_clients = self.max_clients,
                    "per-IP rate limiter full for this window: refusing new addresses"
                );
            }
            return refused;
        }
        let count = state.counts.entry(key).or_insert(0);
        if *count >= self.limit {
            return refused;
        }
        *count += 1;
        Decision {
            allowed: true,
            limit: self.limit,
            remaining: self.limit - *count,
            reset,
        }
    }

    /// Addresses tracked in the current window (tests, diagnostics).
    pub fn tracked(&self) -> usize {
        self.state.lock().map_or(0, |s| s.counts.len())
    }
}

/// The key of an address: IPv4 (also IPv4-mapped IPv6) as its mapped form, IPv6 by its /64 prefix.
fn client_key(ip: IpAddr) -> u128 {
    match ip.to_canonical() {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6) & !u128::from(u64::MAX),
    }
}

/// The limiters of every class and how to find the client address (shared by all requests).
#[derive(Debug)]
pub struct IpLimits {
    token: IpLimiter,
    public: IpLimiter,
    trust_proxy_hops: u8,
}

impl IpLimits {
    /// From the configuration.
    pub fn new(config: &Config) -> IpLimits {
        IpLimits {
            token: IpLimiter::new(
                config.token_rate_limit,
                config.ip_limit_window,
                config.ip_limit_max_clients,
            ),
            public: IpLimiter::new(
                config.public_rate_limit,
                config.ip_limit_window,
                config.ip_limit_max_clients,
            ),
            trust_proxy_hops: config.trust_proxy_hops,
        }
    }

    /// The limiter of a class.
    pub fn limiter(&self, class: RouteClass) -> &IpLimiter {
        match class {
            RouteClass::Token => &self.token,
            RouteClass::Public => &self.public,
        }
    }

    /// The client address of a request: the socket peer, or with `--trust-proxy` the address the
    /// outermost trusted proxy saw. `None` when neither is known.
    pub fn client_ip(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<IpAddr> {
        if self.trust_proxy_hops > 0
            && let Some(ip) = forwarded_client(headers, self.trust_proxy_hops)
        {
            return Some(ip);
        }
        peer
    }
}

/// The `hops`-th address from the right of all `X-Forwarded-For` values (the leftmost when there are
/// fewer entries); `None` without the header or when that entry is not an IP address (optionally with a
/// port).
pub fn forwarded_client(headers: &HeaderMap, hops: u8) -> Option<IpAddr> {
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let index = entries.len().saturating_sub(usize::from(hops));
    let entry = entries.get(index)?;
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The 429 of the per-IP limiter.
fn too_many(decision: Decision) -> Response {
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        code::RATE_LIMIT_EXCEEDED,
        format!(
            "Too many requests from this address, retry in {} seconds",
            decision.reset
        ),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(decision.reset));
    response
}

fn record(slot: Option<&RateLimitSlot>, decision: Decision) {
    if let Some(slot) = slot
        && let Ok(mut current) = slot.0.lock()
    {
        *current = Some(decision);
    }
}

/// The middleware (installed inside the context middleware, which writes the `x-ratelimit-*` headers).
pub async fn middleware(
    State(limits): State<Arc<IpLimits>>,
    request: Request,
    next: Next,
) -> Response {
    let class = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| RouteClass::of(m.as_str()));
    let Some(class) = class else {
        return next.run(request).await;
    };
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let Some(ip) = limits.client_ip(request.headers(), peer) else {
        return next.run(request).await;
    };
    let decision = limits.limiter(class).check(ip, crate::time::now_ms());
    let slot = request.extensions().get::<RateLimitSlot>().cloned();
    record(slot.as_ref(), decision);
    if !decision.allowed {
        return too_many(decision);
    }
    let response = next.run(request).await;
    // Authentication may have recorded the per-developer decision: report the tighter of the two.
    if let Some(slot) = &slot
        && slot.get().is_some_and(|d| d.remaining > decision.remaining)
    {
        record(Some(slot), decision);
    }
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn fixed_window_per_address() {
        let limiter = IpLimiter::new(2, 60, 100);
        let t = 120_000;
        let a = ip("192.0.2.1");
        assert_eq!(limiter.check(a, t).remaining, 1);
        assert_eq!(limiter.check(a, t + 1).remaining, 0);
        let refused = limiter.check(a, t + 2_000);
        assert!(!refused.allowed);
        assert_eq!(refused.reset, 58);
        assert!(limiter.check(ip("192.0.2.2"), t).allowed);
        assert!(limiter.check(a, t + 60_000).allowed);
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let limiter = IpLimiter::new(1, 60, 100);
        assert!(limiter.check(ip("2001:db8:1:2::1"), 0).allowed);
        assert!(!limiter.check(ip("2001:db8:1:2:ffff::9"), 0).allowed);
        assert!(limiter.check(ip("2001:db8:1:3::1"), 0).allowed);
        assert!(limiter.check(ip("198.51.100.7"), 0).allowed);
        assert!(!limiter.check(ip("::ffff:198.51.100.7"), 0).allowed);
        // ::1 and the IPv4 loopback are different clients.
        assert!(limiter.check(ip("::1"), 0).allowed);
        assert!(limiter.check(ip("127.0.0.1"), 0).allowed);
    }

    #[test]
    fn memory_is_bounded_and_idle_entries_go_with_the_window() {
        let limiter = IpLimiter::new(5, 60, 1000);
        for i in 0..50_000u32 {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            let decision = limiter.check(ip, 1_000);
            assert_eq!(decision.allowed, i < 1000, "{i}");
        }
        assert_eq!(limiter.tracked(), 1000);
        // Addresses already tracked keep their own budget while the table is full.
        assert!(
            limiter
                .check(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000)), 2_000)
                .allowed
        );
        // The next window starts empty (idle addresses are dropped) and releases the large table.
        assert!(limiter.check(ip("203.0.113.9"), 61_000).allowed);
        assert_eq!(limiter.tracked(), 1);
        assert!(limiter.state.lock().unwrap().counts.capacity() <= 2 * RETAINED_CAPACITY);
    }

    #[test]
    fn forwarded_for_is_read_from_the_right() {
        let mut headers = HeaderMap::new();
        assert_eq!(forwarded_client(&headers, 1), None);
        headers.append("x-forwarded-for", "6.6.6.6, 203.0.113.5".parse().unwrap());
        headers.append("x-forwarded-for", "10.0.0.2".parse().unwrap());
        assert_eq!(forwarded_client(&headers, 1), Some(ip("10.0.0.2")));
        assert_eq!(forwarded_client(&headers, 2), Some(ip("203.0.113.5")));
        assert_eq!(forwarded_client(&headers, 9), Some(ip("6.6.6.6")));
        let mut ported = HeaderMap::new();
        ported.insert("x-forwarded-for", "[2001:db8::1]:443".parse().unwrap());
        assert_eq!(forwarded_client(&ported, 1), Some(ip("2001:db8::1")));
        let mut junk = HeaderMap::new();
        junk.insert("x-forwarded-for", "unknown".parse().unwrap());
        assert_eq!(forwarded_client(&junk, 1), None);
    }

    #[test]
    fn classes() {
        assert_eq!(RouteClass::of("/v1/token"), Some(RouteClass::Token));
        assert_eq!(RouteClass::of("/v1/token/refresh"), Some(RouteClass::Token));
        assert_eq!(
            RouteClass::of("/v1/consent/{id}/approve"),
            Some(RouteClass::Public)
        );
        assert_eq!(RouteClass::of("/v1/tokens/verify"), None);
        assert_eq!(RouteClass::of("/.well-known/jwks.json"), None);
        assert_eq!(RouteClass::of("/health"), None);
    }
}
