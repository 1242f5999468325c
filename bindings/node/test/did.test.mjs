// tests/vectors/did.json through the addon: the throwing functions (didWebToUrl, didWebFromUrl, didKeyToJwk,
// agentDidToId, agentIdToDid, didDocumentKey — value deep-equal, or an Error whose `code` is the vector's) and
// the JSON forms packages/js drives (`*Json`: the same answers as text).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addon, vectors, capture, ERROR_CODES } from './addon.mjs';

const doc = vectors('did.json');

function forms(c) {
  switch (c.kind) {
    case 'did-web-url':
      return 'did' in c
        ? [() => addon.didWebToUrl(c.did), () => addon.didWebToUrlJson(c.did)]
        : [() => addon.didWebFromUrl(c.url), () => addon.didWebFromUrlJson(c.url)];
    case 'did-key':
      return [() => addon.didKeyToJwk(c.did), () => addon.didKeyToJwkJson(c.did)];
    case 'agent-did':
      return 'did' in c
        ? [() => addon.agentDidToId(c.did), () => addon.agentDidToIdJson(c.did)]
        : [() => addon.agentIdToDid(c.agentId), () => addon.agentIdToDidJson(c.agentId)];
    case 'document-key': {
      const request = { did: c.did, document: 'documentJson' in c ? c.documentJson : c.document, reference: c.reference };
      if (c.purpose !== undefined) request.purpose = c.purpose;
      // The object form, its JSON text, and the JSON form.
      return [() => addon.didDocumentKey(request), () => addon.didDocumentKeyJson(JSON.stringify(request)),
        () => addon.didDocumentKey(JSON.stringify(request))];
    }
    default:
      throw new Error(`unknown kind ${c.kind}`);
  }
}

test(`every did.json case through the throwing and JSON forms (${doc.cases.length} cases)`, () => {
  assert.equal(doc.version, 1);
  const failures = [];
  const kinds = {};
  for (const c of doc.cases) {
    kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
    const [call, jsonCall, textCall] = forms(c);
    const got = capture(call);
    const answer = JSON.parse(jsonCall());
    const viaText = textCall ? capture(textCall) : got;
    try {
      if ('expected' in c) {
        assert.equal(got.ok, true, got.error && `${got.error.code}: ${got.error.message}`);
        assert.deepStrictEqual(got.value, c.expected);
        assert.deepStrictEqual(answer, { ok: true, value: c.expected });
        assert.deepStrictEqual(viaText.value, c.expected);
      } else {
        assert.equal(got.ok, false, `expected ${c.error}, got ${JSON.stringify(got.value)}`);
        assert.ok(got.thrown instanceof Error);
        assert.equal(got.error.code, c.error, got.error.message);
        assert.ok(ERROR_CODES.has(got.error.code));
        assert.equal(answer.ok, false);
        assert.equal(answer.error.code, c.error);
        assert.equal(answer.error.message, got.error.message);
        assert.equal(viaText.error.code, c.error);
      }
    } catch (e) {
      failures.push(`${c.kind} ${c.name}: ${e.message}`);
    }
  }
  assert.deepEqual(failures, []);
  console.log(`addon DID vectors: ${doc.cases.length} cases ${JSON.stringify(kinds)}, 0 failures`);
});

test('DID functions: non-string arguments are INVALID_INPUT (thrown, or answered by the JSON forms)', () => {
  for (const f of ['didWebToUrl', 'didWebFromUrl', 'didKeyToJwk', 'agentDidToId', 'agentIdToDid']) {
    assert.equal(capture(() => addon[f](42)).error.code, 'INVALID_INPUT', f);
    assert.equal(JSON.parse(addon[`${f}Json`](42)).error.code, 'INVALID_INPUT', `${f}Json`);
  }
  assert.equal(capture(() => addon.didDocumentKey(42)).error.code, 'INVALID_INPUT');
  assert.equal(JSON.parse(addon.didDocumentKeyJson({})).error.code, 'INVALID_INPUT');
  assert.equal(capture(() => addon.didDocumentKey({ did: 'did:web:a.example', document: {}, reference: '#k', purpose: 'keyAgreement' })).error.code,
    'INVALID_INPUT');
});
