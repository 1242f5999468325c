// Error mapping: every thrown error is an Error whose `.code` is one of the core's stable codes, including
// for arguments of the wrong JS type; the JSON forms answer instead of throwing; option-object semantics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addon, vectors, capture, ERROR_CODES } from './addon.mjs';

const grants = vectors('grant-tokens.json');
const valid = grants.cases.find((c) => c.expected.ok && c.keySet === 'upstream' && !c.options.audience);
const jwks = grants.keySets[valid.keySet];
const verifier = new addon.Verifier(jwks);

function throwsCode(fn, code) {
  const got = capture(fn);
  assert.equal(got.ok, false, `expected ${code}, got a result`);
  assert.ok(got.thrown instanceof Error, 'an Error instance');
  assert.equal(typeof got.thrown.code, 'string');
  assert.ok(ERROR_CODES.has(got.thrown.code), `stable code, got ${got.thrown.code}`);
  assert.equal(got.thrown.code, code, got.thrown.message);
  assert.ok(got.thrown.message.length > 0);
}

test('the error table has every code', () => {
  assert.equal(ERROR_CODES.size, 34);
  for (const c of ['INVALID_SIGNATURE', 'INVALID_OPTIONS', 'INVALID_INPUT', 'INVALID_JWKS', 'JWKS_UNAVAILABLE']) {
    assert.ok(ERROR_CODES.has(c), c);
  }
});

test('Verifier construction: text, bytes and objects; bad key sets throw INVALID_JWKS', () => {
  const text = JSON.stringify(jwks);
  for (const input of [jwks, text, Buffer.from(text), new TextEncoder().encode(text)]) {
    const v = new addon.Verifier(input);
    assert.equal(v.size, jwks.keys.length);
    assert.deepStrictEqual(v.verify(valid.token, valid.options), valid.expected.value);
  }
  for (const bad of [undefined, null, 42, true, '', '{', '[]', 'null', { keys: 5 }, { nokeys: [] }, [], Buffer.from([0xff, 0xfe])]) {
    throwsCode(() => new addon.Verifier(bad), 'INVALID_JWKS');
  }
  throwsCode(() => new addon.Verifier({ keys: [{ kty: 'RSA', toJSON: undefined, n: 1n }] }), 'INVALID_JWKS'); // BigInt: not serializable
});

test('verify: wrong argument types map to the JSON form codes', () => {
  for (const bad of [undefined, null, 5, {}, ['a'], Buffer.from(valid.token)]) {
    throwsCode(() => verifier.verify(bad, valid.options), 'INVALID_INPUT');
  }
  const o = valid.options;
  for (const bad of [
    'options',
    5,
    [o],
    { ...o, requiredScope: ['x'] },
    { ...o, issuer: 5 },
    { ...o, now: -1 },
    { ...o, now: 1.5 },
    { ...o, now: '1767225660' },
    { ...o, now: 2 ** 64 },
    { ...o, now: NaN },
    { ...o, requiredScopes: 'calendar:read' },
    { ...o, requiredScopes: [1] },
    { ...o, requiredScopes: null },
    { ...o, anyIssuer: null },
    { ...o, anyAudience: 'yes' },
    { ...o, audience: 5 },
    { ...o, audience: [] },
    { ...o, clockTolerance: 1, leeway: 2 },
    { ...o, maxDelegationDepth: 2 ** 32 },
    { ...o, algorithms: [] },
    { ...o, algorithms: ['HS256'] },
    { ...o, anyIssuer: true },
    { now: o.now },
    {},
    undefined,
    null,
  ]) {
    throwsCode(() => verifier.verify(valid.token, bad), 'INVALID_OPTIONS');
  }
});

test('verify: option semantics follow the JSON form', () => {
  const o = valid.options;
  const want = valid.expected.value;
  assert.deepStrictEqual(verifier.verify(valid.token, { ...o, audience: undefined, extra: undefined }), want);
  assert.deepStrictEqual(verifier.verify(valid.token, { ...o, audience: null, algorithms: null }), want);
  assert.deepStrictEqual(verifier.verify(valid.token, { ...o, leeway: 5 }), want);
  assert.deepStrictEqual(verifier.verify(valid.token, { ...o, [Symbol('x')]: 1 }), want);
  const inherited = Object.create({ requiredScope: ['x'] }); // not own: invisible, as to JSON.stringify
  Object.assign(inherited, o);
  assert.deepStrictEqual(verifier.verify(valid.token, inherited), want);
  assert.deepStrictEqual(verifier.verify(valid.token, { ...o, requiredScopes: [want.scopes[0]] }), want);
  throwsCode(() => verifier.verify(valid.token, { ...o, requiredScopes: ['nope:x'] }), 'INSUFFICIENT_SCOPE');
  throwsCode(() => verifier.verify(valid.token, { ...o, issuer: 'https://other.example' }), 'INVALID_ISSUER');
  throwsCode(() => verifier.verify(valid.token.slice(0, -4) + 'AAAA', o), 'INVALID_SIGNATURE');
  throwsCode(() => verifier.verify('a.b', o), 'MALFORMED_TOKEN');
});

test('verify: now defaults to the system clock', () => {
  assert.ok(Date.now() / 1000 > valid.expected.value.expiresAt, 'the vector tokens have expired by now');
  const { now, ...rest } = valid.options;
  throwsCode(() => verifier.verify(valid.token, rest), 'EXPIRED');
  throwsCode(() => verifier.verify(valid.token, { ...rest, now: null }), 'EXPIRED');
  throwsCode(() => verifier.verify(valid.token, { ...rest, now: Math.floor(Date.now() / 1000) }), 'EXPIRED');
  assert.deepStrictEqual(verifier.verify(valid.token, { ...rest, now }), valid.expected.value);
});

test('helpers: values and thrown codes', () => {
  const key = jwks.keys[0];
  const tp = addon.jwkThumbprint(key);
  assert.match(tp, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(addon.jwkThumbprint(JSON.stringify(key)), tp);
  assert.equal(addon.jwkThumbprint(Buffer.from(JSON.stringify(key))), tp);
  throwsCode(() => addon.jwkThumbprint(5), 'INVALID_JWKS');
  throwsCode(() => addon.jwkThumbprint(undefined), 'INVALID_JWKS');
  for (const bad of ['{', {}, { kty: 'RSA' }]) {
    const got = capture(() => addon.jwkThumbprint(bad));
    assert.equal(got.ok, false);
    assert.ok(ERROR_CODES.has(got.error.code), got.error.code);
  }

  assert.deepStrictEqual(addon.resolveIssuer({ jwksUri: 'https://api.grantex.dev/.well-known/jwks.json' }), {
    jwksUri: 'https://api.grantex.dev/.well-known/jwks.json',
    issuer: 'https://grantex.dev',
  });
  assert.deepStrictEqual(addon.resolveIssuer({ issuerDid: 'did:web:example.com:tenants:a' }), {
    jwksUri: 'https://example.com/tenants/a/.well-known/jwks.json',
    issuer: 'https://example.com/tenants/a',
  });
  for (const bad of [{}, { issuerDid: 'did:web:' }, { issuer: 5 }, 5, 'x', undefined, null]) {
    throwsCode(() => addon.resolveIssuer(bad), 'INVALID_OPTIONS');
  }

  assert.equal(addon.satisfies('payments:initiate:max_500', 'payments:initiate'), true);
  assert.equal(addon.satisfies('payments:initiate:max_100', 'payments:initiate:max_500'), false);
  assert.equal(addon.narrows('payments:initiate:max_100', 'payments:initiate:max_500'), true);
  assert.equal(addon.narrows('payments:initiate', 'payments:initiate:max_500'), false);
  for (const [a, b] of [[1, 'a:b'], ['a:b', undefined], [null, null]]) {
    throwsCode(() => addon.satisfies(a, b), 'INVALID_INPUT');
    throwsCode(() => addon.narrows(a, b), 'INVALID_INPUT');
  }
  assert.equal(typeof addon.VERSION, 'string');
});

test('JSON forms answer errors instead of throwing', () => {
  const fns = [
    'verifyGrantTokenJson',
    'verifySdJwtJson',
    'presentSdJwtJson',
    'verifyCredentialJson',
    'statusListGetJson',
    'verifyAuditChainJson',
  ];
  for (const name of fns) {
    for (const bad of [undefined, 5, {}, 'not json', '{"unknown":1}']) {
      const text = addon[name](bad);
      assert.equal(typeof text, 'string', name);
      const answer = JSON.parse(text);
      assert.equal(answer.ok, false, `${name}(${String(bad)})`);
      assert.ok(ERROR_CODES.has(answer.error.code), `${name}: ${answer.error.code}`);
      assert.equal(typeof answer.error.message, 'string');
    }
    assert.equal(JSON.parse(addon[name](5)).error.code, 'INVALID_INPUT', name);
  }
  const request = { jwks, token: valid.token, options: valid.options };
  assert.deepStrictEqual(JSON.parse(addon.verifyGrantTokenJson(JSON.stringify(request))), valid.expected);
  assert.deepStrictEqual(JSON.parse(addon.verifyGrantTokenJson(Buffer.from(JSON.stringify(request)))), valid.expected);
  const { now, ...rest } = valid.options;
  const noNow = JSON.parse(addon.verifyGrantTokenJson(JSON.stringify({ ...request, options: rest })));
  assert.equal(noNow.error.code, 'INVALID_OPTIONS', 'the JSON form requires now');
});

test('a verifier is reusable and results are fresh objects', () => {
  const a = verifier.verify(valid.token, valid.options);
  a.scopes.push('mutated');
  const b = verifier.verify(valid.token, valid.options);
  assert.deepStrictEqual(b, valid.expected.value);
  assert.notEqual(a, b);
});

test('worker threads: the addon loads and verifies in several environments at once', async () => {
  const { Worker } = await import('node:worker_threads');
  const { addonPath } = await import('./addon.mjs');
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const addon = require(workerData.addonPath);
    const v = new addon.Verifier(workerData.jwks);
    let last;
    for (let i = 0; i < 200; i++) last = v.verify(workerData.token, workerData.options);
    parentPort.postMessage(last);`;
  const runs = Array.from({ length: 3 }, () =>
    new Promise((resolve, reject) => {
      const w = new Worker(source, { eval: true, workerData: { addonPath, jwks, token: valid.token, options: valid.options } });
      w.once('message', resolve);
      w.once('error', reject);
    }),
  );
  for (const got of await Promise.all(runs)) assert.deepStrictEqual(got, valid.expected.value);
  assert.deepStrictEqual(verifier.verify(valid.token, valid.options), valid.expected.value);
});

test('exceptions thrown by user code while arguments are read become the cause of a coded error', () => {
  const boom = new Error('boom');
  const cases = [
    [() => verifier.verify(valid.token, { get issuer() { throw boom; } }), 'INVALID_OPTIONS'],
    [() => verifier.verify(valid.token, new Proxy({}, { ownKeys() { throw boom; } })), 'INVALID_OPTIONS'],
    [() => verifier.verify(valid.token, { ...valid.options, requiredScopes: new Proxy([], { get() { throw boom; } }) }), 'INVALID_OPTIONS'],
    [() => new addon.Verifier({ toJSON() { throw boom; } }), 'INVALID_JWKS'],
    [() => addon.jwkThumbprint({ get kty() { throw boom; } }), 'INVALID_JWKS'],
    [() => addon.resolveIssuer({ get issuer() { throw boom; } }), 'INVALID_OPTIONS'],
  ];
  for (const [fn, code] of cases) {
    throwsCode(fn, code);
    const got = capture(fn);
    if (!/array of strings/.test(got.thrown.message)) {
      assert.equal(got.thrown.cause, boom, got.thrown.message);
      assert.match(got.thrown.message, /boom/);
    }
  }
  // Nothing stays pending: the next call works.
  assert.deepStrictEqual(verifier.verify(valid.token, valid.options), valid.expected.value);
});
