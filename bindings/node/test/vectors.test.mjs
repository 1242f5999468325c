// Every vector through the addon: grant tokens through `new Verifier(jwks).verify(token, options)` (values
// deep-equal, codes identical), SD-JWT / VC / audit through the JSON functions, and the addon-vs-JSON parity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { addon, vectors, capture, ERROR_CODES } from './addon.mjs';

const grants = vectors('grant-tokens.json');

function verifierFor(name, cache) {
  if (!cache.has(name)) cache.set(name, capture(() => new addon.Verifier(grants.keySets[name])));
  return cache.get(name);
}

function verifyNative(c, cache) {
  const built = verifierFor(c.keySet, cache);
  if (!built.ok) return built;
  return capture(() => built.value.verify(c.token, c.options));
}

test(`grant-tokens.json: all ${grants.cases.length} cases through Verifier.verify`, () => {
  assert.equal(grants.version, 1);
  assert.ok(grants.cases.length > 200);
  const cache = new Map();
  const failures = [];
  let valid = 0;
  for (const c of grants.cases) {
    const got = verifyNative(c, cache);
    try {
      if (c.expected.ok) {
        assert.ok(got.ok, `expected success, got ${JSON.stringify(got.error)}`);
        assert.deepStrictEqual(got.value, c.expected.value);
        valid++;
      } else {
        assert.ok(!got.ok, `expected ${c.expected.error.code}, got success`);
        assert.equal(got.error.code, c.expected.error.code);
        assert.ok(got.thrown instanceof Error, 'thrown value is an Error');
        assert.ok(ERROR_CODES.has(got.error.code), `unknown code ${got.error.code}`);
        assert.equal(typeof got.error.message, 'string');
      }
    } catch (e) {
      failures.push(`${c.name}: ${e.message}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(valid > 50, `${valid} valid cases`);
});

test('addon vs JSON form: same verdict, value, code and message on every grant-token case', () => {
  const cache = new Map();
  const failures = [];
  for (const c of grants.cases) {
    const native = verifyNative(c, cache);
    const json = JSON.parse(
      addon.verifyGrantTokenJson(JSON.stringify({ jwks: grants.keySets[c.keySet], token: c.token, options: c.options })),
    );
    try {
      assert.equal(native.ok, json.ok);
      if (json.ok) {
        assert.deepStrictEqual(native.value, json.value);
        assert.equal(JSON.stringify(native.value), JSON.stringify(json.value), 'same member order');
      } else {
        assert.equal(native.error.code, json.error.code);
        // Option-parsing messages are the binding's own (serde's differ); every other message is the core's.
        if (json.error.code !== 'INVALID_OPTIONS') assert.equal(native.error.message, json.error.message);
      }
    } catch (e) {
      failures.push(`${c.name}: ${e.message}`);
    }
  }
  assert.deepEqual(failures, []);
});

function keySet(doc, c) {
  return typeof c.jwks === 'string' ? doc.keySets[c.jwks] : c.jwks;
}

/** `expect` is `{error: CODE}` or members the answer's value must carry (deep-equal). */
function checkAnswer(answerText, expect) {
  const answer = JSON.parse(answerText);
  if ('error' in expect) {
    assert.equal(answer.ok, false, `expected ${expect.error}, got ${answerText.slice(0, 200)}`);
    assert.equal(answer.error.code, expect.error);
    assert.ok(ERROR_CODES.has(answer.error.code));
  } else {
    assert.equal(answer.ok, true, `expected success, got ${answerText.slice(0, 300)}`);
    for (const [key, want] of Object.entries(expect)) assert.deepStrictEqual(answer.value[key], want, key);
  }
}

function runAll(cases, one) {
  const failures = [];
  for (const c of cases) {
    try {
      one(c);
    } catch (e) {
      failures.push(`${c.name}: ${e.message}`);
    }
  }
  assert.deepEqual(failures, []);
}

const sdjwt = vectors('sdjwt.json');
test(`sdjwt.json: all ${sdjwt.cases.length} cases through verifySdJwtJson`, () => {
  runAll(sdjwt.cases, (c) => {
    const request = { jwks: keySet(sdjwt, c), presentation: c.presentation, options: { ...c.options, now: c.now } };
    checkAnswer(addon.verifySdJwtJson(JSON.stringify(request)), c.expect);
  });
});

const vc = vectors('vc.json');
const credentials = vc.cases.filter((c) => c.kind === 'credential');
test(`vc.json: all ${credentials.length} credential cases through verifyCredentialJson`, () => {
  assert.ok(credentials.length > 50);
  runAll(credentials, (c) => {
    const request = { jwks: keySet(vc, c), credential: c.token, options: c.options };
    if (c.statusLists) request.statusLists = c.statusLists;
    checkAnswer(addon.verifyCredentialJson(JSON.stringify(request)), c.expect);
  });
});

const audit = vectors('audit.json');
const chains = audit.cases.filter((c) => c.entries && c.expected);
test(`audit.json: all ${chains.length} chains through verifyAuditChainJson`, () => {
  assert.ok(chains.length > 10);
  runAll(chains, (c) => {
    // JSON.stringify of what JSON.parse read: what a Node service holding the entries would pass.
    const answer = JSON.parse(addon.verifyAuditChainJson(JSON.stringify(c.entries)));
    assert.equal(answer.ok, true, JSON.stringify(answer));
    for (const [key, want] of Object.entries(c.expected)) assert.deepStrictEqual(answer.value[key], want, key);
  });
});

const status = vectors('status.json');
test('status.json: every well-formed list through statusListGetJson', () => {
  let checked = 0;
  runAll(status.cases, (c) => {
    let list;
    if (c.kind === 'bitstring') {
      list = c.statusSize ? { encodedList: c.encoded, statusSize: c.statusSize } : c.encoded;
    } else if (typeof c.encoded === 'object' && typeof c.encoded.bits === 'number' && typeof c.encoded.lst === 'string') {
      list = { bits: c.encoded.bits, lst: c.encoded.lst };
    } else {
      return; // not expressible in the JSON form's list shape (covered by the core's typed tests)
    }
    const checks = c.checks ?? [{ index: 0, error: c.error }];
    for (const check of checks) {
      const answer = JSON.parse(addon.statusListGetJson(JSON.stringify({ list, index: check.index })));
      if (check.error) {
        assert.equal(answer.ok, false, `index ${check.index}`);
        assert.equal(answer.error.code, check.error);
      } else {
        assert.equal(answer.ok, true, `index ${check.index}: ${JSON.stringify(answer)}`);
        assert.equal(answer.value.status, check.status, `index ${check.index}`);
      }
      checked++;
    }
  });
  assert.ok(checked > 50, `${checked} checks`);
});

test('presentSdJwtJson reproduces the upstream scopes-only presentation', () => {
  const upstream = vectors('upstream/grant-tokens.json');
  const request = { sdJwt: upstream.sdJwt.full, disclose: ['credentialSubject.scopes'] };
  const answer = JSON.parse(addon.presentSdJwtJson(JSON.stringify(request)));
  assert.deepStrictEqual(answer, { ok: true, value: upstream.sdJwt.presentationScopesOnly });
});

test('the N-API object fallback (GRANTEX_NODE_PLAIN_OBJECTS=1) builds identical grants', () => {
  const script = `
    import { addon, vectors } from ${JSON.stringify(new URL('./addon.mjs', import.meta.url).href)};
    const grants = vectors('grant-tokens.json');
    const out = [];
    for (const c of grants.cases.filter((c) => c.expected.ok)) {
      out.push(new addon.Verifier(grants.keySets[c.keySet]).verify(c.token, c.options));
    }
    process.stdout.write(JSON.stringify(out));`;
  const text = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, GRANTEX_NODE_PLAIN_OBJECTS: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const expected = grants.cases.filter((c) => c.expected.ok).map((c) => c.expected.value);
  const got = JSON.parse(text);
  assert.equal(got.length, expected.length);
  assert.deepStrictEqual(got, expected);
  assert.equal(text, JSON.stringify(expected), 'same member order as the JSON form');
});
