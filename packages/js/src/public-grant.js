// The public names of the grant-only ESM entries (`@grantex/core/grant` in browsers and edge runtimes): the
// grant-token verifier, issuer resolution, scope helpers, errors and the JWKS cache.
export {
  verifyGrantToken, createVerifier, Verifier, resolveIssuer, satisfies, narrows, describeScope, jwkThumbprint,
  decodeUnverified, backend, coreVersion, defaultJwksCache, createJwksCache,
} from './api.js';
export {
  GrantexError, GrantexTokenError, MalformedTokenError, TokenSignatureError, TokenClaimsError, TokenTimeError,
  TokenExpiredError, InsufficientScopeError, TokenRevokedError, StatusError, CredentialError, JwksError,
  InvalidOptionsError, InvalidScopeError, InvalidDidError, InvalidInputError, AuditChainError, InternalError,
  ERROR_CODES, errorClassFor,
} from './errors.js';
export { JwksCache, ttlFromCacheControl } from './jwks.js';
export const nativeInfo = Object.freeze({ backend: 'wasm', path: null, platform: null });
