// The wasm build's interface (bindings/wasm), which packages/js drives either core through: the addon
// exports the same names with the same behaviour, so the package can load it instead of the wasm module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addon, vectors, capture, ERROR_CODES } from './addon.mjs';

const grants = vectors('grant-tokens.json');

test('every name of the wasm core interface is exported', () => {
  for (const name of [
    'Verifier', 'verifyGrantTokenJson', 'resolveIssuerJson', 'verifySdJwtJson', 'presentSdJwtJson',
    'verifyCredentialJson', 'verifyCredentialUpstreamJson', 'statusListGetJson', 'verifyAuditChainJson',
    'jwkThumbprintJson', 'decodeUnverifiedJson', 'scopeSatisfies', 'scopeNarrows', 'scopeDescribe', 'coreVersion',
    'didWebToUrlJson', 'didWebFromUrlJson', 'didKeyToJwkJson', 'agentDidToIdJson', 'agentIdToDidJson', 'didDocumentKeyJson',
  ]) {
    assert.equal(typeof addon[name], 'function', name);
  }
  for (const m of ['verify', 'verifyJson', 'verifySdJwtJson', 'keysJson', 'selectThumbprint']) {
    assert.equal(typeof addon.Verifier.prototype[m], 'function', `Verifier.prototype.${m}`);
  }
  assert.equal(addon.coreVersion(), addon.VERSION);
});

test('verify(token, optionsJson) and verifyJson agree with verify(token, options) on every vector', () => {
  const cache = new Map();
  const failures = [];
  for (const c of grants.cases) {
    if (!cache.has(c.keySet)) cache.set(c.keySet, new addon.Verifier(JSON.stringify(grants.keySets[c.keySet])));
    const v = cache.get(c.keySet);
    const text = JSON.stringify(c.options);
    const fromText = capture(() => v.verify(c.token, text));
    const answer = JSON.parse(v.verifyJson(c.token, text));
    try {
      assert.equal(fromText.ok, c.expected.ok);
      assert.equal(answer.ok, c.expected.ok);
      if (c.expected.ok) {
        assert.deepStrictEqual(fromText.value, c.expected.value);
        assert.deepStrictEqual(answer.value, c.expected.value);
      } else {
        assert.equal(fromText.error.code, c.expected.error.code);
        assert.equal(answer.error.code, c.expected.error.code);
        assert.ok(fromText.thrown instanceof Error);
      }
    } catch (e) {
      failures.push(`${c.name}: ${e.message}`);
    }
  }
  assert.deepEqual(failures, []);
  const v = cache.get('upstream');
  const ok = grants.cases.find((c) => c.expected.ok && c.keySet === 'upstream');
  const { now, ...noNow } = ok.options;
  assert.equal(capture(() => v.verify(ok.token, JSON.stringify(noNow))).error.code, 'INVALID_OPTIONS', 'text options need now');
  assert.equal(JSON.parse(v.verifyJson(ok.token, 5)).error.code, 'INVALID_INPUT');
});

test('Verifier.verifySdJwtJson reproduces every sdjwt.json case', () => {
  const doc = vectors('sdjwt.json');
  const failures = [];
  for (const c of doc.cases) {
    const jwks = typeof c.jwks === 'string' ? doc.keySets[c.jwks] : c.jwks;
    const built = capture(() => new addon.Verifier(jwks));
    const answer = built.ok
      ? JSON.parse(built.value.verifySdJwtJson(c.presentation, JSON.stringify({ ...c.options, now: c.now })))
      : { ok: false, error: built.error };
    const viaRequest = JSON.parse(
      addon.verifySdJwtJson(JSON.stringify({ jwks, presentation: c.presentation, options: { ...c.options, now: c.now } })),
    );
    try {
      assert.deepStrictEqual(answer.ok ? answer.value : answer.error.code, viaRequest.ok ? viaRequest.value : viaRequest.error.code);
      if ('error' in c.expect) assert.equal(answer.error.code, c.expect.error);
    } catch (e) {
      failures.push(`${c.name}: ${e.message}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('keysJson, selectThumbprint, resolveIssuerJson, jwkThumbprintJson, decodeUnverifiedJson, scope helpers', () => {
  const jwks = grants.keySets.upstream;
  const v = new addon.Verifier(jwks);
  const keys = JSON.parse(v.keysJson());
  assert.equal(keys.length, jwks.keys.length);
  for (const k of keys) assert.deepStrictEqual(Object.keys(k).sort(), ['alg', 'kid', 'thumbprint', 'unusable']);
  const usable = keys.find((k) => k.unusable === null && k.alg === 'RS256');
  assert.equal(v.selectThumbprint('RS256', usable.kid), usable.thumbprint);
  assert.equal(addon.jwkThumbprint(jwks.keys.find((k) => k.kid === usable.kid)), usable.thumbprint);
  assert.deepStrictEqual(JSON.parse(addon.jwkThumbprintJson(JSON.stringify(jwks.keys.find((k) => k.kid === usable.kid)))), {
    ok: true,
    value: usable.thumbprint,
  });
  for (const [alg, kid, code] of [['RS256', 'no-such-kid', 'UNKNOWN_KEY'], ['HS256', null, 'UNSUPPORTED_ALGORITHM'], [5, null, 'INVALID_INPUT']]) {
    const got = capture(() => v.selectThumbprint(alg, kid));
    assert.equal(got.error.code, code);
    assert.ok(ERROR_CODES.has(got.error.code));
  }

  assert.deepStrictEqual(JSON.parse(addon.resolveIssuerJson('http://localhost:3001/.well-known/jwks.json')), {
    ok: true,
    value: { jwksUri: 'http://localhost:3001/.well-known/jwks.json', issuer: 'http://localhost:3001' },
  });
  assert.deepStrictEqual(JSON.parse(addon.resolveIssuerJson(null, null, 'did:web:grantex.dev')).value, {
    jwksUri: 'https://grantex.dev/.well-known/jwks.json',
    issuer: 'https://grantex.dev',
  });
  assert.equal(JSON.parse(addon.resolveIssuerJson()).error.code, 'INVALID_OPTIONS');
  assert.equal(JSON.parse(addon.resolveIssuerJson(5)).error.code, 'INVALID_INPUT');

  const token = grants.cases.find((c) => c.expected.ok).token;
  const decoded = JSON.parse(addon.decodeUnverifiedJson(token));
  assert.equal(decoded.ok, true);
  assert.equal(decoded.value.verified, false);
  assert.equal(typeof decoded.value.header.alg, 'string');
  assert.equal(JSON.parse(addon.decodeUnverifiedJson('a.b')).error.code, 'MALFORMED_TOKEN');

  assert.equal(addon.scopeSatisfies('payments:initiate:max_500', 'payments:initiate'), true);
  assert.equal(addon.scopeNarrows('payments:initiate', 'payments:initiate:max_500'), false);
  assert.equal(addon.scopeDescribe('calendar:read'), 'See your calendar events');
  assert.equal(capture(() => addon.scopeDescribe(5)).error.code, 'INVALID_INPUT');

  const vc = vectors('vc.json');
  const c = vc.cases.find((c) => c.kind === 'credential');
  const request = { jwks: typeof c.jwks === 'string' ? vc.keySets[c.jwks] : c.jwks, credential: c.token, options: c.options, statusLists: c.statusLists };
  const upstream = JSON.parse(addon.verifyCredentialUpstreamJson(JSON.stringify(request)));
  assert.equal(typeof upstream.valid, 'boolean');
  assert.equal(upstream.valid, JSON.parse(addon.verifyCredentialJson(JSON.stringify(request))).ok);
});
