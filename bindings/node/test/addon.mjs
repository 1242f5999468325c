// Shared helpers of the addon tests: loads the addon and the vector files.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const addonPath =
  process.env.GRANTEX_NODE_ADDON ?? path.join(root, 'packages/js/native/grantex.linux-x64-gnu.node');
export const addon = createRequire(import.meta.url)(addonPath);

export function vectors(name) {
  return JSON.parse(readFileSync(path.join(root, 'tests/vectors', name), 'utf8'));
}

/** Every stable code of the core, read from the table in core/src/error.rs (`Variant => "CODE"`). */
export const ERROR_CODES = new Set(
  [...readFileSync(path.join(root, 'core/src/error.rs'), 'utf8').matchAll(/ErrorCode::\w+ => "([A-Z_]+)"/g)].map(
    (m) => m[1],
  ),
);

/** Runs `fn`; returns `{ok:true,value}` or `{ok:false,error:{code,message}}` from the thrown error. */
export function capture(fn) {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return { ok: false, error: { code: e.code, message: e.message }, thrown: e };
  }
}
