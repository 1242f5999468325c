// verifyGrantToken's JWKS download and cache against a local HTTP server on 127.0.0.1: one download per URL
// while fresh, Cache-Control TTL clamped to [30 s, 10 min], refetch on an unknown kid with a 30 s cooldown,
// concurrent misses deduplicated, failures as JwksError/JWKS_UNAVAILABLE, no download for tokens or options
// that fail before key selection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { loadPackage, loadVectors } from './helpers.mjs';

const g = await loadPackage();
const doc = loadVectors('grant-tokens.json');
const byName = (name) => doc.cases.find((c) => c.name === name);
const tokenA = byName('upstream-root-with-audience'); // kid grantex-2026-02: in both sets
const tokenB = byName('rs256-second-rotation-key-valid'); // kid grantex-2026-03: only in two-rsa
const setA = doc.keySets.upstream;
const setB = doc.keySets['two-rsa'];

// What the server answers: body, status, Cache-Control; every request is counted.
const state = { body: JSON.stringify(setA), status: 200, cacheControl: undefined, requests: 0, delayMs: 0 };
let server;
let base;

before(async () => {
  server = createServer((req, res) => {
    state.requests++;
    const send = () => {
      const headers = { 'content-type': 'application/json' };
      if (state.cacheControl !== undefined) headers['cache-control'] = state.cacheControl;
      res.writeHead(state.status, headers);
      res.end(state.body);
    };
    if (state.delayMs > 0) setTimeout(send, state.delayMs);
    else send();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));

function reset({ body = JSON.stringify(setA), status = 200, cacheControl, delayMs = 0 } = {}) {
  Object.assign(state, { body, status, cacheControl, delayMs, requests: 0 });
}

/** A fresh cache with a fake clock (milliseconds). */
function freshCache() {
  const clock = { t: 1_000_000 };
  const cache = g.createJwksCache({ clock: () => clock.t });
  return { cache, clock };
}

const opts = (c, cache, extra = {}) => ({ ...c.options, jwksUri: `${base}/.well-known/jwks.json`, cache, ...extra });

test('sanity: token A verifies with both sets, token B only with set B', () => {
  g.createVerifier(setA).verify(tokenA.token, tokenA.options);
  g.createVerifier(setB).verify(tokenA.token, tokenA.options);
  g.createVerifier(setB).verify(tokenB.token, tokenB.options);
  assert.throws(() => g.createVerifier(setA).verify(tokenB.token, tokenB.options), (e) => e.code === 'UNKNOWN_KEY');
});

test('one download while fresh; jwksUri derives nothing when issuer is given', async () => {
  reset();
  const { cache } = freshCache();
  for (let i = 0; i < 5; i++) {
    const v = await g.verifyGrantToken(tokenA.token, opts(tokenA, cache));
    assert.equal(v.tokenId, tokenA.expected.value.tokenId);
  }
  assert.equal(state.requests, 1);
});

test('concurrent misses share one download', async () => {
  reset({ delayMs: 50 });
  const { cache } = freshCache();
  const all = await Promise.all(Array.from({ length: 20 }, () => g.verifyGrantToken(tokenA.token, opts(tokenA, cache))));
  assert.equal(all.length, 20);
  assert.equal(state.requests, 1);
});

for (const [header, ttl] of [
  ['max-age=120', 120],
  ['public, max-age=5', 30],
  ['max-age=100000', 600],
  [undefined, 600],
  ['no-store', 30],
  ['no-cache, max-age=300', 30],
]) {
  test(`TTL for Cache-Control ${JSON.stringify(header)} is ${ttl} s`, async () => {
    assert.equal(g.ttlFromCacheControl(header, 30, 600), ttl);
    reset({ cacheControl: header });
    const { cache, clock } = freshCache();
    await g.verifyGrantToken(tokenA.token, opts(tokenA, cache));
    clock.t += (ttl - 1) * 1000;
    await g.verifyGrantToken(tokenA.token, opts(tokenA, cache));
    assert.equal(state.requests, 1, 'still fresh');
    clock.t += 2000;
    await g.verifyGrantToken(tokenA.token, opts(tokenA, cache));
    assert.equal(state.requests, 2, 'expired: downloaded again');
  });
}

test('unknown kid: refetch after the cooldown, not before', async () => {
  reset();
  const { cache, clock } = freshCache();
  await g.verifyGrantToken(tokenA.token, opts(tokenA, cache));
  assert.equal(state.requests, 1);
  // Keys rotate on the server; the cached set (fresh for 10 min) lacks the new kid.
  state.body = JSON.stringify(setB);
  // Within 30 s of the last download: no refetch, UNKNOWN_KEY.
  await assert.rejects(g.verifyGrantToken(tokenB.token, opts(tokenB, cache)), (e) => e.code === 'UNKNOWN_KEY' && e instanceof g.GrantexTokenError);
  assert.equal(state.requests, 1);
  clock.t += 31_000;
  const v = await g.verifyGrantToken(tokenB.token, opts(tokenB, cache));
  assert.equal(v.tokenId, tokenB.expected.value.tokenId);
  assert.equal(state.requests, 2);
  // A forged kid right after: no refetch (cooldown), UNKNOWN_KEY.
  const forged = byName('kid-unknown') ?? doc.cases.find((c) => !c.expected.ok && c.expected.error.code === 'UNKNOWN_KEY' && c.keySet === 'two-rsa');
  if (forged) {
    await assert.rejects(g.verifyGrantToken(forged.token, opts(forged, cache)), (e) => e.code === 'UNKNOWN_KEY');
    assert.equal(state.requests, 2);
  }
});

test('download failures: HTTP 500 and unreachable are JWKS_UNAVAILABLE, a bad document INVALID_JWKS', async () => {
  reset({ status: 500, body: 'oops' });
  await assert.rejects(g.verifyGrantToken(tokenA.token, opts(tokenA, freshCache().cache)), (e) =>
    e.code === 'JWKS_UNAVAILABLE' && e instanceof g.JwksError && e instanceof g.GrantexTokenError);
  reset({ body: '{"keys": 5}' });
  await assert.rejects(g.verifyGrantToken(tokenA.token, opts(tokenA, freshCache().cache)), (e) => e.code === 'INVALID_JWKS');
  const closed = `http://127.0.0.1:1/.well-known/jwks.json`;
  await assert.rejects(g.verifyGrantToken(tokenA.token, { ...tokenA.options, jwksUri: closed, cache: freshCache().cache }), (e) => e.code === 'JWKS_UNAVAILABLE');
  // An expired set is not used when the refresh fails (fail closed).
  reset({ cacheControl: 'max-age=30' });
  const { cache, clock } = freshCache();
  await g.verifyGrantToken(tokenA.token, opts(tokenA, cache));
  state.status = 503;
  clock.t += 31_000;
  await assert.rejects(g.verifyGrantToken(tokenA.token, opts(tokenA, cache)), (e) => e.code === 'JWKS_UNAVAILABLE');
});

test('no download for a malformed token, a forbidden alg or bad options', async () => {
  reset();
  const { cache } = freshCache();
  await assert.rejects(g.verifyGrantToken('not-a-token', opts(tokenA, cache)), (e) => e.code === 'MALFORMED_TOKEN');
  const hs = doc.cases.find((c) => !c.expected.ok && c.expected.error.code === 'UNSUPPORTED_ALGORITHM');
  await assert.rejects(g.verifyGrantToken(hs.token, opts(hs, cache)), (e) => e.code === 'UNSUPPORTED_ALGORITHM');
  await assert.rejects(g.verifyGrantToken(tokenA.token, opts(tokenA, cache, { requiredScope: ['x'] })), (e) =>
    e.code === 'INVALID_OPTIONS' && e instanceof g.InvalidOptionsError && !(e instanceof g.GrantexTokenError));
  await assert.rejects(g.verifyGrantToken(tokenA.token, { now: 1 }), (e) => e.code === 'INVALID_OPTIONS');
  assert.equal(state.requests, 0);
});

test('issuer derived from jwksUri (PROTOCOL.md §4.2) reaches the core: wrong issuer is INVALID_ISSUER', async () => {
  reset();
  const { issuer, ...rest } = tokenA.options;
  await assert.rejects(
    g.verifyGrantToken(tokenA.token, { ...rest, jwksUri: `${base}/.well-known/jwks.json`, cache: freshCache().cache }),
    (e) => e.code === 'INVALID_ISSUER',
  );
});
