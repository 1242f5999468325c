// JWKS download and caching: the only I/O of the package (the Rust core performs none).
//
// Per URL the parsed key set (a core Verifier) is kept for the lifetime the server announces with
// `Cache-Control: max-age`, clamped to [minTtl, maxTtl] (default 30 s … 10 min; no header means maxTtl;
// `no-store`/`no-cache` mean minTtl). A token naming an unknown key triggers one refetch, at most once per
// `refetchCooldown` (30 s) per URL, so rotated keys are picked up without letting forged `kid` values hammer
// the issuer. Concurrent misses on one URL share one download. A failed download raises a JwksError with
// code JWKS_UNAVAILABLE (fail closed: an expired key set is never used past its lifetime).

import { JwksError, InvalidOptionsError, fromCoreError } from './errors.js';

/** Largest JWKS document accepted (the core's own limit). */
export const MAX_JWKS_BYTES = 1 << 20;

const MAX_AGE = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?\s*(?:,|$)/i;
const NO_CACHE = /(?:^|,)\s*(?:no-store|no-cache)\s*(?:[,=]|$)/i;

/** Lifetime in seconds announced by a Cache-Control header, clamped to [minTtl, maxTtl]. */
export function ttlFromCacheControl(header, minTtl, maxTtl) {
  let ttl = maxTtl;
  if (typeof header === 'string' && header.length > 0) {
    if (NO_CACHE.test(header)) {
      ttl = minTtl;
    } else {
      const m = MAX_AGE.exec(header);
      if (m) ttl = Number(m[1]);
    }
  }
  return Math.min(maxTtl, Math.max(minTtl, ttl));
}

function unavailable(message) {
  return new JwksError(message, 'JWKS_UNAVAILABLE');
}

/** Downloads a JWKS document with `fetchImpl` (http and https only); resolves `{ body, cacheControl }`. */
export async function fetchJwks(url, { fetch: fetchImpl = globalThis.fetch, timeoutMs = 10000 } = {}) {
  let scheme = '';
  try {
    scheme = new URL(url).protocol;
  } catch {
    throw new InvalidOptionsError(`JWKS URL is not a URL: ${JSON.stringify(url)}`, 'INVALID_OPTIONS');
  }
  if (scheme !== 'http:' && scheme !== 'https:') {
    throw new InvalidOptionsError(`JWKS URL must be http or https: ${JSON.stringify(url)}`, 'INVALID_OPTIONS');
  }
  if (typeof fetchImpl !== 'function') throw unavailable('no fetch() in this runtime: pass `fetch` or `jwks`');
  const init = { headers: { accept: 'application/jwk-set+json, application/json' }, redirect: 'follow' };
  if (timeoutMs > 0 && typeof AbortSignal !== 'undefined' && typeof AbortSignal.timeout === 'function') {
    init.signal = AbortSignal.timeout(timeoutMs);
  }
  let response;
  let body;
  try {
    response = await fetchImpl(url, init);
    if (response.status !== 200) {
      throw unavailable(`JWKS download from ${url} answered HTTP ${response.status}`);
    }
    body = await response.text();
  } catch (e) {
    if (e instanceof JwksError) throw e;
    throw unavailable(`could not download the JWKS from ${url}: ${e && e.message ? e.message : e}`);
  }
  if (body.length > MAX_JWKS_BYTES) throw unavailable(`JWKS from ${url} is larger than ${MAX_JWKS_BYTES} bytes`);
  const cacheControl = response.headers && typeof response.headers.get === 'function'
    ? response.headers.get('cache-control') : null;
  return { body, cacheControl };
}

/**
 * Per-URL cache of parsed key sets. `makeVerifier(jwksText)` builds the core verifier (set by the entry
 * point); `clock()` returns milliseconds (tests pass a fake clock).
 */
export class JwksCache {
  constructor(options = {}) {
    this.minTtl = options.minTtl ?? 30;
    this.maxTtl = options.maxTtl ?? 600;
    this.refetchCooldown = options.refetchCooldown ?? 30;
    this.timeoutMs = options.timeoutMs ?? 10000;
    this.fetch = options.fetch;
    this.clock = options.clock ?? (() => Date.now());
    this.makeVerifier = options.makeVerifier;
    this.entries = new Map();
    this.inflight = new Map();
    this.lastFetch = new Map();
    /** Number of downloads started (for tests and metrics). */
    this.fetchCount = 0;
  }

  /** Forgets every cached key set. */
  clear() {
    this.entries.clear();
    this.lastFetch.clear();
  }

  /** The cached verifier of `url` if still fresh, else downloads it (shared with concurrent callers). */
  async get(url) {
    const entry = this.entries.get(url);
    if (entry && this.clock() < entry.expiresAt) return entry.verifier;
    return this.refresh(url);
  }

  /** Downloads `url` now, unless a download is already running (then waits for that one). */
  refresh(url) {
    const running = this.inflight.get(url);
    if (running) return running;
    const p = this.download(url).finally(() => this.inflight.delete(url));
    this.inflight.set(url, p);
    return p;
  }

  /**
   * After a token named a key the cached set lacks: refetches when the last download of `url` is older
   * than the cooldown and resolves the new verifier, else resolves null (the caller keeps UNKNOWN_KEY).
   */
  async refreshForUnknownKey(url) {
    const running = this.inflight.get(url);
    if (running) return running;
    const last = this.lastFetch.get(url);
    if (last !== undefined && this.clock() - last < this.refetchCooldown * 1000) return null;
    return this.refresh(url);
  }

  async download(url) {
    this.fetchCount++;
    this.lastFetch.set(url, this.clock());
    const fetchImpl = this.fetch ?? globalThis.fetch;
    const { body, cacheControl } = await fetchJwks(url, { fetch: fetchImpl, timeoutMs: this.timeoutMs });
    let verifier;
    try {
      verifier = this.makeVerifier(body);
    } catch (e) {
      throw fromCoreError(e);
    }
    const ttl = ttlFromCacheControl(cacheControl, this.minTtl, this.maxTtl);
    const fetchedAt = this.clock();
    this.entries.set(url, { verifier, fetchedAt, expiresAt: fetchedAt + ttl * 1000 });
    return verifier;
  }
}
