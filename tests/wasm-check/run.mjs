// Runs the raw grantex-wasm-check module in Node (>= 18): instantiates it, verifies the upstream root
// grant token through the exported C ABI and prints the answer JSON, then a rough verify/s.
//
//   node tests/wasm-check/run.mjs <module.wasm> [grant-tokens.json] [--bench-ms N]
//
// Exit status: 0 when the root token answers {"ok":true,...} and a tampered one {"ok":false,...}; 1 otherwise.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let benchMs = 2000;
const positional = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--bench-ms") benchMs = Number(args[++i]);
  else positional.push(args[i]);
}
const wasmPath = positional[0];
const vectorsPath = positional[1] ?? join(here, "..", "vectors", "upstream", "grant-tokens.json");
if (!wasmPath) {
  console.error("usage: node run.mjs <module.wasm> [grant-tokens.json] [--bench-ms N]");
  process.exit(2);
}

const module = new WebAssembly.Module(readFileSync(wasmPath));
const imports = WebAssembly.Module.imports(module);
console.log(`imports: ${imports.length === 0 ? "(none)" : imports.map((i) => `${i.module}.${i.name} (${i.kind})`).join(", ")}`);
console.log(`exports: ${WebAssembly.Module.exports(module).map((e) => `${e.name} (${e.kind})`).join(", ")}`);

// The module should import nothing; stub whatever appears so that it still loads and the list is visible.
const importObject = {};
for (const imp of imports) {
  importObject[imp.module] ??= {};
  if (imp.kind === "function") {
    importObject[imp.module][imp.name] = () => {
      throw new Error(`unexpected call to import ${imp.module}.${imp.name}`);
    };
  }
}
const { exports: wasm } = new WebAssembly.Instance(module, importObject);

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Calls verify_grant_token_json with a request object; returns the answer text. */
function verify(request) {
  const bytes = encoder.encode(typeof request === "string" ? request : JSON.stringify(request));
  const ptr = wasm.alloc(bytes.length);
  new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
  const packed = wasm.verify_grant_token_json(ptr, bytes.length);
  wasm.dealloc(ptr, bytes.length);
  const outPtr = Number(packed >> 32n);
  const outLen = Number(packed & 0xffffffffn);
  const text = decoder.decode(new Uint8Array(wasm.memory.buffer, outPtr, outLen));
  wasm.dealloc(outPtr, outLen);
  return text;
}

const vectors = JSON.parse(readFileSync(vectorsPath, "utf8"));
const options = { now: 1767225660, issuer: "https://grantex.dev", audience: "https://api.targetservice.com" };
const request = { jwks: vectors.jwks, token: vectors.rootGrantToken, options };

const answerText = verify(request);
console.log(`answer: ${answerText}`);
const answer = JSON.parse(answerText);
let failed = false;
if (answer.ok !== true) {
  console.error("FAIL: the root grant token did not verify");
  failed = true;
}

// A flipped signature character must fail, so an always-ok module cannot pass.
const [h, p, s] = vectors.rootGrantToken.split(".");
const tampered = `${h}.${p}.${(s[0] === "A" ? "B" : "A") + s.slice(1)}`;
const badText = verify({ ...request, token: tampered });
const bad = JSON.parse(badText);
console.log(`tampered: ${badText}`);
if (bad.ok !== false) {
  console.error("FAIL: a tampered signature was accepted");
  failed = true;
}
const notUtf8 = JSON.parse(verify("{\"jwks\":\uFFFD"));
if (notUtf8.ok !== false) {
  console.error("FAIL: a malformed request was accepted");
  failed = true;
}
if (failed) process.exit(1);

// Rough speed (wall clock, and per CPU-second, steadier on a shared machine): each call parses the request JSON and the JWKS (RSA key) and verifies one RS256 token.
if (benchMs > 0) {
  const requestText = JSON.stringify(request);
  for (let i = 0; i < 20; i++) verify(requestText); // warm-up
  const memBefore = wasm.memory.buffer.byteLength;
  let n = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = start + BigInt(benchMs) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 10; i++) verify(requestText);
    n += 10;
    now = process.hrtime.bigint();
  }
  const secs = Number(now - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const memAfter = wasm.memory.buffer.byteLength;
  console.log(
    `speed: ${Math.round(n / secs)} verify/s wall, ${Math.round(n / cpuSecs)} per CPU-second ` +
      `(${n} calls in ${secs.toFixed(2)} s; each call parses the request and the JWKS; ` +
      `memory ${memBefore / 1024} KiB -> ${memAfter / 1024} KiB)`,
  );
}
console.log("ok");
