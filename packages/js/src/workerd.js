// Cloudflare workerd / wrangler: the .wasm file is imported as a compiled WebAssembly.Module (wrangler's
// default rule for *.wasm; with raw workerd declare it as a `wasm` module next to this file), then
// instantiated synchronously. No fetch of the module at run time.
import { setCore } from './api.js';
import * as wasm from '../wasm/web/grantex_wasm.js';
import wasmModule from '../wasm/web/grantex_wasm_bg.wasm';

wasm.initSync({ module: wasmModule });
setCore(wasm, 'wasm');

export * from './public.js';
