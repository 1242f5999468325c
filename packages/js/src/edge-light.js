// Vercel Edge / Next.js edge runtime ("edge-light"): the bundler turns `*.wasm?module` into a compiled
// WebAssembly.Module, instantiated synchronously.
import { setCore } from './api.js';
import * as wasm from '../wasm/web/grantex_wasm.js';
import wasmModule from '../wasm/web/grantex_wasm_bg.wasm?module';

wasm.initSync({ module: wasmModule });
setCore(wasm, 'wasm');

export * from './public.js';
