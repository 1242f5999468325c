// Shared by the node:test files: where the vectors are, how to load the package under test.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..', '..', '..');
export const VECTORS = process.env.GRANTEX_VECTORS ?? join(REPO, 'tests', 'vectors');

export function loadVectors(name) {
  return JSON.parse(readFileSync(join(VECTORS, name), 'utf8'));
}

/** The package under test: GRANTEX_JS_PACKAGE (an installed copy) or packages/js itself, by name. */
export async function loadPackage() {
  const spec = process.env.GRANTEX_JS_PACKAGE ?? '@grantex/core';
  return import(spec);
}

/** Deep equality of JSON values (key order ignored). */
export function sameJson(a, b) {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  }
  return v;
}
