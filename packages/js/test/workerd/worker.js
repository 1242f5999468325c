// A workerd worker that imports the package's workerd entry and runs the vectors on GET /.
import * as g from './dist/esm/workerd.js';
import grantDoc from './vectors/grant-tokens.json';
import sdDoc from './vectors/sdjwt.json';
import vcDoc from './vectors/vc.json';
import auditText from './vectors/audit.json.txt';

const sortKeys = (v) => Array.isArray(v) ? v.map(sortKeys)
  : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])])) : v;
const same = (a, b) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));

async function run() {
  const out = { failures: [], backend: g.backend() };
  const fail = (w) => { if (out.failures.length < 20) out.failures.push(w); };
  const verifiers = {};
  let webCryptoBefore = 0;
  for (const c of grantDoc.cases) {
    const v = verifiers[c.keySet] ??= g.createVerifier(grantDoc.keySets[c.keySet]);
    for (const mode of ['sync', 'async']) {
      let value, error;
      try {
        value = mode === 'sync' ? v.verify(c.token, c.options) : await g.verifyGrantToken(c.token, { ...c.options, jwks: grantDoc.keySets[c.keySet] });
      } catch (e) { error = e; }
      if (c.expected.ok) {
        if (error || !same(value, c.expected.value)) fail(`${mode} ${c.name}: ${error ? error.code + ' ' + error.message : 'value differs'}`);
      } else if (!error || error.code !== c.expected.error.code || !(error instanceof g.GrantexError)) {
        fail(`${mode} ${c.name}: expected ${c.expected.error.code}, got ${error ? error.code : 'success'}`);
      }
    }
  }
  out.grantTokens = grantDoc.cases.length;
  for (const c of sdDoc.cases) {
    const jwks = typeof c.jwks === 'string' ? sdDoc.keySets[c.jwks] : c.jwks;
    const a = JSON.parse(g.json.verifySdJwt(JSON.stringify({ jwks, presentation: c.presentation, options: { ...c.options, now: c.now } })));
    if ('error' in c.expect ? a.ok || a.error.code !== c.expect.error : !a.ok || !same(a.value.claims, c.expect.claims)) fail(`sdjwt ${c.name}`);
  }
  out.sdjwt = sdDoc.cases.length;
  const creds = vcDoc.cases.filter((c) => c.kind === 'credential');
  for (const c of creds) {
    const req = { jwks: vcDoc.keySets[c.jwks], credential: c.token, options: c.options };
    if (c.statusLists) req.statusLists = c.statusLists;
    const a = JSON.parse(g.json.verifyCredential(JSON.stringify(req)));
    if ('error' in c.expect ? a.ok || a.error.code !== c.expect.error : !a.ok || a.value.issuer !== c.expect.issuer) fail(`vc ${c.name}`);
  }
  out.vc = creds.length;
  const audit = JSON.parse(auditText);
  out.audit = 0;
  for (const c of audit.cases) {
    if (!c.entries) continue;
    out.audit++;
    const r = g.verifyChain(c.entries);
    for (const [k, want] of Object.entries(c.expected)) if (!same(r[k], want)) fail(`audit ${c.name} ${k}`);
  }
  out.done = true;
  return out;
}

export default {
  async fetch() {
    try {
      return Response.json(await run());
    } catch (e) {
      return Response.json({ error: String(e && e.stack ? e.stack : e) }, { status: 500 });
    }
  },
};
