// Types of @grantex/core/grant: the grant-only build (grant tokens, issuer resolution, scopes, errors, JWKS
// cache) for size-sensitive browser and edge bundles. On Node it is the full package.
export {
  verifyGrantToken, createVerifier, Verifier, resolveIssuer, satisfies, narrows, describeScope, jwkThumbprint,
  decodeUnverified, backend, coreVersion, defaultJwksCache, createJwksCache, JwksCache, ttlFromCacheControl,
  nativeInfo, GrantexError, GrantexTokenError, MalformedTokenError, TokenSignatureError, TokenClaimsError,
  TokenTimeError, TokenExpiredError, InsufficientScopeError, TokenRevokedError, StatusError, CredentialError,
  JwksError, InvalidOptionsError, InvalidScopeError, InvalidDidError, InvalidInputError, AuditChainError,
  InternalError, ERROR_CODES, errorClassFor,
} from './index.js';
export type {
  VerifiedGrant, GrantTokenOptions, VerifyGrantTokenOptions, Jwks, KeySummary, JwksCacheOptions, FetchLikeResponse,
  ErrorCode,
} from './index.js';
