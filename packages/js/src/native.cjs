'use strict';
// Node only: picks the core this process uses, the napi addon of bindings/node when one is installed and
// complete, else the wasm build. See README.md "Native addon" for the contract.
//
//   GRANTEX_BACKEND=auto (default) | native | wasm
//     auto   — the first usable addon below, else wasm;
//     native — the addon or an error (no silent fallback);
//     wasm   — never look for the addon.
//   GRANTEX_NATIVE_PATH=/abs/path/to/addon.node — try this file only.
//
// Addon locations tried, in order (unless GRANTEX_NATIVE_PATH is set): the optional dependency `@grantex/core-native`
// (its main export is the addon); <package>/native/grantex-node.<triple>.node;
// <package>/native/grantex.<triple>.node, where <triple> is napi-rs's platform name (linux-x64-gnu,
// linux-x64-musl, linux-arm64-gnu, darwin-arm64, darwin-x64, win32-x64-msvc, …).

const fs = require('node:fs');
const path = require('node:path');

let muslCache;

/** True on a musl libc (Alpine). Cheap first (ldd is a script naming its libc), the process report last. */
function isMusl() {
  if (muslCache !== undefined) return muslCache;
  muslCache = false;
  if (process.platform !== 'linux') return muslCache;
  try {
    const ldd = fs.readFileSync('/usr/bin/ldd', 'latin1');
    if (ldd.includes('musl')) return (muslCache = true);
    if (ldd.includes('GNU C Library') || ldd.includes('glibc')) return muslCache;
  } catch {
    // no ldd: ask the process report (slow: it collects the whole diagnostic report).
  }
  try {
    const report = process.report && process.report.getReport();
    const header = report && (typeof report === 'string' ? JSON.parse(report).header : report.header);
    muslCache = !(header && header.glibcVersionRuntime);
  } catch {
    muslCache = false;
  }
  return muslCache;
}

/** napi-rs's name for this platform: linux-x64-gnu, darwin-arm64, win32-x64-msvc, … */
function platformTriple() {
  const base = `${process.platform}-${process.arch}`;
  if (process.platform === 'linux') {
    if (process.arch === 'arm') return `${base}-gnueabihf`;
    return `${base}-${isMusl() ? 'musl' : 'gnu'}`;
  }
  if (process.platform === 'win32') return `${base}-msvc`;
  return base;
}

function candidates() {
  const triple = platformTriple();
  const root = path.join(__dirname, '..', '..');
  const list = [];
  if (process.env.GRANTEX_NATIVE_PATH) return [{ spec: path.resolve(process.env.GRANTEX_NATIVE_PATH), file: true }];
  list.push({ spec: '@grantex/core-native', file: false });
  list.push({ spec: path.join(root, 'native', `grantex-node.${triple}.node`), file: true });
  list.push({ spec: path.join(root, 'native', `grantex.${triple}.node`), file: true });
  return list;
}

/** `{ core, name: 'native' | 'wasm', path }` for this process. */
function loadCore(missingCoreExports) {
  const mode = (process.env.GRANTEX_BACKEND || 'auto').toLowerCase();
  if (mode !== 'auto' && mode !== 'native' && mode !== 'wasm') {
    throw new Error(`GRANTEX_BACKEND must be auto, native or wasm, not ${JSON.stringify(mode)}`);
  }
  const tried = [];
  if (mode !== 'wasm') {
    for (const c of candidates()) {
      if (c.file && !fs.existsSync(c.spec)) {
        tried.push(`${c.spec}: not found`);
        continue;
      }
      let mod;
      try {
        mod = require(c.spec);
      } catch (e) {
        tried.push(`${c.spec}: ${e && e.code === 'MODULE_NOT_FOUND' && !c.file ? 'not installed' : e.message}`);
        continue;
      }
      const missing = missingCoreExports(mod);
      if (missing.length === 0) return { core: mod, name: 'native', path: c.file ? c.spec : require.resolve(c.spec), tried };
      tried.push(`${c.spec}: lacks ${missing.join(', ')}`);
    }
    if (mode === 'native') {
      throw new Error(`GRANTEX_BACKEND=native but no usable native addon (${tried.join('; ')})`);
    }
  }
  const wasmPath = path.join(__dirname, '..', 'wasm', 'node', 'grantex_wasm.js');
  return { core: require(wasmPath), name: 'wasm', path: wasmPath, tried };
}

module.exports = { loadCore, platformTriple };
