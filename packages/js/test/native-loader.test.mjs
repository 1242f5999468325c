// The Node entry's choice of core (README.md "Native addon"): a complete addon is used, an incomplete one is
// skipped in auto mode and an error with GRANTEX_BACKEND=native, GRANTEX_BACKEND=wasm never looks. The
// "addons" here are CommonJS stand-ins that re-export the wasm core, so only the loader is under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const spec = process.env.GRANTEX_JS_PACKAGE ?? '@grantex/core';
const require = createRequire(join(here, 'x.cjs'));
const cjsEntry = require.resolve(spec);
const wasmGlue = resolve(dirname(cjsEntry), '..', 'wasm', 'node', 'grantex_wasm.js');
assert.ok(existsSync(wasmGlue), wasmGlue);

const dir = mkdtempSync(join(tmpdir(), 'grantex-native-'));
const complete = join(dir, 'complete.cjs');
writeFileSync(complete, `module.exports = { ...require(${JSON.stringify(wasmGlue)}), Verifier: require(${JSON.stringify(wasmGlue)}).Verifier };\n`);
const incomplete = join(dir, 'incomplete.cjs');
writeFileSync(incomplete, `const m = { ...require(${JSON.stringify(wasmGlue)}) }; delete m.verifyAuditChainJson; module.exports = m;\n`);

function run(env, kind = 'require') {
  const code = kind === 'require'
    ? `const g = require(${JSON.stringify(spec)}); console.log(JSON.stringify({ b: g.backend(), info: g.nativeInfo, ok: g.satisfies('a:b', 'a:b') }));`
    : `import(${JSON.stringify(spec)}).then((g) => console.log(JSON.stringify({ b: g.backend(), info: g.nativeInfo, ok: g.satisfies('a:b', 'a:b') })));`;
  const r = spawnSync(process.execPath, ['-e', code], { cwd: here, env: { ...process.env, GRANTEX_BACKEND: '', GRANTEX_NATIVE_PATH: '', ...env }, encoding: 'utf8' });
  return { status: r.status, out: r.stdout.trim() ? JSON.parse(r.stdout.trim().split('\n').pop()) : null, err: r.stderr };
}

test('a complete addon at GRANTEX_NATIVE_PATH is used (require and import)', () => {
  for (const kind of ['require', 'import']) {
    const r = run({ GRANTEX_NATIVE_PATH: complete }, kind);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out.b, 'native', kind);
    assert.equal(r.out.info.path, complete);
    assert.equal(r.out.ok, true);
  }
});

test('an incomplete addon falls back to wasm in auto mode and fails with GRANTEX_BACKEND=native', () => {
  const auto = run({ GRANTEX_NATIVE_PATH: incomplete });
  assert.equal(auto.status, 0, auto.err);
  assert.equal(auto.out.b, 'wasm');
  const forced = run({ GRANTEX_NATIVE_PATH: incomplete, GRANTEX_BACKEND: 'native' });
  assert.notEqual(forced.status, 0);
  assert.match(forced.err, /lacks verifyAuditChainJson/);
});

test('GRANTEX_BACKEND=wasm ignores an addon', () => {
  const off = run({ GRANTEX_NATIVE_PATH: complete, GRANTEX_BACKEND: 'wasm' });
  assert.equal(off.status, 0, off.err);
  assert.equal(off.out.b, 'wasm');
});

test('auto mode: the package\'s native/ addon (bindings/node) when present, else wasm', () => {
  const r = run({});
  assert.equal(r.status, 0, r.err);
  const bundled = join(dirname(cjsEntry), '..', '..', 'native', `grantex.${r.out.info.platform}.node`);
  const bundled2 = join(dirname(cjsEntry), '..', '..', 'native', `grantex-node.${r.out.info.platform}.node`);
  const present = existsSync(bundled) || existsSync(bundled2);
  console.log(`native loader: auto mode picked ${r.out.b}${r.out.info.path && r.out.b === 'native' ? ` (${r.out.info.path})` : ''}; addon in native/: ${present}`);
  if (!present) assert.equal(r.out.b, 'wasm');
});
