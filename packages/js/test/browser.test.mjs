// Serves packages/js and tests/vectors on 127.0.0.1 and runs test/browser/run.js in headless Chromium
// (chromium --headless --dump-dom): the grant-token vectors (sync and async/WebCrypto), SD-JWT, VC and audit
// vectors must all pass in the browser build (dist/esm/browser.js). Skipped when Chromium is missing unless
// GRANTEX_REQUIRE_BROWSER=1 (scripts/test-js sets it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve, dirname, normalize, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VECTORS } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkgRoot = process.env.GRANTEX_JS_PACKAGE_DIR ?? resolve(here, '..');
const chromium = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.json': 'application/json', '.wasm': 'application/wasm' };

let server;
let base;
before(async () => {
  server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file;
    if (path.startsWith('/vectors/')) file = join(VECTORS, normalize(path.slice('/vectors/'.length)));
    else if (path.startsWith('/test/')) file = join(here, normalize(path.slice('/test/'.length)));
    else file = join(pkgRoot, normalize(path));
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(await readFile(file));
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((r) => server.close(r)));

for (const entry of ['full', 'grant']) test(`vectors pass in headless Chromium (${entry} build)`, { skip: !chromium && process.env.GRANTEX_REQUIRE_BROWSER !== '1' ? 'chromium not installed' : false, timeout: 180_000 }, async () => {
  assert.ok(chromium, 'chromium not found (apt-get install -y chromium)');
  const profile = mkdtempSync(join(tmpdir(), 'grantex-chromium-'));
  try {
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${profile}`,
      '--virtual-time-budget=120000', '--dump-dom', `${base}/test/browser/page.html?entry=${entry}`];
    const dom = await new Promise((res, rej) => execFile(chromium, args, { timeout: 170_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? rej(new Error(`${err.message}\n${stderr}`)) : res(stdout)));
    const m = /<pre id="result">([\s\S]*?)<\/pre>/.exec(dom);
    assert.ok(m, `no result in the DOM: ${dom.slice(0, 500)}`);
    const text = m[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    assert.notEqual(text, 'pending', 'the page did not finish (raise --virtual-time-budget?)');
    const out = JSON.parse(text);
    if (entry === 'full') console.log(`browser: ${out.userAgent}`);
    const extra = entry === 'full' ? `, sdjwt ${out.sdjwt}, vc ${out.vc}, audit ${out.audit}, did ${out.did}` : ' (no credential functions exported)';
    console.log(`browser (${entry} build): grant tokens ${out.grantTokens?.cases} cases (sync ${out.grantTokens?.sync}, async/WebCrypto ${out.grantTokens?.async}, all in flight ${out.grantTokens?.concurrent})${extra}`);
    assert.equal(out.error, undefined, out.error);
    assert.deepEqual(out.failures, []);
    assert.equal(out.done, true);
    assert.ok(out.grantTokens.cases >= 200);
    assert.equal(out.entry, entry);
    if (entry === 'full') assert.ok(out.did >= 60, `DID vectors in the browser: ${out.did}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});
