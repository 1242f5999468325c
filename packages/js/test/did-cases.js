// Every case of tests/vectors/did.json against a loaded @grantex/core (`g`), through the throwing functions
// and through the JSON forms (`g.json.*`). No Node API: test/did.test.mjs and the browser page
// (test/browser/run.js) both use it. Returns `{ cases, byKind, failures }`.

const sortKeys = (v) => Array.isArray(v) ? v.map(sortKeys)
  : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])])) : v;
const same = (a, b) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));

/** `[call, jsonCall]` for one case: the throwing function and the JSON form, with the case's input. */
function calls(g, c) {
  switch (c.kind) {
    case 'did-web-url':
      if ('did' in c) return [() => g.didWebToUrl(c.did), () => g.json.didWebToUrl(c.did)];
      return [() => g.didWebFromUrl(c.url), () => g.json.didWebFromUrl(c.url)];
    case 'did-key':
      return [() => g.didKeyToJwk(c.did), () => g.json.didKeyToJwk(c.did)];
    case 'agent-did':
      if ('did' in c) return [() => g.agentDidToId(c.did), () => g.json.agentDidToId(c.did)];
      return [() => g.agentIdToDid(c.agentId), () => g.json.agentIdToDid(c.agentId)];
    case 'document-key': {
      const request = { did: c.did, document: 'documentJson' in c ? c.documentJson : c.document, reference: c.reference };
      if (c.purpose !== undefined) request.purpose = c.purpose;
      return [() => g.didDocumentKey(request), () => g.json.didDocumentKey(JSON.stringify(request))];
    }
    default:
      throw new Error(`unknown DID vector kind ${c.kind}`);
  }
}

export function runDidCases(g, doc) {
  const failures = [];
  const byKind = {};
  for (const c of doc.cases) {
    byKind[c.kind] = (byKind[c.kind] || 0) + 1;
    const fail = (what) => failures.push(`${c.kind} ${c.name}: ${what}`);
    let call;
    let jsonCall;
    try {
      [call, jsonCall] = calls(g, c);
    } catch (e) {
      fail(String(e));
      continue;
    }
    let value;
    let error;
    try {
      value = call();
    } catch (e) {
      error = e;
    }
    const answer = JSON.parse(jsonCall());
    if ('expected' in c) {
      if (error) fail(`expected ${JSON.stringify(c.expected)}, threw ${error.code}: ${error.message}`);
      else if (!same(value, c.expected)) fail(`got ${JSON.stringify(value)}, expected ${JSON.stringify(c.expected)}`);
      if (answer.ok !== true || !same(answer.value, c.expected)) fail(`JSON form answered ${JSON.stringify(answer)}`);
    } else {
      if (!error) fail(`expected ${c.error}, got ${JSON.stringify(value)}`);
      else {
        if (error.code !== c.error) fail(`expected ${c.error}, threw ${error.code}: ${error.message}`);
        if (!(error instanceof g.GrantexError) || !(error instanceof g.errorClassFor(c.error))) {
          fail(`threw ${error && error.name}, not ${g.errorClassFor(c.error).name}`);
        }
      }
      if (answer.ok !== false || answer.error.code !== c.error || typeof answer.error.message !== 'string') {
        fail(`JSON form answered ${JSON.stringify(answer)}`);
      }
    }
  }
  return { cases: doc.cases.length, byKind, failures };
}
