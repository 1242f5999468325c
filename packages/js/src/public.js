// The public names of the ESM entries (browser, workerd, edge-light); the Node entry lists the same names.
export {
  verifyGrantToken, createVerifier, Verifier, resolveIssuer, verifySdJwt, presentSdJwt, verifyCredential,
  verifyCredentialUpstream, statusListGet, satisfies, narrows, describeScope, verifyChain, jwkThumbprint,
  decodeUnverified, json, backend, coreVersion, defaultJwksCache, createJwksCache, didWebToUrl, didWebFromUrl,
  didKeyToJwk, agentDidToId, agentIdToDid, didDocumentKey,
} from './api.js';
export {
  GrantexError, GrantexTokenError, MalformedTokenError, TokenSignatureError, TokenClaimsError, TokenTimeError,
  TokenExpiredError, InsufficientScopeError, TokenRevokedError, StatusError, CredentialError, JwksError,
  InvalidOptionsError, InvalidScopeError, InvalidDidError, InvalidInputError, AuditChainError, InternalError,
  ERROR_CODES, errorClassFor,
} from './errors.js';
export { JwksCache, ttlFromCacheControl } from './jwks.js';
export const nativeInfo = Object.freeze({ backend: 'wasm', path: null, platform: null });
