// Runs the vectors in the browser against dist/esm/browser.js; writes a JSON summary into #result
// (read back by test/browser.test.mjs through chromium --dump-dom).
const out = { userAgent: navigator.userAgent, failures: [] };
const sortKeys = (v) => Array.isArray(v) ? v.map(sortKeys)
  : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])])) : v;
const same = (a, b) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
const fail = (what) => { if (out.failures.length < 20) out.failures.push(what); out.failureCount = (out.failureCount || 0) + 1; };
const load = async (name) => (await fetch(`/vectors/${name}`)).json();

const grantOnly = new URL(location.href).searchParams.get('entry') === 'grant';
try {
  const g = await import(grantOnly ? '/dist/esm/grant-browser.js' : '/dist/esm/browser.js');
  out.backend = g.backend();
  out.entry = grantOnly ? 'grant' : 'full';
  const doc = await load('grant-tokens.json');
  const verifiers = {};
  let sync = 0, asyncRuns = 0;
  for (const c of doc.cases) {
    const v = verifiers[c.keySet] ??= g.createVerifier(doc.keySets[c.keySet]);
    for (const mode of ['sync', 'async']) {
      let value, error;
      try {
        value = mode === 'sync' ? v.verify(c.token, c.options) : await g.verifyGrantToken(c.token, { ...c.options, jwks: doc.keySets[c.keySet] });
      } catch (e) { error = e; }
      if (c.expected.ok) {
        if (error || !same(value, c.expected.value)) fail(`${mode} ${c.name}: ${error ? error.code : JSON.stringify(value)}`);
      } else if (!error || error.code !== c.expected.error.code || !(error instanceof g.GrantexError)) {
        fail(`${mode} ${c.name}: expected ${c.expected.error.code}, got ${error ? error.code : 'success'}`);
      }
      if (mode === 'sync') sync++; else asyncRuns++;
    }
  }
  // Every case in flight at once (the WebCrypto path's concurrent schedule): same verdicts and codes.
  const outcomes = await Promise.all(doc.cases.map((c) => g.verifyGrantToken(c.token, { ...c.options, jwks: doc.keySets[c.keySet] })
    .then((value) => ({ value }), (error) => ({ error }))));
  doc.cases.forEach((c, i) => {
    const { value, error } = outcomes[i];
    if (c.expected.ok) {
      if (error || !same(value, c.expected.value)) fail(`concurrent ${c.name}: ${error ? error.code : JSON.stringify(value)}`);
    } else if (!error || error.code !== c.expected.error.code) {
      fail(`concurrent ${c.name}: expected ${c.expected.error.code}, got ${error ? error.code : 'success'}`);
    }
  });
  out.grantTokens = { cases: doc.cases.length, sync, async: asyncRuns, concurrent: outcomes.length };
  if (grantOnly) {
    if (g.verifySdJwt !== undefined || g.verifyChain !== undefined || g.didKeyToJwk !== undefined) fail('grant entry exports credential functions');
    out.done = true;
    throw null;
  }

  const sd = await load('sdjwt.json');
  for (const c of sd.cases) {
    const jwks = typeof c.jwks === 'string' ? sd.keySets[c.jwks] : c.jwks;
    const a = JSON.parse(g.json.verifySdJwt(JSON.stringify({ jwks, presentation: c.presentation, options: { ...c.options, now: c.now } })));
    if ('error' in c.expect ? a.ok || a.error.code !== c.expect.error : !a.ok || !same(a.value.claims, c.expect.claims)) fail(`sdjwt ${c.name}`);
  }
  out.sdjwt = sd.cases.length;

  const vc = await load('vc.json');
  const creds = vc.cases.filter((c) => c.kind === 'credential');
  for (const c of creds) {
    const req = { jwks: vc.keySets[c.jwks], credential: c.token, options: c.options };
    if (c.statusLists) req.statusLists = c.statusLists;
    const a = JSON.parse(g.json.verifyCredential(JSON.stringify(req)));
    if ('error' in c.expect ? a.ok || a.error.code !== c.expect.error : !a.ok || a.value.issuer !== c.expect.issuer) fail(`vc ${c.name}`);
  }
  out.vc = creds.length;

  const audit = JSON.parse(await (await fetch('/vectors/audit.json')).text());
  let chains = 0;
  for (const c of audit.cases) {
    if (!c.entries) continue;
    chains++;
    const r = g.verifyChain(c.entries);
    for (const [k, want] of Object.entries(c.expected)) if (!same(r[k], want)) fail(`audit ${c.name} ${k}`);
  }
  out.audit = chains;

  const { runDidCases } = await import('/test/did-cases.js');
  const dids = runDidCases(g, await load('did.json'));
  for (const f of dids.failures) fail(`did ${f}`);
  out.did = dids.cases;

  // Speed in this browser (informational). Bounded by count, not time: under --virtual-time-budget the clock
  // does not move while a script runs, so a rate is reported only when the clock did move.
  const c = doc.cases.find((x) => x.name === 'upstream-root-with-audience');
  const v = g.createVerifier(doc.keySets[c.keySet]);
  const N = 300;
  let t = performance.now();
  for (let i = 0; i < N; i++) v.verify(c.token, c.options);
  let dt = performance.now() - t;
  out.syncPerSecond = dt > 20 ? Math.round(N * 1000 / dt) : 'n/a (virtual time)';
  t = performance.now();
  for (let i = 0; i < N; i++) await v.verifyAsync(c.token, c.options);
  dt = performance.now() - t;
  out.asyncWebCryptoPerSecond = dt > 20 ? Math.round(N * 1000 / dt) : 'n/a (virtual time)';
  out.done = true;
} catch (e) {
  if (e !== null) out.error = String(e && e.stack ? e.stack : e);
}
document.getElementById('result').textContent = JSON.stringify(out);
