// Every case of tests/vectors/grant-tokens.json, three ways: the sync Verifier, the async verifyGrantToken
// (with `jwks`) and the raw JSON function. Same verdict, same code, same VerifiedGrant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage, loadVectors, sameJson } from './helpers.mjs';

const g = await loadPackage();
const doc = loadVectors('grant-tokens.json');
assert.equal(doc.version, 1);
const verifiers = new Map();
const verifierFor = (name) => {
  if (!verifiers.has(name)) verifiers.set(name, g.createVerifier(doc.keySets[name]));
  return verifiers.get(name);
};

function check(kind, c, run) {
  let value;
  try {
    value = run();
  } catch (e) {
    assert.ok(!c.expected.ok, `${kind} ${c.name}: expected success, got ${e.code}: ${e.message}`);
    assert.ok(e instanceof g.GrantexError, `${kind} ${c.name}: not a GrantexError`);
    assert.equal(e.code, c.expected.error.code, `${kind} ${c.name}: ${e.message}`);
    assert.ok(e instanceof g.errorClassFor(e.code));
    assert.equal(e instanceof g.GrantexTokenError, e.code !== 'INVALID_OPTIONS', `${kind} ${c.name}`);
    return 'error';
  }
  assert.ok(c.expected.ok, `${kind} ${c.name}: expected ${c.expected.error?.code}, got success`);
  assert.ok(sameJson(value, c.expected.value), `${kind} ${c.name}: ${JSON.stringify(value)}`);
  return 'ok';
}

test(`grant-token vectors: sync Verifier (${doc.cases.length} cases)`, () => {
  const counts = { ok: 0, error: 0 };
  for (const c of doc.cases) counts[check('sync', c, () => verifierFor(c.keySet).verify(c.token, c.options))]++;
  assert.equal(counts.ok + counts.error, doc.cases.length);
  assert.ok(doc.cases.length >= 200 && counts.ok >= 50);
  console.log(`grant-token vectors (sync, backend ${g.backend()}): ${counts.ok} valid + ${counts.error} rejected = ${doc.cases.length}`);
});

// Counts the RSA signatures WebCrypto checks, to prove the async path uses it.
let webCryptoVerifies = 0;
const subtleProto = globalThis.crypto && Object.getPrototypeOf(globalThis.crypto.subtle);
if (subtleProto) {
  const original = subtleProto.verify;
  subtleProto.verify = function (...args) {
    webCryptoVerifies++;
    return original.apply(this, args);
  };
}

for (const webCrypto of [true, false]) test(`grant-token vectors: async verifyGrantToken with jwks (webCrypto ${webCrypto})`, async () => {
  let n = 0;
  const before = webCryptoVerifies;
  for (const c of doc.cases) {
    let outcome;
    try {
      outcome = { value: await g.verifyGrantToken(c.token, { ...c.options, jwks: doc.keySets[c.keySet], webCrypto }) };
    } catch (e) {
      outcome = { error: e };
    }
    check('async', c, () => {
      if (outcome.error) throw outcome.error;
      return outcome.value;
    });
    n++;
  }
  assert.equal(n, doc.cases.length);
  const used = webCryptoVerifies - before;
  console.log(`grant-token vectors (async, webCrypto ${webCrypto}): ${n} cases, ${used} signatures checked by WebCrypto`);
  if (webCrypto && g.backend() === 'wasm' && subtleProto) assert.ok(used >= 50, `only ${used} WebCrypto checks`);
  if (!webCrypto) assert.equal(used, 0);
});

test('grant-token vectors: async verifyGrantToken, every case in flight at once (WebCrypto)', async () => {
  // Concurrent verifications take the other WebCrypto schedule (later checks after each verdict, the begun
  // token completed by id): same verdicts, same codes.
  const before = webCryptoVerifies;
  const outcomes = await Promise.all(doc.cases.map((c) => g.verifyGrantToken(c.token, { ...c.options, jwks: doc.keySets[c.keySet] })
    .then((value) => ({ value }), (error) => ({ error }))));
  doc.cases.forEach((c, i) => check('concurrent', c, () => {
    if (outcomes[i].error) throw outcomes[i].error;
    return outcomes[i].value;
  }));
  const used = webCryptoVerifies - before;
  console.log(`grant-token vectors (async, all ${doc.cases.length} in flight): ${used} signatures checked by WebCrypto`);
  if (g.backend() === 'wasm' && subtleProto) assert.ok(used >= 50, `only ${used} WebCrypto checks`);
});

test('grant-token vectors: JSON function', () => {
  for (const c of doc.cases) {
    const answer = JSON.parse(g.json.verifyGrantToken(JSON.stringify({ jwks: doc.keySets[c.keySet], token: c.token, options: c.options })));
    assert.equal(answer.ok, c.expected.ok, c.name);
    if (answer.ok) assert.ok(sameJson(answer.value, c.expected.value), c.name);
    else {
      assert.equal(answer.error.code, c.expected.error.code, c.name);
      assert.equal(typeof answer.error.message, 'string');
    }
  }
});

test('every vector error code is a known code', () => {
  for (const c of doc.cases) if (!c.expected.ok) assert.ok(g.ERROR_CODES.includes(c.expected.error.code), c.expected.error.code);
});
