// Converts the package's own ESM sources (src/api.js, errors.js, jwks.js) to CommonJS for the Node entry.
// Handles only the forms those files use: `import { a, b as c } from './x.js';`, `export function|class|
// const NAME`, `export async function NAME`. Anything else is an error, so a new construct cannot slip
// through half-converted. Usage: node esm-to-cjs.mjs in.js out.cjs
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
const source = readFileSync(input, 'utf8');
const exported = [];
const lines = source.split('\n').map((line, i) => {
  let m = /^import \{([^}]*)\} from '(\.\/[\w-]+)\.js';$/.exec(line);
  if (m) {
    const names = m[1].split(',').map((s) => s.trim()).filter(Boolean)
      .map((s) => s.replace(/^(\w+) as (\w+)$/, '$1: $2'));
    return `const { ${names.join(', ')} } = require('${m[2]}.cjs');`;
  }
  m = /^export (async function|function|class|const|let) (\w+)/.exec(line);
  if (m) {
    exported.push(m[2]);
    return line.replace(/^export /, '');
  }
  if (/^\s*(import|export)\b/.test(line)) {
    throw new Error(`${input}:${i + 1}: unsupported module syntax: ${line}`);
  }
  if (/\bimport\.meta\b|\bimport\(/.test(line)) throw new Error(`${input}:${i + 1}: import.meta/import() in shared code`);
  return line;
});
const out = `'use strict';\n// Generated from ${input.split('/').pop()} by scripts/esm-to-cjs.mjs; do not edit.\n${lines.join('\n')}\n${exported
  .map((n) => `exports.${n} = ${n};`)
  .join('\n')}\n`;
writeFileSync(output, out);
