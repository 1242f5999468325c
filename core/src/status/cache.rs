//! A bounded, clock-free cache of verified status lists keyed by list URI.
//!
//! Bindings fetch a list, verify it, and [`StatusListCache::insert`] it with the time they fetched it; the core
//! then answers [`StatusListCache::lookup`] for a caller-supplied `now`. Every doubt fails closed with
//! `STATUS_UNAVAILABLE`: no entry, an entry too old, an entry whose own `exp` has passed, or one whose fetch
//! time is implausibly far in the future.
//!
//! Freshness rule: an entry fetched at `t` with maximum age `a` is usable while `now − t < a` and refused from
//! `now − t ≥ a` on (so with the default 300 s, a list fetched at 1000 answers at 1299 and is refused at 1300).
//! `a` is the cache's maximum age, lowered by the list's own `ttl` when it has one. A fetch time later than
//! `now` is tolerated by less than `a`, because a binding may read its clock for `now` before the fetch it
//! triggers completes.

use std::collections::{BTreeMap, HashMap};

use super::StatusList;
use super::token::StatusListToken;
use crate::error::{Error, ErrorCode, Result};

/// Default maximum age of a cached list, in seconds (the W3C default `ttl` of 300 000 ms).
pub const DEFAULT_MAX_AGE_SECONDS: u64 = 300;
/// Default maximum number of cached lists.
pub const DEFAULT_MAX_ENTRIES: usize = 256;
/// Default bound on the summed uncompressed size of cached lists (64 MiB).
pub const DEFAULT_MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;

/// Limits of a [`StatusListCache`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheConfig {
    /// Entries at least this old (seconds since their fetch) are refused.
    pub max_age_seconds: u64,
    /// At most this many lists are kept; inserting more evicts the least recently fetched.
    pub max_entries: usize,
    /// The uncompressed sizes of kept lists add up to at most this; inserting more evicts the least recently
    /// fetched, and a single list larger than this is not kept at all.
    pub max_total_bytes: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            max_age_seconds: DEFAULT_MAX_AGE_SECONDS,
            max_entries: DEFAULT_MAX_ENTRIES,
            max_total_bytes: DEFAULT_MAX_TOTAL_BYTES,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    list: StatusList,
    fetched_at: i64,
    seq: u64,
    max_age: i64,
    expires_at: Option<i64>,
}

/// Verified status lists keyed by URI, each with its fetch time. See the module documentation for the rules.
#[derive(Debug, Clone, Default)]
pub struct StatusListCache {
    config: CacheConfig,
    entries: HashMap<String, Entry>,
    // Eviction order: (fetched_at, insertion sequence) → URI, oldest first.
    order: BTreeMap<(i64, u64), String>,
    next_seq: u64,
    total_bytes: usize,
}

fn unavailable(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::StatusUnavailable, message)
}

impl StatusListCache {
    /// An empty cache with the default limits (300 s, 256 lists, 64 MiB).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty cache with explicit limits.
    pub fn with_config(config: CacheConfig) -> Self {
        StatusListCache {
            config,
            ..Self::default()
        }
    }

    /// The limits this cache was built with.
    pub fn config(&self) -> CacheConfig {
        self.config
    }

    /// Stores an already-verified list fetched from `uri` at `fetched_at` (Unix seconds). A W3C list's own
    /// `ttl` shortens its maximum age. Returns `false` when nothing was stored: an entry for `uri` fetched later
    /// is kept instead (responses can arrive out of order), the list alone exceeds the byte bound, or the cache
    /// is full of lists fetched later than this one.
    pub fn insert(
        &mut self,
        uri: impl Into<String>,
        list: impl Into<StatusList>,
        fetched_at: i64,
    ) -> bool {
        let list = list.into();
        let ttl = match &list {
            StatusList::Bitstring(b) => b.ttl_ms().map(|ms| ms / 1000),
            StatusList::Token(_) => None,
        };
        self.insert_with(uri.into(), list, fetched_at, None, ttl)
    }

    /// Stores a verified Status List Token under its `sub`, honouring its `exp` (refused from `exp` on) and
    /// `ttl` (shortens the maximum age). Returns `false` when nothing was stored, as for
    /// [`StatusListCache::insert`].
    pub fn insert_token(&mut self, token: StatusListToken, fetched_at: i64) -> bool {
        let StatusListToken {
            subject,
            expires_at,
            ttl,
            list,
            ..
        } = token;
        self.insert_with(
            subject,
            StatusList::Token(list),
            fetched_at,
            expires_at,
            ttl,
        )
    }

    fn insert_with(
        &mut self,
        uri: String,
        list: StatusList,
        fetched_at: i64,
        expires_at: Option<i64>,
        ttl_seconds: Option<u64>,
    ) -> bool {
        if self
            .entries
            .get(&uri)
            .is_some_and(|existing| existing.fetched_at > fetched_at)
        {
            return false;
        }
        let size = list.byte_len();
        if size > self.config.max_total_bytes || self.config.max_entries == 0 {
            return false;
        }
        self.remove(&uri);
        let max_age_seconds = match ttl_seconds {
            Some(ttl) => ttl.min(self.config.max_age_seconds),
            None => self.config.max_age_seconds,
        };
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.order.insert((fetched_at, seq), uri.clone());
        self.total_bytes = self.total_bytes.saturating_add(size);
        self.entries.insert(
            uri.clone(),
            Entry {
                list,
                fetched_at,
                seq,
                max_age: i64::try_from(max_age_seconds).unwrap_or(i64::MAX),
                expires_at,
            },
        );
        while self.entries.len() > self.config.max_entries
            || self.total_bytes > self.config.max_total_bytes
        {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            if let Some(evicted) = self.entries.remove(&oldest) {
                self.total_bytes = self.total_bytes.saturating_sub(evicted.list.byte_len());
            }
        }
        // A list fetched before everything else in a full cache is evicted at once.
        self.entries.contains_key(&uri)
    }

    /// The list cached for `uri`, if it is usable at `now`; `STATUS_UNAVAILABLE` otherwise.
    pub fn get(&self, uri: &str, now: i64) -> Result<&StatusList> {
        let entry = self
            .entries
            .get(uri)
            .ok_or_else(|| unavailable(format!("no status list is cached for {uri}")))?;
        let age = now.saturating_sub(entry.fetched_at);
        if age >= entry.max_age {
            return Err(unavailable(format!(
                "the cached status list for {uri} is {age} s old (maximum {} s)",
                entry.max_age
            )));
        }
        if entry.fetched_at.saturating_sub(now) >= entry.max_age {
            return Err(unavailable(format!(
                "the cached status list for {uri} was fetched in the future"
            )));
        }
        if let Some(exp) = entry.expires_at.filter(|exp| now >= *exp) {
            return Err(unavailable(format!(
                "the cached status list for {uri} expired at {exp}"
            )));
        }
        Ok(&entry.list)
    }

    /// The status of entry `idx` in the list cached for `uri`. Missing or stale lists → `STATUS_UNAVAILABLE`;
    /// an index outside the list → `INVALID_STATUS_LIST`.
    pub fn lookup(&self, uri: &str, idx: u64, now: i64) -> Result<u8> {
        self.get(uri, now)?.get_status(idx)
    }

    /// Removes the entry for `uri`; `true` if there was one.
    pub fn remove(&mut self, uri: &str) -> bool {
        match self.entries.remove(uri) {
            Some(entry) => {
                self.order.remove(&(entry.fetched_at, entry.seq));
                self.total_bytes = self.total_bytes.saturating_sub(entry.list.byte_len());
                true
            }
            None => false,
        }
    }

    /// Drops every entry that [`StatusListCache::get`] would refuse at `now`.
    pub fn purge_stale(&mut self, now: i64) {
        let stale: Vec<String> = self
            .entries
            .keys()
            .filter(|uri| self.get(uri, now).is_err())
            .cloned()
            .collect();
        for uri in stale {
            self.remove(&uri);
        }
    }

    /// Empties the cache.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
        self.total_bytes = 0;
    }

    /// Number of cached lists (fresh or not).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Summed uncompressed size of the cached lists.
    pub fn total_bytes(&self) -> usize {
        self.total_bytes
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
    use crate::status::{BitstringStatusList, TokenStatusList};
    use serde_json::json;

    fn token_list(status_at_3: u8) -> TokenStatusList {
        let mut list = TokenStatusList::new(16, 2).unwrap();
        list.set(3, status_at_3).unwrap();
        list
    }

    #[test]
    fn staleness_boundary_is_300_seconds() {
        let mut cache = StatusListCache::new();
        assert!(cache.insert("https://s/1", token_list(1), 1000));
        assert_eq!(cache.lookup("https://s/1", 3, 1000).unwrap(), 1);
        assert_eq!(cache.lookup("https://s/1", 2, 1299).unwrap(), 0);
        assert_eq!(
            cache.lookup("https://s/1", 3, 1300).unwrap_err().code,
            ErrorCode::StatusUnavailable
        );
        assert_eq!(
            cache.lookup("https://s/1", 3, i64::MAX).unwrap_err().code,
            ErrorCode::StatusUnavailable
        );
        // A fetch that finished just after the verifier read its clock is still usable.
        assert_eq!(cache.lookup("https://s/1", 3, 990).unwrap(), 1);
        assert_eq!(
            cache.lookup("https://s/1", 3, 700).unwrap_err().code,
            ErrorCode::StatusUnavailable
        );
        assert_eq!(
            cache.lookup("https://s/1", 3, i64::MIN).unwrap_err().code,
            ErrorCode::StatusUnavailable
        );
    }

    #[test]
    fn missing_entries_and_bad_indices() {
        let mut cache = StatusListCache::new();
        assert_eq!(
            cache.lookup("https://s/none", 0, 0).unwrap_err().code,
            ErrorCode::StatusUnavailable
        );
        cache.insert("https://s/1", token_list(0), 0);
        assert_eq!(
            cache.lookup("https://s/1", 16, 0).unwrap_err().code,
            ErrorCode::InvalidStatusList
        );
    }

    #[test]
    fn configurable_max_age_and_ttl() {
        let config = CacheConfig {
            max_age_seconds: 10,
            ..CacheConfig::default()
        };
        let mut cache = StatusListCache::with_config(config);
        cache.insert("u", token_list(2), 100);
        assert!(cache.lookup("u", 3, 109).is_ok());
        assert!(cache.lookup("u", 3, 110).is_err());

        let mut cache = StatusListCache::new();
        let payload = json!({
            "sub": "https://s/tok", "iat": 100, "exp": 200, "ttl": 60,
            "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"},
        });
        let token = TokenStatusList::from_jwt_payload(&payload).unwrap();
        assert!(cache.insert_token(token.clone(), 100));
        assert_eq!(cache.lookup("https://s/tok", 0, 159).unwrap(), 1);
        assert!(cache.lookup("https://s/tok", 0, 160).is_err());
        assert!(cache.insert_token(token, 150));
        assert!(cache.lookup("https://s/tok", 0, 199).is_ok());
        assert_eq!(
            cache.lookup("https://s/tok", 0, 200).unwrap_err().code,
            ErrorCode::StatusUnavailable
        );

        // A W3C list's ttl is in milliseconds.
        let mut list = BitstringStatusList::new(0).unwrap();
        list.set(5, true).unwrap();
        let subject = json!({
            "type": "BitstringStatusList", "statusPurpose": "revocation", "ttl": 30_500,
            "encodedList": list.encode_multibase().unwrap(),
        });
        let list = BitstringStatusList::from_credential_subject(&subject).unwrap();
        cache.insert("https://s/w3c", list, 0);
        assert_eq!(cache.lookup("https://s/w3c", 5, 29).unwrap(), 1);
        assert!(cache.lookup("https://s/w3c", 5, 30).is_err());
    }

    #[test]
    fn newer_fetch_wins() {
        let mut cache = StatusListCache::new();
        assert!(cache.insert("u", token_list(1), 500));
        assert!(!cache.insert("u", token_list(0), 400));
        assert_eq!(cache.lookup("u", 3, 500).unwrap(), 1);
        assert!(cache.insert("u", token_list(0), 500));
        assert_eq!(cache.lookup("u", 3, 500).unwrap(), 0);
        assert!(cache.insert("u", token_list(2), 600));
        assert_eq!(cache.lookup("u", 3, 600).unwrap(), 2);
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.total_bytes(), 4);
    }

    #[test]
    fn eviction_bounds() {
        let config = CacheConfig {
            max_entries: 3,
            ..CacheConfig::default()
        };
        let mut cache = StatusListCache::with_config(config);
        for i in 0..10i64 {
            cache.insert(format!("u{i}"), token_list(1), 1000 + i);
            assert!(cache.len() <= 3);
        }
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.total_bytes(), 12);
        for i in 0..7 {
            assert_eq!(
                cache.lookup(&format!("u{i}"), 3, 1010).unwrap_err().code,
                ErrorCode::StatusUnavailable
            );
        }
        for i in 7..10 {
            assert_eq!(cache.lookup(&format!("u{i}"), 3, 1010).unwrap(), 1);
        }
        // The oldest fetch goes first, even when inserted last.
        assert!(!cache.insert("old", token_list(1), 5));
        assert!(cache.lookup("old", 3, 5).is_err());
        assert_eq!(cache.len(), 3);

        let config = CacheConfig {
            max_total_bytes: 10,
            ..CacheConfig::default()
        };
        let mut cache = StatusListCache::with_config(config);
        cache.insert("a", token_list(1), 1);
        cache.insert("b", token_list(1), 2);
        cache.insert("c", token_list(1), 3);
        assert_eq!((cache.len(), cache.total_bytes()), (2, 8));
        assert!(cache.get("a", 3).is_err());
        let big = TokenStatusList::new(100, 1).unwrap();
        assert!(!cache.insert("big", big, 4));
        assert_eq!(cache.len(), 2);

        let mut none = StatusListCache::with_config(CacheConfig {
            max_entries: 0,
            ..CacheConfig::default()
        });
        assert!(!none.insert("a", token_list(1), 1));
        assert!(none.is_empty());
    }

    #[test]
    fn remove_purge_clear() {
        let mut cache = StatusListCache::new();
        cache.insert("a", token_list(1), 0);
        cache.insert("b", token_list(1), 200);
        cache.purge_stale(350);
        assert_eq!(cache.len(), 1);
        assert!(cache.lookup("b", 3, 350).is_ok());
        assert!(cache.remove("b"));
        assert!(!cache.remove("b"));
        assert_eq!(cache.total_bytes(), 0);
        cache.insert("c", token_list(1), 0);
        cache.clear();
        assert!(cache.is_empty());
        assert_eq!(cache.total_bytes(), 0);
        assert_eq!(cache.config(), CacheConfig::default());
    }
}
