// sdjwt.json, vc.json (credential cases), status.json and audit.json through the package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPackage, loadVectors, sameJson, VECTORS } from './helpers.mjs';

const g = await loadPackage();

function keySet(doc, c) {
  return typeof c.jwks === 'string' ? doc.keySets[c.jwks] : c.jwks;
}

function checkAnswer(name, answer, expect) {
  if ('error' in expect) {
    assert.equal(answer.ok, false, `${name}: expected ${expect.error}, got success`);
    assert.equal(answer.error.code, expect.error, name);
    return 'error';
  }
  assert.equal(answer.ok, true, `${name}: ${JSON.stringify(answer.error)}`);
  for (const [k, v] of Object.entries(expect)) assert.ok(sameJson(answer.value[k], v), `${name}: ${k}`);
  return 'ok';
}

test('sdjwt.json through the JSON function and verifySdJwt', () => {
  const doc = loadVectors('sdjwt.json');
  const counts = { ok: 0, error: 0 };
  for (const c of doc.cases) {
    const options = { ...c.options, now: c.now };
    const request = { jwks: keySet(doc, c), presentation: c.presentation, options };
    const verdict = checkAnswer(c.name, JSON.parse(g.json.verifySdJwt(JSON.stringify(request))), c.expect);
    counts[verdict]++;
    // The object API reaches the same verdict.
    try {
      const v = g.verifySdJwt(c.presentation, { ...options, jwks: keySet(doc, c) });
      assert.equal(verdict, 'ok', c.name);
      assert.ok(sameJson(v.claims, c.expect.claims), c.name);
    } catch (e) {
      if (!(e instanceof g.GrantexError)) throw e;
      assert.equal(e.code, c.expect.error, c.name);
      assert.ok(e instanceof g.GrantexTokenError || e.code === 'INVALID_OPTIONS', c.name);
    }
  }
  console.log(`sdjwt vectors: ${counts.ok} valid + ${counts.error} rejected = ${doc.cases.length}`);
  assert.equal(counts.ok + counts.error, doc.cases.length);
});

test('vc.json credential cases through the JSON function and verifyCredential', () => {
  const doc = loadVectors('vc.json');
  const cases = doc.cases.filter((c) => c.kind === 'credential');
  const counts = { ok: 0, error: 0 };
  for (const c of cases) {
    const request = { jwks: keySet(doc, c), credential: c.token, options: c.options };
    if (c.statusLists) request.statusLists = c.statusLists;
    counts[checkAnswer(c.name, JSON.parse(g.json.verifyCredential(JSON.stringify(request))), c.expect)]++;
    try {
      const v = g.verifyCredential(c.token, { ...c.options, jwks: keySet(doc, c), statusLists: c.statusLists });
      assert.ok(!('error' in c.expect), c.name);
      assert.equal(v.issuer, c.expect.issuer, c.name);
    } catch (e) {
      if (!(e instanceof g.GrantexError)) throw e;
      assert.equal(e.code, c.expect.error, c.name);
    }
  }
  const skipped = doc.cases.length - cases.length;
  console.log(`vc vectors: ${counts.ok} valid + ${counts.error} rejected = ${cases.length} credential cases (${skipped} status-list-credential/token cases have no JSON entry point)`);
  assert.ok(cases.length > 50);
});

test('status.json through statusListGet', () => {
  const doc = loadVectors('status.json');
  let checks = 0;
  for (const c of doc.cases) {
    let list = c.encoded;
    if (c.kind === 'bitstring' && c.statusSize !== undefined) list = { encodedList: c.encoded, statusSize: c.statusSize };
    if ('error' in c) {
      const answer = JSON.parse(g.json.statusListGet(JSON.stringify({ list, index: 0 })));
      assert.equal(answer.ok, false, c.name);
      assert.equal(answer.error.code, c.error, c.name);
      checks++;
      continue;
    }
    for (const k of c.checks) {
      checks++;
      if ('error' in k) {
        assert.throws(() => g.statusListGet(list, k.index), (e) => e.code === k.error, `${c.name}[${k.index}]`);
      } else {
        assert.equal(g.statusListGet(list, k.index), k.status, `${c.name}[${k.index}]`);
      }
    }
  }
  console.log(`status vectors: ${doc.cases.length} lists, ${checks} checks`);
});

test('audit.json chains through verifyChain (JSON.parse semantics, as upstream)', () => {
  const doc = JSON.parse(readFileSync(join(VECTORS, 'audit.json'), 'utf8'));
  let run = 0;
  for (const c of doc.cases) {
    if (!c.entries) continue;
    run++;
    const report = g.verifyChain(c.entries);
    for (const [k, v] of Object.entries(c.expected)) assert.ok(sameJson(report[k], v), `${c.name}: ${k} = ${JSON.stringify(report[k])}`);
    const answer = JSON.parse(g.json.verifyAuditChain(JSON.stringify(c.entries)));
    assert.equal(answer.ok, true);
    assert.equal(answer.value.valid, c.expected.valid);
  }
  console.log(`audit vectors: ${run} chains`);
  assert.ok(run > 10);
  assert.throws(() => g.verifyChain('not json'), g.InvalidInputError);
});

test('presentSdJwt reproduces the upstream presentation; scope helpers; thumbprint; resolveIssuer', () => {
  const upstream = JSON.parse(readFileSync(join(VECTORS, 'upstream', 'grant-tokens.json'), 'utf8'));
  assert.equal(g.presentSdJwt(upstream.sdJwt.full, ['credentialSubject.scopes']), upstream.sdJwt.presentationScopesOnly);
  assert.equal(g.satisfies('payments:initiate:max_500', 'payments:initiate'), true);
  assert.equal(g.satisfies('payments:initiate:max_500', 'payments:initiate:max_100'), true);
  assert.equal(g.satisfies('payments:initiate:max_100', 'payments:initiate:max_500'), false);
  assert.equal(g.narrows('payments:initiate:max_100', 'payments:initiate:max_500'), true);
  assert.equal(g.narrows('payments:initiate:max_500', 'payments:initiate:max_100'), false);
  assert.equal(typeof g.describeScope('calendar:read'), 'string');
  const jwk = upstream.jwks.keys[0];
  assert.match(g.jwkThumbprint(jwk), /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(g.resolveIssuer({ jwksUri: 'https://api.grantex.dev/.well-known/jwks.json' }), {
    jwksUri: 'https://api.grantex.dev/.well-known/jwks.json',
    issuer: 'https://grantex.dev',
  });
  assert.deepEqual(g.resolveIssuer({ issuerDid: 'did:web:example.com:tenants:a' }), {
    jwksUri: 'https://example.com/tenants/a/.well-known/jwks.json',
    issuer: 'https://example.com/tenants/a',
  });
  assert.throws(() => g.resolveIssuer({}), g.InvalidOptionsError);
  const decoded = g.decodeUnverified(upstream.rootGrantToken);
  assert.equal(decoded.verified, false);
  assert.equal(decoded.header.alg, 'RS256');
});
