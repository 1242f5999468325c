// Types of @grantex/core (checked by `tsc --noEmit`; the same file serves import and require).

/** A verified grant token (PROTOCOL.md §4.3). */
export interface VerifiedGrant {
  tokenId: string;
  grantId: string;
  principalId: string;
  agentDid: string;
  developerId: string;
  scopes: string[];
  /** `iat`, Unix seconds. */
  issuedAt: number;
  /** `exp`, Unix seconds. */
  expiresAt: number;
  parentAgentDid?: string;
  parentGrantId?: string;
  delegationDepth?: number;
  /** `aud` as a list. */
  audience?: string[];
  issuer: string;
  budgetRemaining?: number;
  /** `status.status_list` reference (revocation bit), reported only. */
  status?: { uri: string; idx: number };
}

/** Grant-token options understood by the core (unknown keys are rejected with INVALID_OPTIONS). */
export interface GrantTokenOptions {
  /** Current time: Unix seconds or a Date (default: the system clock). */
  now?: number | Date;
  /** Expected `iss`. */
  issuer?: string;
  /** Accept any issuer (explicit opt-out). */
  anyIssuer?: boolean;
  /** JWKS URL (also derives the issuer, PROTOCOL.md §4.2). */
  jwksUri?: string;
  /** `did:web:…` issuer DID (derives issuer and JWKS URL). */
  issuerDid?: string;
  /** Expected audience(s); without it a token carrying `aud` is rejected unless `anyAudience`. */
  audience?: string | string[];
  /** Do not check `aud` (the upstream SDKs' behaviour). */
  anyAudience?: boolean;
  /** Scopes that must all be granted (exact match). */
  requiredScopes?: string[];
  /** Clock skew tolerance in seconds. */
  clockTolerance?: number;
  maxDelegationDepth?: number;
  /** Accepted algorithms (default `["RS256"]`). */
  algorithms?: string[];
  maxTokenBytes?: number;
}

/** A JWKS document. */
export interface Jwks {
  keys: Array<Record<string, unknown>>;
}

export interface VerifyGrantTokenOptions extends GrantTokenOptions {
  /** Check RS256 signatures with WebCrypto when the runtime has it (default true; wasm core only). */
  webCrypto?: boolean;
  /** Verify with this key set instead of downloading one (object, JSON text or a Verifier). */
  jwks?: Jwks | string | Verifier;
  /** JWKS cache to use (default: `defaultJwksCache`). */
  cache?: JwksCache;
}

export interface KeySummary {
  kid: string | null;
  thumbprint: string | null;
  alg: string | null;
  unusable: string | null;
}

export interface SdJwtOptions {
  now?: number | Date;
  issuer?: string;
  anyIssuer?: boolean;
  clockTolerance?: number;
  leeway?: number;
  algorithms?: string[];
  types?: string[];
  requireExp?: boolean;
  /** Require key binding with this nonce and audience. */
  keyBinding?: { nonce: string; audience: string };
  kbAlgorithms?: string[];
  kbMaxAge?: number;
  maxPresentationBytes?: number;
  maxDisclosures?: number;
}

export interface VerifiedSdJwt {
  header: { alg: string; kid: string | null; typ: string | null };
  claims: Record<string, unknown>;
  disclosedClaims?: Record<string, unknown>;
  hashAlg: string;
  keyBound: boolean;
  keyBinding?: { nonce: string; audience: string; issuedAt: number };
}

/** A status list: W3C `encodedList` (string or object) or IETF `{bits, lst}`. */
export type StatusList = string | { encodedList: string; statusSize?: number } | { bits: number; lst: string };

export interface CredentialOptions {
  now?: number | Date;
  trustedIssuers: string[];
  expectedTypes?: string[];
  algorithms?: string[];
  clockTolerance?: number;
  leeway?: number;
  statusRequired?: boolean;
  statusUrlPrefix?: string;
  requireExpiry?: boolean;
}

export interface VerifiedCredential {
  id?: string | null;
  issuer: string;
  subjectId?: string | null;
  subject: Record<string, unknown>;
  types: string[];
  credentialType: string;
  dataModel: string;
  issuedAt?: number | null;
  expiresAt?: number | null;
  statusEntries: Array<Record<string, unknown>>;
  payload: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ChainReport {
  valid: boolean;
  checkedEntries: number;
  firstBrokenAt: string | null;
  firstBrokenIndex: number | null;
  reason: string | null;
}

/** A JWKS parsed once; synchronous verification for hot paths. */
export declare class Verifier {
  constructor(jwks: Jwks | string);
  /** Throws a GrantexTokenError subclass (InvalidOptionsError for bad options). */
  verify(token: string, options?: GrantTokenOptions): VerifiedGrant;
  /** As verify; on the wasm core the RS256 signature is checked with WebCrypto when available. */
  verifyAsync(token: string, options?: GrantTokenOptions & { webCrypto?: boolean }): Promise<VerifiedGrant>;
  verifySdJwt(presentation: string, options?: SdJwtOptions): VerifiedSdJwt;
  keys(): KeySummary[];
  free(): void;
}

export interface JwksCacheOptions {
  /** Lower bound of the cache lifetime in seconds (default 30). */
  minTtl?: number;
  /** Upper bound, and the lifetime without Cache-Control (default 600). */
  maxTtl?: number;
  /** Least time between two refetches caused by unknown `kid`s, seconds (default 30). */
  refetchCooldown?: number;
  /** Download timeout in ms (default 10000). */
  timeoutMs?: number;
  /** fetch() to use (default: globalThis.fetch). Only `status`, `text()` and `headers.get()` are used. */
  fetch?: (url: string, init?: object) => Promise<FetchLikeResponse>;
  /** Milliseconds clock (tests). */
  clock?: () => number;
}

export interface FetchLikeResponse {
  status: number;
  text(): Promise<string>;
  headers: { get(name: string): string | null };
}

export declare class JwksCache {
  constructor(options?: JwksCacheOptions & { makeVerifier: (jwksText: string) => Verifier });
  readonly fetchCount: number;
  get(url: string): Promise<Verifier>;
  refresh(url: string): Promise<Verifier>;
  refreshForUnknownKey(url: string): Promise<Verifier | null>;
  clear(): void;
}

export declare function verifyGrantToken(token: string, options: VerifyGrantTokenOptions): Promise<VerifiedGrant>;
export declare function createVerifier(jwks: Jwks | string): Verifier;
export declare function resolveIssuer(inputs: { jwksUri?: string; issuer?: string; issuerDid?: string }): {
  jwksUri: string;
  issuer: string;
};
export declare function verifySdJwt(presentation: string, options: SdJwtOptions & { jwks: Jwks | string }): VerifiedSdJwt;
export declare function presentSdJwt(sdJwt: string, disclose: Array<string | string[]>): string;
export declare function verifyCredential(
  credential: string,
  options: CredentialOptions & { jwks: Jwks | string; statusLists?: Record<string, StatusList> },
): VerifiedCredential;
export declare function verifyCredentialUpstream(
  credential: string,
  options: CredentialOptions & { jwks: Jwks | string; statusLists?: Record<string, StatusList> },
): { valid: boolean; [key: string]: unknown };
export declare function statusListGet(list: StatusList, index: number): number;
export declare function satisfies(granted: string, required: string): boolean;
export declare function narrows(child: string, parent: string): boolean;
export declare function describeScope(scope: string): string;
export declare function verifyChain(entries: unknown[] | string): ChainReport;
export declare function jwkThumbprint(jwk: Record<string, unknown> | string): string;
export declare function decodeUnverified(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  verified: false;
};
/** A public JWK as the DID functions return it (`kty`, `crv`/`x`/`y` or `n`/`e`, plus `kid`/`alg` when set). */
export interface PublicJwk {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  kid?: string;
  alg?: string;
}
/** Verification relationships of a DID document that sign (PROTOCOL.md §1.5; another name: INVALID_INPUT). */
export type DidPurpose =
  | 'authentication' | 'assertionMethod' | 'capabilityInvocation' | 'capabilityDelegation' | (string & {});
/** The URL of a `did:web` DID's document; throws InvalidDidError. */
export declare function didWebToUrl(did: string): string;
/** The `did:web` DID of a base URL; throws InvalidDidError. */
export declare function didWebFromUrl(url: string): string;
/** The public JWK of a `did:key` (Ed25519 or P-256); throws InvalidDidError. */
export declare function didKeyToJwk(did: string): PublicJwk;
/** `did:grantex:ag_<ULID>` → `ag_<ULID>`; throws InvalidDidError. */
export declare function agentDidToId(did: string): string;
/** `ag_<ULID>` → `did:grantex:ag_<ULID>`; throws InvalidDidError. */
export declare function agentIdToDid(agentId: string): string;
/**
 * The public JWK of `reference` (DID URL, `#fragment` or bare key id) in the DID document resolved for `did`,
 * for `purpose` (absent: any relationship). `document`: the document object or its exact JSON text. Throws
 * InvalidDidError, or InvalidInputError for a malformed request or an unknown purpose.
 */
export declare function didDocumentKey(request: {
  did: string;
  document: Record<string, unknown> | string;
  reference: string;
  purpose?: DidPurpose;
}): PublicJwk;
export declare function backend(): 'native' | 'wasm';
export declare function coreVersion(): string;
export declare const defaultJwksCache: JwksCache;
export declare function createJwksCache(options?: JwksCacheOptions): JwksCache;
export declare function ttlFromCacheControl(header: string | null | undefined, minTtl: number, maxTtl: number): number;
export declare const nativeInfo: {
  readonly backend: 'native' | 'wasm';
  /** The addon or wasm glue loaded (null in browsers and edge runtimes). */
  readonly path: string | null;
  readonly platform: string | null;
  /** Node: why each addon candidate before the one used was skipped. */
  readonly tried?: readonly string[];
};

/** The core's JSON call/answer functions: JSON text in, `{"ok":true,"value":…}` / `{"ok":false,"error":…}` text out. */
export declare const json: {
  verifyGrantToken(request: string): string;
  verifySdJwt(request: string): string;
  presentSdJwt(request: string): string;
  verifyCredential(request: string): string;
  verifyCredentialUpstream(request: string): string;
  statusListGet(request: string): string;
  verifyAuditChain(entries: string): string;
  jwkThumbprint(jwk: string): string;
  decodeUnverified(token: string): string;
  resolveIssuer(jwksUri?: string, issuer?: string, issuerDid?: string): string;
  didWebToUrl(did: string): string;
  didWebFromUrl(url: string): string;
  didKeyToJwk(did: string): string;
  agentDidToId(did: string): string;
  agentIdToDid(agentId: string): string;
  didDocumentKey(request: string): string;
};

export type ErrorCode =
  | 'MALFORMED_TOKEN' | 'TOKEN_TOO_LARGE' | 'UNSUPPORTED_ALGORITHM' | 'UNKNOWN_KEY' | 'INVALID_KEY'
  | 'INVALID_SIGNATURE' | 'UNSUPPORTED_CRITICAL_HEADER' | 'WRONG_TOKEN_TYPE' | 'MISSING_CLAIM' | 'INVALID_CLAIM'
  | 'EXPIRED' | 'NOT_YET_VALID' | 'ISSUED_IN_FUTURE' | 'INVALID_ISSUER' | 'INVALID_AUDIENCE'
  | 'INSUFFICIENT_SCOPE' | 'DELEGATION_DEPTH_EXCEEDED' | 'REVOKED' | 'INVALID_JWKS' | 'INVALID_OPTIONS'
  | 'INVALID_SCOPE' | 'INVALID_DISCLOSURE' | 'DUPLICATE_DISCLOSURE' | 'KEY_BINDING_REQUIRED'
  | 'INVALID_KEY_BINDING' | 'INVALID_CREDENTIAL' | 'UNTRUSTED_ISSUER' | 'STATUS_UNAVAILABLE'
  | 'INVALID_STATUS_LIST' | 'INVALID_DID' | 'BROKEN_CHAIN' | 'INVALID_INPUT' | 'INTERNAL' | 'JWKS_UNAVAILABLE';

export declare const ERROR_CODES: readonly ErrorCode[];

export declare class GrantexError extends Error {
  constructor(message: string, code?: string);
  /** Stable code (compare on this); a newer core may add codes. */
  readonly code: ErrorCode | (string & {});
}
/** Every failure to verify a token, credential or presentation (upstream-compatible `instanceof`). */
export declare class GrantexTokenError extends GrantexError {}
export declare class MalformedTokenError extends GrantexTokenError {}
export declare class TokenSignatureError extends GrantexTokenError {}
export declare class TokenClaimsError extends GrantexTokenError {}
export declare class TokenTimeError extends GrantexTokenError {}
export declare class TokenExpiredError extends TokenTimeError {}
export declare class InsufficientScopeError extends GrantexTokenError {}
export declare class TokenRevokedError extends GrantexTokenError {}
export declare class StatusError extends GrantexTokenError {}
export declare class CredentialError extends GrantexTokenError {}
export declare class JwksError extends GrantexTokenError {}
export declare class InvalidOptionsError extends GrantexError {}
export declare class InvalidScopeError extends GrantexError {}
export declare class InvalidDidError extends GrantexError {}
export declare class InvalidInputError extends GrantexError {}
export declare class AuditChainError extends GrantexError {}
export declare class InternalError extends GrantexError {}
export declare function errorClassFor(code: string): typeof GrantexError;
