// Verifications per second in this runtime: the sync Verifier (pure core), and the async verifyGrantToken
// with WebCrypto for the RS256 signature (sequential and 64 in flight) and without it.
// Usage: node bench/verify.mjs [ms per measurement, default 2000]
import { loadPackage, loadVectors } from '../test/helpers.mjs';

const g = await loadPackage();
const ms = Number(process.argv[2] ?? 2000);
const doc = loadVectors('grant-tokens.json');
const c = doc.cases.find((x) => x.name === 'upstream-root-with-audience');
const jwks = doc.keySets[c.keySet];
const verifier = g.createVerifier(jwks);

function rate(n, start) {
  return Math.round((n * 1000) / (performance.now() - start));
}

async function measure(name, once, batch = 1) {
  for (let i = 0; i < 50; i++) await once(); // warm-up (key import, JIT)
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    if (batch === 1) await once();
    else await Promise.all(Array.from({ length: batch }, once));
    n += batch;
  }
  const r = rate(n, start);
  console.log(`${name.padEnd(52)} ${String(r).padStart(7)} verify/s`);
  return r;
}

console.log(`@grantex/core ${g.coreVersion()} backend=${g.backend()} node ${process.version}, ${ms} ms each, token ${c.name}`);
const results = {};
results.sync = await measure(`sync Verifier.verify (${g.backend()} core)`, () => verifier.verify(c.token, c.options));
results.asyncWebCrypto = await measure(`async verifyGrantToken${g.backend() === 'wasm' ? ', WebCrypto RS256' : ''}, sequential`, () =>
  g.verifyGrantToken(c.token, { ...c.options, jwks }));
results.asyncWebCrypto64 = await measure(`async verifyGrantToken${g.backend() === 'wasm' ? ', WebCrypto RS256' : ''}, 64 in flight`, () =>
  g.verifyGrantToken(c.token, { ...c.options, jwks }), 64);
results.asyncPure = await measure(`async verifyGrantToken${g.backend() === 'wasm' ? ', webCrypto: false' : ' (webCrypto: false)'}`, () =>
  g.verifyGrantToken(c.token, { ...c.options, jwks, webCrypto: false }));
if (process.env.BENCH_JSON) console.log(JSON.stringify(results));
