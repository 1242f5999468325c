// The public API of @grantex/core over a "core" object: the wasm-bindgen module of bindings/wasm, or the
// napi addon of bindings/node when it is present (Node only). Both expose the same interface (see
// CORE_INTERFACE and README.md "Native addon"). Every rule lives in the Rust core; this layer converts
// values, maps errors to classes, and does the I/O (JWKS download and cache).

import { GrantexError, InvalidOptionsError, InvalidInputError, errorFromCode, fromCoreError } from './errors.js';
import { JwksCache } from './jwks.js';

/** Names every core must export for grant tokens (the grant-only wasm build has just these). */
export const GRANT_INTERFACE = Object.freeze([
  'Verifier', 'verifyGrantTokenJson', 'resolveIssuerJson', 'jwkThumbprintJson', 'decodeUnverifiedJson',
  'scopeSatisfies', 'scopeNarrows', 'scopeDescribe', 'coreVersion',
]);

/** Names a full core (the default wasm build, the native addon) exports on top of GRANT_INTERFACE. */
export const CREDENTIAL_INTERFACE = Object.freeze([
  'verifySdJwtJson', 'presentSdJwtJson', 'verifyCredentialJson', 'verifyCredentialUpstreamJson',
  'statusListGetJson', 'verifyAuditChainJson', 'didWebToUrlJson', 'didWebFromUrlJson', 'didKeyToJwkJson',
  'agentDidToIdJson', 'agentIdToDidJson', 'didDocumentKeyJson',
]);

/** Every name a full core exports; `Verifier` is a class. */
export const CORE_INTERFACE = Object.freeze([...GRANT_INTERFACE, ...CREDENTIAL_INTERFACE]);

/** Methods every core `Verifier` instance must have (`verifySdJwtJson` only in a full core). */
export const VERIFIER_INTERFACE = Object.freeze(['verify', 'verifyJson', 'keysJson']);

/** The names a full core needs that `candidate` lacks (empty: usable as a core). */
export function missingCoreExports(candidate, names = CORE_INTERFACE) {
  if (candidate === null || (typeof candidate !== 'object' && typeof candidate !== 'function')) {
    return [...names];
  }
  const missing = names.filter((name) => typeof candidate[name] !== 'function');
  if (typeof candidate.Verifier === 'function') {
    const proto = candidate.Verifier.prototype || {};
    const methods = names === CORE_INTERFACE ? [...VERIFIER_INTERFACE, 'verifySdJwtJson'] : VERIFIER_INTERFACE;
    for (const m of methods) if (typeof proto[m] !== 'function') missing.push(`Verifier.prototype.${m}`);
  }
  return missing;
}

let core = null;
let coreIsGrantOnly = false;
let backendName = 'none';
let emptyKeys = null;

/**
 * Installs the core (called once by each entry point before anything else runs); `grantOnly` for the
 * grant-only wasm build (`@grantex/core/grant`), whose credential functions are absent.
 */
export function setCore(c, name, grantOnly = false) {
  const missing = missingCoreExports(c, grantOnly ? GRANT_INTERFACE : CORE_INTERFACE);
  if (missing.length > 0) {
    throw new GrantexError(`the ${name} core lacks ${missing.join(', ')}`, 'INTERNAL');
  }
  // A bundle that imports both @grantex/core and @grantex/core/grant shares this module: keep the full core.
  if (core !== null && grantOnly && !coreIsGrantOnly) return;
  core = c;
  coreIsGrantOnly = grantOnly;
  backendName = name;
  emptyKeys = null;
}

function getCore() {
  if (core === null) throw new GrantexError('@grantex/core is not initialised', 'INTERNAL');
  return core;
}

/** The core, which must have the credential function `name` (absent from the grant-only build). */
function fullCore(name) {
  const c = getCore();
  if (typeof c[name] !== 'function') {
    throw new GrantexError(`${name} is not in the grant-only build (@grantex/core/grant): import @grantex/core`, 'INTERNAL');
  }
  return c;
}

/** Which core this process uses: "native" (napi addon) or "wasm". */
export function backend() {
  return backendName;
}

/** The version of the Rust core. */
export function coreVersion() {
  return getCore().coreVersion();
}

function unwrap(answerText) {
  const answer = JSON.parse(answerText);
  if (answer.ok === true) return answer.value;
  const error = answer.error || {};
  throw errorFromCode(error.code || 'INTERNAL', error.message || 'unknown error');
}

function jsonText(value, what) {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  throw new InvalidInputError(`${what} must be JSON text or an object`, 'INVALID_INPUT');
}

function jsonValue(value, what) {
  if (typeof value === 'string') {
    try {
      return JSON.parse(value);
    } catch (e) {
      throw new InvalidInputError(`${what} is not JSON: ${e.message}`, 'INVALID_INPUT');
    }
  }
  return value;
}

/** Unix seconds from `now` (number of seconds, Date, or undefined for the system clock). */
function unixNow(now) {
  if (now === undefined || now === null) return Math.floor(Date.now() / 1000);
  if (now instanceof Date) return Math.floor(now.getTime() / 1000);
  return now;
}

// Options of the JS layer that never reach the core.
const JS_ONLY = new Set(['jwks', 'cache', 'fetch', 'webCrypto']);

/** The core's JSON options from JS options: everything but the JS-only keys, `now` defaulted. */
function coreOptions(options) {
  const out = {};
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object') throw new InvalidOptionsError('options must be an object', 'INVALID_OPTIONS');
    for (const key of Object.keys(options)) {
      if (!JS_ONLY.has(key) && options[key] !== undefined) out[key] = options[key];
    }
  }
  out.now = unixNow(out.now);
  return out;
}

/**
 * A JWKS parsed once (keys handed to the crypto backend once); verifies grant tokens synchronously.
 * Build it with `createVerifier(jwks)` or `new Verifier(jwks)`.
 */
export class Verifier {
  constructor(jwks) {
    const c = getCore();
    const text = jsonText(jwks, 'jwks');
    try {
      this.inner = new c.Verifier(text);
    } catch (e) {
      throw fromCoreError(e);
    }
    this.jwksText = text;
    this.webCryptoKeys = null;
  }

  /** Verifies a grant token; returns the VerifiedGrant or throws a GrantexTokenError subclass. */
  verify(token, options) {
    return this.verifyText(token, JSON.stringify(coreOptions(options)));
  }

  verifyText(token, optionsText) {
    try {
      return this.inner.verify(token, optionsText);
    } catch (e) {
      throw fromCoreError(e);
    }
  }

  /**
   * As verify, asynchronously. On the wasm core, an RS256 signature is checked with WebCrypto when the runtime
   * has `crypto.subtle` (several times faster than RSA in wasm); everything else — parsing, `alg`, key
   * selection, claims, time, audience, scopes — stays in the core, which receives the signature verdict
   * (grant::begin/complete_external_signature_check), so verdicts and codes are the same as verify's.
   * `options.webCrypto: false` forces the pure core.
   */
  async verifyAsync(token, options) {
    return this.verifyAsyncText(token, JSON.stringify(coreOptions(options)), !(options && options.webCrypto === false));
  }

  /** verifyAsync with the core's JSON options text already built. */
  async verifyAsyncText(token, text, webCrypto) {
    const inner = this.inner;
    const subtle = webCrypto && backendName === 'wasm' && globalThis.crypto ? globalThis.crypto.subtle : undefined;
    if (!subtle || typeof inner.beginExternalCheck !== 'function' || typeof inner.completeBegun !== 'function') {
      return this.verifyText(token, text);
    }
    if (typeof token !== 'string') return this.verifyText(token, text);
    let packed;
    try {
      packed = inner.beginExternalCheck(utf8(token), text);
    } catch (e) {
      throw fromCoreError(e);
    }
    // [1]: not RS256. [0, id (u32 LE), t, thumbprint(t), s (u32 LE), signingInput(s), signature] (bindings/wasm).
    if (packed[0] !== 0) return this.verifyText(token, text);
    const id = (packed[1] | (packed[2] << 8) | (packed[3] << 16) | (packed[4] << 24)) >>> 0;
    const t = packed[5];
    const thumbprint = String.fromCharCode.apply(null, packed.subarray(6, 6 + t));
    const s = (packed[6 + t] | (packed[7 + t] << 8) | (packed[8 + t] << 16) | (packed[9 + t] << 24)) >>> 0;
    const signingInput = packed.subarray(10 + t, 10 + t + s);
    const signature = packed.subarray(10 + t + s);
    let key = this.webCryptoKeys === null ? undefined : this.webCryptoKeys.get(thumbprint);
    if (key === undefined) key = await this.importWebCryptoKey(subtle, thumbprint);
    if (key === null) return this.verifyText(token, text);
    let verdict;
    try {
      verdict = subtle.verify(RSA_PKCS1_VERIFY, key, signature, signingInput);
    } catch {
      verdict = Promise.resolve(false);
    }
    // The later checks (token kind, claims, issuer, time, audience, scopes) run in the core as if the
    // signature were valid; that answer is used only when WebCrypto says it is, otherwise the core is asked
    // with the negative verdict (INVALID_SIGNATURE, exactly as the synchronous path). When no other signature
    // is in flight they run while WebCrypto works (latency); when others are, after this verdict, so that this
    // thread keeps dispatching signatures and the crypto threads stay busy (throughput).
    const alone = signaturesInFlight === 0;
    signaturesInFlight++;
    let value;
    let error;
    const completeValid = () => {
      try {
        value = inner.completeBegun(id, true);
        if (value === undefined) value = inner.completeExternalCheck(token, text, true);
      } catch (e) {
        error = e;
      }
    };
    if (alone) completeValid();
    let valid;
    try {
      valid = (await verdict) === true;
    } catch {
      valid = false;
    } finally {
      signaturesInFlight--;
    }
    if (!valid) {
      try {
        const answer = alone ? undefined : inner.completeBegun(id, false);
        return answer === undefined ? inner.completeExternalCheck(token, text, false) : answer;
      } catch (e) {
        throw fromCoreError(e);
      }
    }
    if (!alone) completeValid();
    if (error !== undefined) throw fromCoreError(error);
    return value;
  }

  /**
   * Imports the RSA JWK with this RFC 7638 thumbprint into WebCrypto once; resolves the CryptoKey, or null
   * when it is not importable (the caller then verifies in the core). Resolved keys are kept in
   * `webCryptoKeys` for a synchronous lookup on later calls.
   */
  importWebCryptoKey(subtle, thumbprint) {
    if (this.webCryptoKeys === null) {
      this.webCryptoKeys = new Map();
      this.webCryptoImports = new Map();
      this.jwkByThumbprint = new Map();
      const doc = JSON.parse(this.jwksText);
      for (const jwk of Array.isArray(doc.keys) ? doc.keys : []) {
        if (!jwk || jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') continue;
        const answer = JSON.parse(getCore().jwkThumbprintJson(JSON.stringify(jwk)));
        if (answer.ok) this.jwkByThumbprint.set(answer.value, jwk);
      }
    }
    let pending = this.webCryptoImports.get(thumbprint);
    if (pending === undefined) {
      const jwk = this.jwkByThumbprint.get(thumbprint);
      pending = (jwk === undefined
        ? Promise.resolve(null)
        : subtle.importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e, ext: true }, RSA_PKCS1, false, ['verify'])
          .catch(() => null))
        .then((key) => {
          this.webCryptoKeys.set(thumbprint, key);
          return key;
        });
      this.webCryptoImports.set(thumbprint, pending);
    }
    return pending;
  }

  /** Verifies an SD-JWT presentation issued by one of these keys; returns the verified presentation. */
  verifySdJwt(presentation, options) {
    if (typeof this.inner.verifySdJwtJson !== 'function') fullCore('verifySdJwtJson');
    return unwrap(this.inner.verifySdJwtJson(presentation, JSON.stringify(coreOptions(options))));
  }

  /** `{kid, thumbprint, alg, unusable}` of every key, in document order. */
  keys() {
    return JSON.parse(this.inner.keysJson());
  }

  /** Releases the core object now (optional: the garbage collector does it otherwise). */
  free() {
    if (this.inner && typeof this.inner.free === 'function') this.inner.free();
    this.inner = null;
  }
}

// importKey needs the hash; verify takes the bare algorithm (WebCrypto ignores other members there).
const RSA_PKCS1 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
const RSA_PKCS1_VERIFY = { name: 'RSASSA-PKCS1-v1_5' };
let utf8Scratch = new Uint8Array(4096);

/** The UTF-8 bytes of `text` in a reused buffer (valid until the next call; the core copies them). */
function utf8(text) {
  if (text.length > 65536) return textEncoder.encode(text); // not kept: the scratch stays small
  if (utf8Scratch.length < text.length * 3) utf8Scratch = new Uint8Array(text.length * 3);
  return utf8Scratch.subarray(0, textEncoder.encodeInto(text, utf8Scratch).written);
}

/** WebCrypto signature checks started by verifyAsync and not yet answered (all verifiers of this module). */
let signaturesInFlight = 0;
const textEncoder = new TextEncoder();

/** Parses a JWKS (object or JSON text) once for synchronous verification on hot paths. */
export function createVerifier(jwks) {
  return new Verifier(jwks);
}

const verifierOfJwksObject = new WeakMap();

function verifierForJwks(jwks) {
  if (jwks instanceof Verifier) return jwks;
  if (jwks !== null && typeof jwks === 'object') {
    let v = verifierOfJwksObject.get(jwks);
    if (!v) {
      v = new Verifier(jwks);
      verifierOfJwksObject.set(jwks, v);
    }
    return v;
  }
  return new Verifier(jwks);
}

/** The cache `verifyGrantToken` uses unless given `cache`. */
export const defaultJwksCache = new JwksCache({ makeVerifier: (text) => new Verifier(text) });

/** A new JWKS cache (own TTL bounds, cooldown, fetch). */
export function createJwksCache(options = {}) {
  return new JwksCache({ ...options, makeVerifier: (text) => new Verifier(text) });
}

/** PROTOCOL.md §4.2: the JWKS URL and the expected issuer from `{jwksUri, issuer, issuerDid}`. */
export function resolveIssuer({ jwksUri, issuer, issuerDid } = {}) {
  return unwrap(getCore().resolveIssuerJson(jwksUri ?? undefined, issuer ?? undefined, issuerDid ?? undefined));
}

/**
 * The checks that do not need the key set (options, size, structure, `alg`, `crit`): verification against an
 * empty key set stops at key selection (UNKNOWN_KEY) unless an earlier check fails, and that earlier failure
 * is the core's verdict whatever the keys. Lets verifyGrantToken fail before downloading anything.
 */
function preflight(token, text) {
  const c = getCore();
  if (emptyKeys === null) emptyKeys = new c.Verifier('{"keys":[]}');
  const answer = JSON.parse(emptyKeys.verifyJson(token, text));
  if (answer.ok === false && answer.error.code !== 'UNKNOWN_KEY') {
    throw errorFromCode(answer.error.code, answer.error.message);
  }
}

/**
 * Verifies a grant token, fetching and caching the issuer's JWKS (PROTOCOL.md §4.2), or with `jwks` given.
 * Resolves the VerifiedGrant; rejects with a GrantexTokenError subclass (InvalidOptionsError for options).
 */
export function verifyGrantToken(token, options = {}) {
  // Not an async function: with `jwks` given, the promise is verifyAsyncText's own (one promise less per call).
  try {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionsError('options must be an object', 'INVALID_OPTIONS');
    }
    if (options.jwks !== undefined) {
      const text = JSON.stringify(coreOptions(options));
      return verifierForJwks(options.jwks).verifyAsyncText(token, text, options.webCrypto !== false);
    }
  } catch (e) {
    return Promise.reject(e);
  }
  return verifyGrantTokenFromIssuer(token, options);
}

/** verifyGrantToken without `jwks`: the key set comes from the JWKS cache (downloaded when needed). */
async function verifyGrantTokenFromIssuer(token, options) {
  const opts = coreOptions(options);
  const webCrypto = options.webCrypto !== false;
  const { jwksUri, issuerDid, issuer } = opts;
  if (jwksUri === undefined && issuerDid === undefined && issuer === undefined) {
    throw new InvalidOptionsError('give jwksUri, issuerDid, issuer or jwks', 'INVALID_OPTIONS');
  }
  const resolved = resolveIssuer({ jwksUri, issuer, issuerDid });
  delete opts.jwksUri;
  delete opts.issuerDid;
  if (opts.anyIssuer !== true) opts.issuer = resolved.issuer;
  const text = JSON.stringify(opts);
  preflight(token, text);

  const cache = options.cache ?? defaultJwksCache;
  const verifier = await cache.get(resolved.jwksUri);
  try {
    return await verifier.verifyAsyncText(token, text, webCrypto);
  } catch (e) {
    if (e.code !== 'UNKNOWN_KEY') throw e;
    const fresh = await cache.refreshForUnknownKey(resolved.jwksUri);
    if (fresh === null) throw e;
    return fresh.verifyAsyncText(token, text, webCrypto);
  }
}

/** Verifies an SD-JWT presentation: `options` = `{ jwks, issuer | anyIssuer, keyBinding?, … , now? }`. */
export function verifySdJwt(presentation, options = {}) {
  const jwks = jsonValue(options.jwks, 'jwks');
  const request = { jwks, presentation, options: coreOptions(options) };
  return unwrap(fullCore('verifySdJwtJson').verifySdJwtJson(JSON.stringify(request)));
}

/** Builds a holder presentation disclosing `disclose` (claim paths, dotted or as segment arrays). */
export function presentSdJwt(sdJwt, disclose) {
  return unwrap(fullCore('presentSdJwtJson').presentSdJwtJson(JSON.stringify({ sdJwt, disclose })));
}

function credentialRequest(credential, options) {
  const { statusLists, ...rest } = options;
  const request = { jwks: jsonValue(options.jwks, 'jwks'), credential, options: coreOptions(rest) };
  if (statusLists !== undefined) request.statusLists = statusLists;
  return JSON.stringify(request);
}

/** Verifies a VC-JWT: `options` = `{ jwks, trustedIssuers, statusLists?, … , now? }`. */
export function verifyCredential(credential, options = {}) {
  return unwrap(fullCore('verifyCredentialJson').verifyCredentialJson(credentialRequest(credential, options)));
}

/** As verifyCredential, answering in upstream's `POST /v1/credentials/verify` shape; never throws on a bad credential. */
export function verifyCredentialUpstream(credential, options = {}) {
  return JSON.parse(fullCore('verifyCredentialUpstreamJson').verifyCredentialUpstreamJson(credentialRequest(credential, options)));
}

/** The status of entry `index` of a status list (W3C encodedList string or object, or IETF `{bits, lst}`). */
export function statusListGet(list, index) {
  return unwrap(fullCore('statusListGetJson').statusListGetJson(JSON.stringify({ list, index }))).status;
}

/** True when the granted scope covers the required one (PROTOCOL.md §5.2, constraint-aware). */
export function satisfies(granted, required) {
  return getCore().scopeSatisfies(granted, required);
}

/** True when `child` is at least as narrow as `parent` (delegation). */
export function narrows(child, parent) {
  return getCore().scopeNarrows(child, parent);
}

/** Plain-text description of a scope (consent screens; escape it for HTML). */
export function describeScope(scope) {
  return getCore().scopeDescribe(scope);
}

/**
 * Verifies an audit-log hash chain (PROTOCOL.md §8): `entries` as an array of entries or its JSON text.
 * Resolves the report `{valid, checkedEntries, firstBrokenAt, firstBrokenIndex, reason}`; a broken chain is a
 * report with `valid: false`, malformed entries throw InvalidInputError.
 */
export function verifyChain(entries) {
  return unwrap(fullCore('verifyAuditChainJson').verifyAuditChainJson(jsonText(entries, 'entries')));
}

/** RFC 7638 thumbprint of a JWK (object or JSON text). */
export function jwkThumbprint(jwk) {
  return unwrap(getCore().jwkThumbprintJson(jsonText(jwk, 'jwk')));
}

/** Header and payload of a token WITHOUT verifying anything (`verified: false`). */
export function decodeUnverified(token) {
  return unwrap(getCore().decodeUnverifiedJson(token));
}

function didString(value, what) {
  if (typeof value !== 'string') throw new InvalidInputError(`${what} must be a string`, 'INVALID_INPUT');
  return value;
}

/** The URL of a `did:web` DID's document (`did:web:example.com%3A8443:a` → `https://example.com:8443/a/did.json`). */
export function didWebToUrl(did) {
  return unwrap(fullCore('didWebToUrlJson').didWebToUrlJson(didString(did, 'did')));
}

/** The `did:web` DID of a base URL (`https://example.com:8443/a` → `did:web:example.com%3A8443:a`). */
export function didWebFromUrl(url) {
  return unwrap(fullCore('didWebFromUrlJson').didWebFromUrlJson(didString(url, 'url')));
}

/** The public JWK of a `did:key` (Ed25519 or P-256), resolved offline. */
export function didKeyToJwk(did) {
  return unwrap(fullCore('didKeyToJwkJson').didKeyToJwkJson(didString(did, 'did')));
}

/** The agent id of an agent DID (`did:grantex:ag_<ULID>` → `ag_<ULID>`). */
export function agentDidToId(did) {
  return unwrap(fullCore('agentDidToIdJson').agentDidToIdJson(didString(did, 'did')));
}

/** The agent DID of an agent id (`ag_<ULID>` → `did:grantex:ag_<ULID>`). */
export function agentIdToDid(agentId) {
  return unwrap(fullCore('agentIdToDidJson').agentIdToDidJson(didString(agentId, 'agentId')));
}

/**
 * The public JWK of `reference` (DID URL, `#fragment` or bare key id) in the DID document resolved for `did`,
 * for the verification relationship `purpose` (`assertionMethod`, `authentication`, …; absent: any).
 * `document` is the document object or its exact JSON text (the text keeps duplicate-member detection).
 */
export function didDocumentKey({ did, document, reference, purpose } = {}) {
  const request = { did, document, reference };
  if (purpose !== undefined && purpose !== null) request.purpose = purpose;
  return unwrap(fullCore('didDocumentKeyJson').didDocumentKeyJson(JSON.stringify(request)));
}

/** The core's JSON call/answer functions, verbatim: JSON text in, `{"ok":…}` JSON text out. */
export const json = Object.freeze({
  verifyGrantToken: (request) => getCore().verifyGrantTokenJson(request),
  verifySdJwt: (request) => fullCore('verifySdJwtJson').verifySdJwtJson(request),
  presentSdJwt: (request) => fullCore('presentSdJwtJson').presentSdJwtJson(request),
  verifyCredential: (request) => fullCore('verifyCredentialJson').verifyCredentialJson(request),
  verifyCredentialUpstream: (request) => fullCore('verifyCredentialUpstreamJson').verifyCredentialUpstreamJson(request),
  statusListGet: (request) => fullCore('statusListGetJson').statusListGetJson(request),
  verifyAuditChain: (entries) => fullCore('verifyAuditChainJson').verifyAuditChainJson(entries),
  jwkThumbprint: (jwk) => getCore().jwkThumbprintJson(jwk),
  decodeUnverified: (token) => getCore().decodeUnverifiedJson(token),
  resolveIssuer: (jwksUri, issuer, issuerDid) => getCore().resolveIssuerJson(jwksUri, issuer, issuerDid),
  didWebToUrl: (did) => fullCore('didWebToUrlJson').didWebToUrlJson(did),
  didWebFromUrl: (url) => fullCore('didWebFromUrlJson').didWebFromUrlJson(url),
  didKeyToJwk: (did) => fullCore('didKeyToJwkJson').didKeyToJwkJson(did),
  agentDidToId: (did) => fullCore('agentDidToIdJson').agentDidToIdJson(did),
  agentIdToDid: (agentId) => fullCore('agentIdToDidJson').agentIdToDidJson(agentId),
  didDocumentKey: (request) => fullCore('didDocumentKeyJson').didDocumentKeyJson(request),
});
