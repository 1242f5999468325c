// @grantex/core (wasm core) against `jose` on the same runtime, steady state, and cold starts. Builds nothing:
// run scripts/build-js (and scripts/build-node for the addon figures) first; scripts/bench-js wraps this.
//
//   1. Node: both libraries in this process (GRANTEX_BACKEND=wasm is forced here): jose jwtVerify vs the async
//      verifyGrantToken (WebCrypto RS256), one and 64 in flight, plus the sync pure-wasm verifier;
//   2. headless Chromium (Debian `chromium`): the same code (bench/compare-core.js) in one page served on
//      127.0.0.1; the page posts its figures back;
//   3. Node cold start: fresh processes, import + createVerifier(jwks) + first verify, median of N (wasm, and
//      the native addon when packages/js/native has one).
//
// Prints `ratio wasm-async/jose` per runtime and concurrency. Usage:
//   node bench/compare.mjs [--ms 1000] [--rounds 5] [--cold 15] [--no-browser] [--no-node] [--no-cold] [--json]
// Environment: CHROMIUM (browser binary; default /usr/bin/chromium).
process.env.GRANTEX_BACKEND = 'wasm';

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { existsSync, mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join, resolve, dirname, normalize, extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runBench, benchInputs, REQUIRED_SCOPE } from './compare-core.js';

const here = dirname(fileURLToPath(import.meta.url));
const pkgRoot = resolve(here, '..');
const repo = resolve(pkgRoot, '..', '..');
const vectorsDir = process.env.GRANTEX_VECTORS ?? join(repo, 'tests', 'vectors');

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ms = value('--ms', 1000);
const rounds = value('--rounds', 5);
const coldRuns = value('--cold', 15);

const doc = JSON.parse(readFileSync(join(vectorsDir, 'grant-tokens.json'), 'utf8'));
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const fmt = (x) => String(Math.round(x)).padStart(8);
const results = { node: null, chromium: null, cold: {} };

function printRuntime(name, r, extra = '') {
  console.log(`\n${name}${extra} (${r.rounds} rounds, ${r.ms} ms per measurement, medians; load before ${r.loadBefore}, after ${r.loadAfter})`);
  for (const [k, v] of Object.entries(r.rates)) {
    const cpu = r.cpu ? `   ${r.cpu[k].toFixed(1).padStart(7)} µs CPU/verify (all threads)` : '';
    console.log(`  ${k.padEnd(28)} ${fmt(v)} verify/s${cpu}`);
  }
  for (const [n, x] of Object.entries(r.ratios)) {
    const each = r.roundRatios[n].map((v) => v.toFixed(2)).join(' ');
    console.log(`  ratio wasm-async/jose ${name} ${n} in flight: ${x.toFixed(2)}x ${x >= 1 ? '(>= 1x: ok)' : '(< 1x)'}` +
      `  [per round: ${each}]`);
  }
}

console.log(`bench: @grantex/core vs jose, token ${benchInputs(doc).c.name} + requiredScopes [${REQUIRED_SCOPE}]; ` +
  `${cpus().length} cpus; load ${load()}`);

// --- 1. Node ---------------------------------------------------------------------------------------------
if (!flag('--no-node')) {
  const g = await import('@grantex/core');
  const jose = await import('jose');
  if (g.backend() !== 'wasm') throw new Error(`expected the wasm core, got ${g.backend()}`);
  const loadBefore = load();
  const r = await runBench(g, jose, doc, { ms, rounds, cpuUsage: (prev) => process.cpuUsage(prev) });
  results.node = { ...r, loadBefore, loadAfter: load(), runtime: `node ${process.version}` };
  printRuntime('node', results.node, ` ${process.version}, @grantex/core ${g.coreVersion()} (wasm)`);
}

// --- 2. Chromium -----------------------------------------------------------------------------------------
const chromium = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!flag('--no-browser')) {
  if (!chromium) {
    console.log('\nchromium: not installed (apt-get install -y chromium), skipped');
  } else {
    results.chromium = await browserBench();
    if (results.chromium.error) throw new Error(`browser bench failed: ${results.chromium.error}`);
    printRuntime('chromium', results.chromium, ` ${results.chromium.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? ''}`);
  }
}

async function browserBench() {
  const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.json': 'application/json', '.wasm': 'application/wasm' };
  let resolveResult;
  const posted = new Promise((r) => { resolveResult = r; });
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (req.method === 'POST' && path === '/result') {
      let body = '';
      for await (const chunk of req) body += chunk;
      res.writeHead(204);
      res.end();
      resolveResult(JSON.parse(body));
      return;
    }
    let file;
    if (path.startsWith('/vectors/')) file = join(vectorsDir, normalize(path.slice('/vectors/'.length)));
    else file = join(pkgRoot, normalize(path));
    try {
      if (!file.startsWith(pkgRoot) && !file.startsWith(vectorsDir)) throw new Error('outside');
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(await readFile(file));
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const profile = mkdtempSync(join(tmpdir(), 'grantex-bench-chromium-'));
  const loadBefore = load();
  const child = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-extensions',
    `--user-data-dir=${profile}`, `${base}/bench/page.html?ms=${ms}&rounds=${rounds}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  const budget = 60_000 + 5 * rounds * (ms + 400) * 2;
  let timer;
  const outcome = await Promise.race([
    posted,
    exited.then((code) => ({ error: `chromium exited (${code}) before posting: ${stderr}` })),
    new Promise((r) => { timer = setTimeout(() => r({ error: `no result within ${budget} ms: ${stderr}` }), budget); }),
  ]);
  clearTimeout(timer);
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  server.close();
  try {
    // Chromium's helper processes may still be writing the profile for a moment after the browser exits.
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch (e) {
    console.log(`(could not remove ${profile}: ${e.message})`);
  }
  return { ...outcome, loadBefore, loadAfter: load() };
}

// --- 3. Cold starts --------------------------------------------------------------------------------------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Cold start in fresh processes: `import('@grantex/core')` (ESM; `mode` 'import') or `require` (CJS), then
 * createVerifier(jwks) and the first (sync) verify, timed inside the process from just before the
 * import; also the first async verifyGrantToken after it and the whole process lifetime up to the first
 * verdict (performance.timeOrigin: node's own start-up included).
 */
function coldStart(backend, mode) {
  const { c, jwks, options } = benchInputs(doc);
  const load = mode === 'import' ? "await import('@grantex/core')" : "require('@grantex/core')";
  const body = `
    const inputs = JSON.parse(process.env.GRANTEX_BENCH_INPUTS);
    const t0 = performance.now();
    const g = ${load};
    const t1 = performance.now();
    const v = g.createVerifier(inputs.jwks);
    const grant = v.verify(inputs.token, inputs.options);
    const t2 = performance.now();
    const a = await g.verifyGrantToken(inputs.token, { ...inputs.options, jwks: inputs.jwks });
    const t3 = performance.now();
    if (grant.principalId !== a.principalId) throw new Error('mismatch');
    console.log(JSON.stringify({ backend: g.backend(), importMs: t1 - t0, syncMs: t2 - t0, asyncMs: t3 - t2, processMs: t2 }));`;
  const script = mode === 'import' ? body : `(async () => {${body}})().catch((e) => { console.error(e); process.exit(1); });`;
  const runs = [];
  for (let i = 0; i < coldRuns; i++) {
    const r = spawnSync(process.execPath, [...(mode === 'import' ? ['--input-type=module'] : []), '-e', script], {
      cwd: pkgRoot, encoding: 'utf8',
      env: { ...process.env, GRANTEX_BACKEND: backend, GRANTEX_BENCH_INPUTS: JSON.stringify({ token: c.token, jwks, options }) },
    });
    if (r.status !== 0) throw new Error(`cold start (${backend}, ${mode}) failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    if (out.backend !== backend) throw new Error(`cold start: asked ${backend}, got ${out.backend}`);
    runs.push(out);
  }
  const m = (k) => median(runs.map((r) => r[k]));
  return { runs: runs.length, importMs: m('importMs'), firstVerifyMs: m('syncMs'), firstAsyncMs: m('asyncMs'), processMs: m('processMs') };
}

/** What the first `import()` of any file costs node itself (its ESM loader): an empty module, same timing. */
function esmLoaderBaseline() {
  const dir = mkdtempSync(join(tmpdir(), 'grantex-bench-empty-'));
  const file = join(dir, 'empty.mjs');
  writeFileSync(file, 'export default 1;\n');
  const runs = [];
  for (let i = 0; i < coldRuns; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e',
      `const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t0);`], { encoding: 'utf8' });
    runs.push(Number(r.stdout.trim()));
  }
  rmSync(dir, { recursive: true, force: true });
  return median(runs);
}

if (!flag('--no-cold')) {
  const addon = ['linux-x64-gnu', 'linux-arm64-gnu', 'darwin-arm64', 'darwin-x64'].some((t) => existsSync(join(pkgRoot, 'native', `grantex.${t}.node`)));
  const backends = addon ? ['wasm', 'native'] : ['wasm'];
  const loadBefore = load();
  for (const b of backends) for (const mode of ['import', 'require']) results.cold[`${b} ${mode}`] = coldStart(b, mode);
  results.cold.esmLoaderMs = esmLoaderBaseline();
  console.log(`\nnode cold start (fresh process, median of ${coldRuns}; load before ${loadBefore}, after ${load()})`);
  for (const b of backends) {
    for (const mode of ['import', 'require']) {
      const r = results.cold[`${b} ${mode}`];
      const target = b === 'wasm' ? 40 : 10;
      console.log(`  ${b.padEnd(6)} ${mode.padEnd(7)} + createVerifier + first verify: ${r.firstVerifyMs.toFixed(1)} ms ` +
        `(${mode} ${r.importMs.toFixed(1)} ms; target <= ${target} ms: ${r.firstVerifyMs <= target ? 'ok' : 'over'}); ` +
        `first async verify after it ${r.firstAsyncMs.toFixed(1)} ms; process start to first verdict ${r.processMs.toFixed(1)} ms`);
    }
  }
  console.log(`  (node's own first import() of an empty ES module costs ${results.cold.esmLoaderMs.toFixed(1)} ms of the import figures)`);
  if (!addon) console.log('  native: no addon in packages/js/native (scripts/build-node), skipped');
}

if (flag('--json')) console.log(JSON.stringify(results));
