// Browser (and any ESM runtime with fetch and import.meta.url, e.g. Deno): instantiates the wasm core once,
// at import time (top-level await), so the synchronous API is usable as soon as the import resolves.
import { setCore } from './api.js';
import init, * as wasm from '../wasm/web/grantex_wasm.js';

await init({ module_or_path: new URL('../wasm/web/grantex_wasm_bg.wasm', import.meta.url) });
setCore(wasm, 'wasm');

export * from './public.js';
