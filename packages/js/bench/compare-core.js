// The measurements of bench/compare.mjs, shared by Node and the browser page (no Node APIs here): the same
// grant token verified by @grantex/core and by `jose` in the same runtime, steady state.
//
//   jose        async jwtVerify with the RSA key imported once (CryptoKey), algorithms [RS256], issuer,
//               audience, currentDate, the grant token's required claims, then one required scope;
//   wasm-async  verifyGrantToken(token, {…options, jwks, requiredScopes: [scope]}) — WebCrypto for the RS256
//               signature, every other check in the core (the jwks object's Verifier is cached);
//   wasm-sync   createVerifier(jwks).verify(token, {…, requiredScopes}) — the pure core (RSA in wasm).
//
// Each is run one in flight and 64 in flight (Promise.all of 64), in `rounds` interleaved rounds of `ms`
// milliseconds; the figure is the median of the rounds. Ratios are wasm-async / jose at the same concurrency.

export const BENCH_CASE = 'upstream-root-with-audience';
export const REQUIRED_SCOPE = 'calendar:read';

/** The inputs of the benchmark from the grant-token vector file. */
export function benchInputs(doc) {
  const c = doc.cases.find((x) => x.name === BENCH_CASE);
  if (!c || !c.expected.ok) throw new Error(`vector ${BENCH_CASE} missing or not valid`);
  return { c, jwks: doc.keySets[c.keySet], options: { ...c.options, requiredScopes: [REQUIRED_SCOPE] } };
}

/** Builds the three verify functions; checks each once against the vector's expected value. */
export async function makeContenders(g, jose, doc) {
  const { c, jwks, options } = benchInputs(doc);
  const header = JSON.parse(new TextDecoder().decode(b64urlDecode(c.token.split('.')[0])));
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  const key = await jose.importJWK({ kty: jwk.kty, n: jwk.n, e: jwk.e }, 'RS256');
  const joseOptions = {
    algorithms: ['RS256'],
    issuer: options.issuer,
    audience: options.audience,
    currentDate: new Date(options.now * 1000),
    requiredClaims: ['iss', 'sub', 'jti', 'agt', 'dev', 'scp', 'iat', 'exp'],
  };
  const joseVerify = async () => {
    const { payload } = await jose.jwtVerify(c.token, key, joseOptions);
    if (!Array.isArray(payload.scp) || !payload.scp.includes(REQUIRED_SCOPE)) throw new Error('insufficient scope');
    return payload;
  };
  const asyncOptions = { ...options, jwks };
  const wasmAsync = () => g.verifyGrantToken(c.token, asyncOptions);
  const verifier = g.createVerifier(jwks);
  const wasmSync = () => verifier.verify(c.token, options);

  const want = c.expected.value;
  const p = await joseVerify();
  if (p.sub !== want.principalId || p.jti !== want.tokenId) throw new Error('jose: unexpected payload');
  for (const [name, f] of [['wasm-async', wasmAsync], ['wasm-sync', wasmSync]]) {
    const v = await f();
    if (v.principalId !== want.principalId || v.tokenId !== want.tokenId || v.scopes.join() !== want.scopes.join()) {
      throw new Error(`${name}: unexpected result ${JSON.stringify(v)}`);
    }
  }
  return { joseVerify, wasmAsync, wasmSync, tokenBytes: c.token.length };
}

function b64urlDecode(s) {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(b, (ch) => ch.charCodeAt(0));
}

/**
 * Verifications per second of `once` (sync or async) with `batch` in flight, for `ms` milliseconds; with
 * `cpuUsage` (Node's process.cpuUsage) also the process CPU time per verification in µs (every thread: the
 * WebCrypto work on libuv's pool included), which moves less than the rate when the machine is shared.
 */
export async function measure(once, ms, batch, cpuUsage) {
  const run = async () => {
    if (batch === 1) {
      await once();
      return 1;
    }
    const all = new Array(batch);
    for (let i = 0; i < batch; i++) all[i] = once();
    await Promise.all(all);
    return batch;
  };
  const warm = performance.now();
  while (performance.now() - warm < Math.min(200, ms / 4)) await run();
  let n = 0;
  const cpu0 = cpuUsage ? cpuUsage() : null;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    n += await run();
    now = performance.now();
  }
  const cpu = cpuUsage ? cpuUsage(cpu0) : null;
  return { rate: (n * 1000) / (now - start), cpuUs: cpu ? (cpu.user + cpu.system) / n : null };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Runs the contenders in `rounds` rounds. Within a round jose and wasm-async run back to back at each
 * concurrency (their order alternating between rounds), so each round gives one ratio measured under the same
 * machine load; the reported ratio is the median of the per-round ratios, rates are medians too. Resolves
 * `{ rates: {name: verify/s}, cpu: {name: µs/verify} | null, ratios: {'1': x, '64': y}, roundRatios, samples }`.
 */
export async function runBench(g, jose, doc, { ms = 1000, rounds = 5, log = () => {}, cpuUsage } = {}) {
  const k = await makeContenders(g, jose, doc);
  const names = {
    jose1: 'jose, 1 in flight', wasm1: 'wasm-async, 1 in flight', jose64: 'jose, 64 in flight',
    wasm64: 'wasm-async, 64 in flight', sync: 'wasm-sync (pure core)',
  };
  const samples = Object.fromEntries(Object.values(names).map((n) => [n, []]));
  const cpuSamples = Object.fromEntries(Object.values(names).map((n) => [n, []]));
  const roundRatios = { 1: [], 64: [] };
  const run = async (name, f, batch) => {
    const { rate, cpuUs } = await measure(f, ms, batch, cpuUsage);
    samples[name].push(rate);
    if (cpuUs !== null) cpuSamples[name].push(cpuUs);
    log(`${name.padEnd(26)} ${Math.round(rate)} verify/s`);
    return rate;
  };
  for (let r = 0; r < rounds; r++) {
    for (const batch of [1, 64]) {
      const pair = [[names[`jose${batch}`], k.joseVerify], [names[`wasm${batch}`], k.wasmAsync]];
      if (r % 2 === 1) pair.reverse();
      const rate = {};
      for (const [name, f] of pair) rate[name] = await run(name, f, batch);
      roundRatios[batch].push(rate[names[`wasm${batch}`]] / rate[names[`jose${batch}`]]);
    }
    await run(names.sync, k.wasmSync, 1);
  }
  const rates = Object.fromEntries(Object.entries(samples).map(([n, xs]) => [n, median(xs)]));
  const cpu = cpuUsage ? Object.fromEntries(Object.entries(cpuSamples).map(([n, xs]) => [n, median(xs)])) : null;
  const ratios = { 1: median(roundRatios[1]), 64: median(roundRatios[64]) };
  return { rates, cpu, ratios, roundRatios, samples, ms, rounds, tokenBytes: k.tokenBytes };
}
