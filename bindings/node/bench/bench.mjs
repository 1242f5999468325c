// scripts/bench-node: one run, one JS thread (UV_THREADPOOL_SIZE=1), ratios measured in the same run.
//
// Every library does the same job on the same tokens: full grant-token verification (signature, iss, exp,
// iat/nbf, algorithm allow-list) plus one required scope, with the key prepared beforehand:
//   napi          new Verifier(jwks) once; verifier.verify(token, {issuer, requiredScopes, algorithms})
//   jose          importJWK once; await jwtVerify(token, key, {issuer, algorithms}) + scope check
//   jsonwebtoken  crypto.createPublicKey once; jwt.verify(token, keyObject, {issuer, algorithms}) + scope check
// Rounds interleave the contenders (a busy shared box slows all of them alike); each figure is the median of
// the rounds. `openssl speed` runs first, in the same run, as the hardware reference.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';

const require = createRequire(import.meta.url);
const addonPath = process.argv[2];
const addon = require(addonPath);
const jose = await import('jose');
const jwt = require('jsonwebtoken');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 700);
const OPENSSL_SECONDS = Number(process.env.BENCH_OPENSSL_SECONDS ?? 3);

function opensslSpeed() {
  const out = execFileSync('openssl', ['speed', '-seconds', String(OPENSSL_SECONDS), 'rsa2048', 'ecdsap256'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  // OpenSSL 3.0: "rsa 2048 bits 0.000538s 0.000016s   1858.9  61297.8" and
  //              " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  33383.5  10969.1"; verify/s is the last field.
  const last = (re) => {
    const line = out.split('\n').find((l) => re.test(l));
    if (!line) throw new Error(`openssl speed output not understood:\n${out}`);
    return Number(line.trim().split(/\s+/).at(-1));
  };
  return { RS256: last(/^rsa\s+2048 bits/), ES256: last(/256 bits ecdsa \(nistp256\)/), text: out };
}

const now = Math.floor(Date.now() / 1000);
const issuer = 'https://bench.grantex.dev';
const scope = 'calendar:read';
const claims = {
  iss: issuer,
  sub: 'user_abc123',
  jti: 'tok_01J0000000000000000000000T',
  grnt: 'grnt_01J0000000000000000000000G',
  agt: 'did:grantex:ag_01J0000000000000000000000A',
  dev: 'dev_01J0000000000000000000000D',
  scp: ['calendar:read', 'payments:initiate:max_500'],
  iat: now - 60,
  exp: now + 86400,
};

async function setup(alg) {
  const { publicKey, privateKey } =
    alg === 'RS256'
      ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `bench-${alg}`;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  const token = await new jose.SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(privateKey);
  const verifier = new addon.Verifier({ keys: [jwk] });
  const options = { issuer, requiredScopes: [scope], algorithms: [alg] };
  const joseKey = await jose.importJWK(jwk, alg);
  const keyObject = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const check = (payload) => {
    if (!Array.isArray(payload.scp) || !payload.scp.includes(scope)) throw new Error('insufficient scope');
    return payload;
  };
  const contenders = {
    napi: { sync: true, run: () => verifier.verify(token, options) },
    jose: { sync: false, run: async () => check((await jose.jwtVerify(token, joseKey, { issuer, algorithms: [alg] })).payload) },
    jsonwebtoken: { sync: true, run: () => check(jwt.verify(token, keyObject, { issuer, algorithms: [alg] })) },
  };
  // Same verdict everywhere before timing anything.
  const a = contenders.napi.run();
  const b = await contenders.jose.run();
  const c = contenders.jsonwebtoken.run();
  if (a.tokenId !== b.jti || b.jti !== c.jti || a.expiresAt !== c.exp) throw new Error(`${alg}: contenders disagree`);
  return { jwk, token, options, contenders };
}

/**
 * One window of about WINDOW_MS: operations per second of user CPU time of the whole process (every thread:
 * jose's WebCrypto work on the pool thread counts) — `openssl speed` also reports per user-CPU second — and
 * per wall-clock second.
 */
async function window(contender) {
  const batch = 64;
  let ops = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(WINDOW_MS) * 1_000_000n;
  let t = start;
  if (contender.sync) {
    while (t < deadline) {
      for (let i = 0; i < batch; i++) contender.run();
      ops += batch;
      t = process.hrtime.bigint();
    }
  } else {
    while (t < deadline) {
      for (let i = 0; i < batch; i++) await contender.run();
      ops += batch;
      t = process.hrtime.bigint();
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return { cpu: ops / (cpu.user / 1e6), wall: ops / (Number(t - start) / 1e9) };
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n) => Math.round(n).toLocaleString('en-US');

console.log(`node ${process.version}, ${crypto.constants ? 'openssl ' + process.versions.openssl : ''}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 'default'}`);
console.log(`openssl speed -seconds ${OPENSSL_SECONDS} rsa2048 ecdsap256 ...`);
const openssl = opensslSpeed();
console.log(`openssl verify/s RS256(rsa2048) ${fmt(openssl.RS256)}  ES256(ecdsap256) ${fmt(openssl.ES256)}`);

const algs = ['RS256', 'ES256'];
const setups = {};
for (const alg of algs) setups[alg] = await setup(alg);

// Warm-up: JIT, caches, lazy initialisation of every contender.
for (const alg of algs) for (const c of Object.values(setups[alg].contenders)) await window(c);

const samples = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const alg of algs) {
    for (const [name, c] of Object.entries(setups[alg].contenders)) {
      (samples[`${name} ${alg}`] ??= []).push(await window(c));
    }
  }
}

const rate = {};
console.log(
  `\nverify/s per user-CPU second (wall-clock in brackets), median of ${ROUNDS} interleaved rounds of ${WINDOW_MS} ms` +
    ' (full verify + one required scope)',
);
for (const alg of algs) {
  for (const name of Object.keys(setups[alg].contenders)) {
    const key = `${name} ${alg}`;
    const cpu = samples[key].map((s) => s.cpu);
    rate[key] = median(cpu);
    const wall = median(samples[key].map((s) => s.wall));
    console.log(
      `${key.padEnd(20)} ${fmt(rate[key]).padStart(8)}/s  ${(rate[key] / openssl[alg]).toFixed(2)} of openssl` +
        `  [wall ${fmt(wall)}/s]  rounds ${fmt(Math.min(...cpu))}..${fmt(Math.max(...cpu))}`,
    );
  }
}

const ratio = (a, b, alg, target) => {
  const r = rate[`${a} ${alg}`] / rate[`${b} ${alg}`];
  const verdict = target ? (r >= target ? `target >= ${target}: met` : `target >= ${target}: MISSED`) : '';
  console.log(
    `ratio ${a}/${b} ${alg} ${r.toFixed(2)}  (${a} ${(rate[`${a} ${alg}`] / openssl[alg]).toFixed(2)} of openssl, ${b} ${(rate[`${b} ${alg}`] / openssl[alg]).toFixed(2)} of openssl)  ${verdict}`,
  );
  return r;
};
console.log('');
ratio('napi', 'jose', 'RS256', 3);
ratio('napi', 'jsonwebtoken', 'RS256', 1.5);
ratio('napi', 'jose', 'ES256', 2);
ratio('napi', 'jsonwebtoken', 'ES256');

// Cold start: a fresh process, timed in-process from before `require` to after the first verify.
const { jwk, token, options } = setups.RS256;
const script = `
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const addon = require(${JSON.stringify(addonPath)});
const t1 = process.hrtime.bigint();
const v = new addon.Verifier(${JSON.stringify(JSON.stringify({ keys: [jwk] }))});
const t2 = process.hrtime.bigint();
const g = v.verify(${JSON.stringify(token)}, ${JSON.stringify(options)});
const t3 = process.hrtime.bigint();
const c = process.cpuUsage(c0);
if (!g.tokenId) throw new Error('no grant');
console.log([...[t1 - t0, t2 - t1, t3 - t2, t3 - t0].map((d) => Number(d) / 1e6), (c.user + c.system) / 1e3].join(' '));`;
const runs = [];
for (let i = 0; i < 9; i++) {
  runs.push(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim().split(' ').map(Number));
}
const col = (i) => median(runs.map((r) => r[i]));
console.log(
  `\ncold start (node -e, in-process, median of ${runs.length} fresh processes): require ${col(0).toFixed(2)} ms + ` +
    `Verifier from JWKS ${col(1).toFixed(2)} ms + first verify ${col(2).toFixed(2)} ms = ${col(3).toFixed(2)} ms wall ` +
    `(${col(4).toFixed(2)} ms CPU); target <= 10 ms: ${col(3) <= 10 ? 'met' : 'MISSED'}` +
    `\n  each run, wall ms: ${runs.map((r) => r[3].toFixed(2)).join(', ')}; CPU ms: ${runs.map((r) => r[4].toFixed(2)).join(', ')}`,
);
