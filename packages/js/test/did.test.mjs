// Every case of tests/vectors/did.json through didWebToUrl, didWebFromUrl, didKeyToJwk, agentDidToId,
// agentIdToDid and didDocumentKey (and their JSON forms): same value, or a GrantexError of the vector's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage, loadVectors } from './helpers.mjs';
import { runDidCases } from './did-cases.js';

const g = await loadPackage();
const doc = loadVectors('did.json');

test(`DID vectors (${doc.cases.length} cases)`, () => {
  assert.equal(doc.version, 1);
  const r = runDidCases(g, doc);
  assert.deepEqual(r.failures, []);
  assert.ok(r.cases >= 60, `only ${r.cases} DID cases`);
  for (const kind of ['did-web-url', 'did-key', 'agent-did', 'document-key']) assert.ok(r.byKind[kind] > 0, kind);
  console.log(`DID vectors (backend ${g.backend()}): ${r.cases} cases ${JSON.stringify(r.byKind)}, 0 failures`);
});

test('DID functions: argument errors are coded', () => {
  assert.throws(() => g.didWebToUrl(42), (e) => e instanceof g.InvalidInputError && e.code === 'INVALID_INPUT');
  assert.throws(() => g.didDocumentKey({ did: 'did:web:a.example', document: {}, reference: '#k', purpose: 'keyAgreement' }),
    (e) => e instanceof g.GrantexError && (e.code === 'INVALID_INPUT' || e.code === 'INVALID_DID'));
  assert.throws(() => g.didDocumentKey({ did: 'did:web:a.example', document: 7, reference: '#k' }),
    (e) => e instanceof g.GrantexError && e.code === 'INVALID_INPUT');
});
