'use strict';
// Node entry (require and, through ../node/index.mjs, import): one module instance for both, so error
// classes are the same objects whichever way the package is loaded.
const api = require('./api.cjs');
const errors = require('./errors.cjs');
const jwks = require('./jwks.cjs');
const { loadCore, platformTriple } = require('./native.cjs');

const loaded = loadCore(api.missingCoreExports);
api.setCore(loaded.core, loaded.name);

module.exports = {
  verifyGrantToken: api.verifyGrantToken,
  createVerifier: api.createVerifier,
  Verifier: api.Verifier,
  resolveIssuer: api.resolveIssuer,
  verifySdJwt: api.verifySdJwt,
  presentSdJwt: api.presentSdJwt,
  verifyCredential: api.verifyCredential,
  verifyCredentialUpstream: api.verifyCredentialUpstream,
  statusListGet: api.statusListGet,
  satisfies: api.satisfies,
  narrows: api.narrows,
  describeScope: api.describeScope,
  verifyChain: api.verifyChain,
  jwkThumbprint: api.jwkThumbprint,
  decodeUnverified: api.decodeUnverified,
  didWebToUrl: api.didWebToUrl,
  didWebFromUrl: api.didWebFromUrl,
  didKeyToJwk: api.didKeyToJwk,
  agentDidToId: api.agentDidToId,
  agentIdToDid: api.agentIdToDid,
  didDocumentKey: api.didDocumentKey,
  json: api.json,
  backend: api.backend,
  coreVersion: api.coreVersion,
  defaultJwksCache: api.defaultJwksCache,
  createJwksCache: api.createJwksCache,
  JwksCache: jwks.JwksCache,
  ttlFromCacheControl: jwks.ttlFromCacheControl,
  GrantexError: errors.GrantexError,
  GrantexTokenError: errors.GrantexTokenError,
  MalformedTokenError: errors.MalformedTokenError,
  TokenSignatureError: errors.TokenSignatureError,
  TokenClaimsError: errors.TokenClaimsError,
  TokenTimeError: errors.TokenTimeError,
  TokenExpiredError: errors.TokenExpiredError,
  InsufficientScopeError: errors.InsufficientScopeError,
  TokenRevokedError: errors.TokenRevokedError,
  StatusError: errors.StatusError,
  CredentialError: errors.CredentialError,
  JwksError: errors.JwksError,
  InvalidOptionsError: errors.InvalidOptionsError,
  InvalidScopeError: errors.InvalidScopeError,
  InvalidDidError: errors.InvalidDidError,
  InvalidInputError: errors.InvalidInputError,
  AuditChainError: errors.AuditChainError,
  InternalError: errors.InternalError,
  ERROR_CODES: errors.ERROR_CODES,
  errorClassFor: errors.errorClassFor,
  // `platform` is computed on first read (the libc check costs a file read; the wasm path never needs it).
  nativeInfo: Object.freeze({
    backend: loaded.name, path: loaded.path, get platform() { return platformTriple(); }, tried: Object.freeze(loaded.tried || []),
  }),
};
