// Runs test/workerd/worker.js under workerd (npm package `workerd`): the package's `workerd` entry with the
// .wasm declared as a compiled wasm module. Skipped when the workerd binary is missing unless
// GRANTEX_REQUIRE_WORKERD=1. WORKERD=/path/to/workerd overrides the lookup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO, VECTORS } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkgRoot = process.env.GRANTEX_JS_PACKAGE_DIR ?? resolve(here, '..');
const workerd = process.env.WORKERD ?? [
  join(pkgRoot, 'node_modules', '@cloudflare', 'workerd-linux-64', 'bin', 'workerd'),
  join(REPO, 'target', 'js-tools', 'node_modules', '@cloudflare', 'workerd-linux-64', 'bin', 'workerd'),
].find((p) => existsSync(p));

const freePort = () => new Promise((res) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
});

test('vectors pass under workerd', { skip: !workerd && process.env.GRANTEX_REQUIRE_WORKERD !== '1' ? 'workerd not installed' : false, timeout: 120_000 }, async () => {
  assert.ok(workerd, 'workerd binary not found (npm install workerd)');
  const dir = mkdtempSync(join(tmpdir(), 'grantex-workerd-'));
  let child;
  try {
    const esm = ['api', 'errors', 'jwks', 'public-grant', 'public', 'workerd'];
    mkdirSync(join(dir, 'dist', 'esm'), { recursive: true });
    mkdirSync(join(dir, 'dist', 'wasm', 'web'), { recursive: true });
    mkdirSync(join(dir, 'vectors'), { recursive: true });
    for (const f of esm) cpSync(join(pkgRoot, 'dist', 'esm', `${f}.js`), join(dir, 'dist', 'esm', `${f}.js`));
    for (const f of ['grantex_wasm.js', 'grantex_wasm_bg.wasm']) cpSync(join(pkgRoot, 'dist', 'wasm', 'web', f), join(dir, 'dist', 'wasm', 'web', f));
    for (const f of ['grant-tokens.json', 'sdjwt.json', 'vc.json']) cpSync(join(VECTORS, f), join(dir, 'vectors', f));
    cpSync(join(VECTORS, 'audit.json'), join(dir, 'vectors', 'audit.json.txt'));
    cpSync(join(here, 'workerd', 'worker.js'), join(dir, 'worker.js'));
    const port = await freePort();
    const modules = [
      '(name = "worker.js", esModule = embed "worker.js")',
      ...esm.map((f) => `(name = "dist/esm/${f}.js", esModule = embed "dist/esm/${f}.js")`),
      '(name = "dist/wasm/web/grantex_wasm.js", esModule = embed "dist/wasm/web/grantex_wasm.js")',
      '(name = "dist/wasm/web/grantex_wasm_bg.wasm", wasm = embed "dist/wasm/web/grantex_wasm_bg.wasm")',
      ...['grant-tokens.json', 'sdjwt.json', 'vc.json'].map((f) => `(name = "vectors/${f}", json = embed "vectors/${f}")`),
      '(name = "vectors/audit.json.txt", text = embed "vectors/audit.json.txt")',
    ];
    writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ ${modules.join(',\n    ')} ],
  compatibilityDate = "2025-09-01",
);
`);
    let stderr = '';
    child = spawn(workerd, ['serve', join(dir, 'config.capnp'), '--verbose'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.on('data', (d) => { stderr += d; });
    let response;
    for (let i = 0; i < 100 && !response; i++) {
      await new Promise((r) => setTimeout(r, 200));
      if (child.exitCode !== null) break;
      response = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
    }
    assert.ok(response, `workerd did not answer (exit ${child.exitCode}): ${stderr.slice(-3000)}`);
    const out = await response.json();
    console.log(`workerd: ${out.grantTokens} grant-token cases (sync + async), sdjwt ${out.sdjwt}, vc ${out.vc}, audit ${out.audit}, backend ${out.backend}`);
    assert.equal(out.error, undefined, out.error);
    assert.deepEqual(out.failures, []);
    assert.equal(out.done, true);
  } finally {
    if (child && child.exitCode === null) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
