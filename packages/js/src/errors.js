// Error classes of @grantex/core: one class per family of the core's stable error codes (the same
// hierarchy as the Python package). Every error has `code` (stable, compare on it) and `message`
// (informative). Every failure to verify a token, credential or presentation — signature, claims, time,
// scopes, key set, JWKS download — is a GrantexTokenError, so code written against the upstream `grantex`
// SDK (`err instanceof GrantexTokenError`) keeps working after changing the import.

export class GrantexError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code === undefined ? 'INTERNAL' : code;
  }
}
Object.defineProperty(GrantexError.prototype, 'name', { value: 'GrantexError', writable: true, configurable: true });

export class GrantexTokenError extends GrantexError {}
export class MalformedTokenError extends GrantexTokenError {}
export class TokenSignatureError extends GrantexTokenError {}
export class TokenClaimsError extends GrantexTokenError {}
export class TokenTimeError extends GrantexTokenError {}
export class TokenExpiredError extends TokenTimeError {}
export class InsufficientScopeError extends GrantexTokenError {}
export class TokenRevokedError extends GrantexTokenError {}
export class StatusError extends GrantexTokenError {}
export class CredentialError extends GrantexTokenError {}
export class JwksError extends GrantexTokenError {}
export class InvalidOptionsError extends GrantexError {}
export class InvalidScopeError extends GrantexError {}
export class InvalidDidError extends GrantexError {}
export class InvalidInputError extends GrantexError {}
export class AuditChainError extends GrantexError {}
export class InternalError extends GrantexError {}

const CLASSES = [
  MalformedTokenError, TokenSignatureError, TokenClaimsError, TokenTimeError, TokenExpiredError,
  InsufficientScopeError, TokenRevokedError, StatusError, CredentialError, JwksError, InvalidOptionsError,
  InvalidScopeError, InvalidDidError, InvalidInputError, AuditChainError, InternalError, GrantexTokenError,
];
const CLASS_NAMES = [
  'MalformedTokenError', 'TokenSignatureError', 'TokenClaimsError', 'TokenTimeError', 'TokenExpiredError',
  'InsufficientScopeError', 'TokenRevokedError', 'StatusError', 'CredentialError', 'JwksError',
  'InvalidOptionsError', 'InvalidScopeError', 'InvalidDidError', 'InvalidInputError', 'AuditChainError',
  'InternalError', 'GrantexTokenError',
];
for (let i = 0; i < CLASSES.length; i++) {
  Object.defineProperty(CLASSES[i].prototype, 'name', { value: CLASS_NAMES[i], writable: true, configurable: true });
}

/** Every code of the core's table (core/src/error.rs), in table order. */
export const ERROR_CODES = Object.freeze([
  'MALFORMED_TOKEN', 'TOKEN_TOO_LARGE', 'UNSUPPORTED_ALGORITHM', 'UNKNOWN_KEY', 'INVALID_KEY',
  'INVALID_SIGNATURE', 'UNSUPPORTED_CRITICAL_HEADER', 'WRONG_TOKEN_TYPE', 'MISSING_CLAIM', 'INVALID_CLAIM',
  'EXPIRED', 'NOT_YET_VALID', 'ISSUED_IN_FUTURE', 'INVALID_ISSUER', 'INVALID_AUDIENCE', 'INSUFFICIENT_SCOPE',
  'DELEGATION_DEPTH_EXCEEDED', 'REVOKED', 'INVALID_JWKS', 'INVALID_OPTIONS', 'INVALID_SCOPE',
  'INVALID_DISCLOSURE', 'DUPLICATE_DISCLOSURE', 'KEY_BINDING_REQUIRED', 'INVALID_KEY_BINDING',
  'INVALID_CREDENTIAL', 'UNTRUSTED_ISSUER', 'STATUS_UNAVAILABLE', 'INVALID_STATUS_LIST', 'INVALID_DID',
  'BROKEN_CHAIN', 'INVALID_INPUT', 'INTERNAL', 'JWKS_UNAVAILABLE',
]);

const CLASS_OF_CODE = {
  MALFORMED_TOKEN: MalformedTokenError,
  TOKEN_TOO_LARGE: MalformedTokenError,
  UNSUPPORTED_CRITICAL_HEADER: MalformedTokenError,
  WRONG_TOKEN_TYPE: MalformedTokenError,
  UNSUPPORTED_ALGORITHM: TokenSignatureError,
  UNKNOWN_KEY: TokenSignatureError,
  INVALID_KEY: TokenSignatureError,
  INVALID_SIGNATURE: TokenSignatureError,
  MISSING_CLAIM: TokenClaimsError,
  INVALID_CLAIM: TokenClaimsError,
  INVALID_ISSUER: TokenClaimsError,
  INVALID_AUDIENCE: TokenClaimsError,
  NOT_YET_VALID: TokenTimeError,
  ISSUED_IN_FUTURE: TokenTimeError,
  EXPIRED: TokenExpiredError,
  INSUFFICIENT_SCOPE: InsufficientScopeError,
  DELEGATION_DEPTH_EXCEEDED: InsufficientScopeError,
  REVOKED: TokenRevokedError,
  STATUS_UNAVAILABLE: StatusError,
  INVALID_STATUS_LIST: StatusError,
  INVALID_DISCLOSURE: CredentialError,
  DUPLICATE_DISCLOSURE: CredentialError,
  KEY_BINDING_REQUIRED: CredentialError,
  INVALID_KEY_BINDING: CredentialError,
  INVALID_CREDENTIAL: CredentialError,
  UNTRUSTED_ISSUER: CredentialError,
  INVALID_JWKS: JwksError,
  JWKS_UNAVAILABLE: JwksError,
  INVALID_OPTIONS: InvalidOptionsError,
  INVALID_SCOPE: InvalidScopeError,
  INVALID_DID: InvalidDidError,
  INVALID_INPUT: InvalidInputError,
  BROKEN_CHAIN: AuditChainError,
  INTERNAL: InternalError,
};

/** The class an error with `code` is raised as (a code this version does not know: GrantexError). */
export function errorClassFor(code) {
  return Object.prototype.hasOwnProperty.call(CLASS_OF_CODE, code) ? CLASS_OF_CODE[code] : GrantexError;
}

/** Builds the error for a code and message. */
export function errorFromCode(code, message) {
  const Cls = errorClassFor(code);
  return new Cls(message, code);
}

/** Converts whatever the core threw (an Error with `code`) into the matching GrantexError subclass. */
export function fromCoreError(e) {
  if (e instanceof GrantexError) return e;
  const code = e && typeof e.code === 'string' ? e.code : 'INTERNAL';
  const message = e && typeof e.message === 'string' ? e.message : String(e);
  return errorFromCode(code, message);
}
