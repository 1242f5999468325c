// Type-level use of the public API (tsc --noEmit); not run.
import {
  verifyGrantToken, createVerifier, GrantexError, GrantexTokenError, TokenExpiredError, satisfies, narrows,
  verifyChain, verifySdJwt, statusListGet, type VerifiedGrant, type ChainReport, type ErrorCode,
  didWebToUrl, didWebFromUrl, didKeyToJwk, agentDidToId, agentIdToDid, didDocumentKey, json, type PublicJwk,
} from '../types/index.js';

export async function check(token: string): Promise<string> {
  try {
    const g: VerifiedGrant = await verifyGrantToken(token, {
      jwksUri: 'https://api.grantex.dev/.well-known/jwks.json',
      requiredScopes: ['calendar:read'],
      audience: ['https://api.example.com'],
      clockTolerance: 30,
    });
    const sync: VerifiedGrant = createVerifier({ keys: [] }).verify(token, { issuer: 'https://grantex.dev', now: new Date() });
    const depth: number | undefined = g.delegationDepth ?? sync.delegationDepth;
    return `${g.grantId} ${depth ?? 0} ${satisfies('a:b', 'a:b')} ${narrows('a:b', 'a:b')}`;
  } catch (e) {
    if (e instanceof TokenExpiredError) return 'expired';
    if (e instanceof GrantexTokenError) {
      const code: ErrorCode | (string & {}) = e.code;
      return code;
    }
    if (e instanceof GrantexError) return e.message;
    throw e;
  }
}

export function more(entries: unknown[]): [ChainReport, number, boolean] {
  const report = verifyChain(entries);
  const status = statusListGet('H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA', 42);
  const sd = verifySdJwt('x~', { jwks: { keys: [] }, anyIssuer: true, keyBinding: { nonce: 'n', audience: 'a' } });
  return [report, status, sd.keyBound];
}

export function dids(): [string, string, string, string, string, string | undefined] {
  const url: string = didWebToUrl('did:web:grantex.dev');
  const did: string = didWebFromUrl('https://grantex.dev');
  const jwk: PublicJwk = didKeyToJwk('did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp');
  const id: string = agentDidToId('did:grantex:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2B1');
  const agent: string = agentIdToDid(id);
  const key = didDocumentKey({ did, document: '{}', reference: '#k', purpose: 'assertionMethod' });
  return [url, did, jwk.kty, agent, json.didKeyToJwk(did), key.crv];
}
