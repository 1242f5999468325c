// The public names of the ESM entries (browser, workerd, edge-light): every name of the grant-only entries plus
// the credential, audit-chain and DID functions; the Node entry lists the same names.
export * from './public-grant.js';
export {
  verifySdJwt, presentSdJwt, verifyCredential, verifyCredentialUpstream, statusListGet, verifyChain, json,
  didWebToUrl, didWebFromUrl, didKeyToJwk, agentDidToId, agentIdToDid, didDocumentKey,
} from './api.js';
