package grantex

/*
#include <stdlib.h>
#include "grantex.h"
*/
import "C"

import (
	"encoding/json"
)

// --- DIDs (PROTOCOL.md §1.5) ------------------------------------------------------------------------------

// JWK is a public JSON Web Key as the DID functions return it: kty with crv/x (and y for EC) or n/e, plus kid
// and alg when the key names them.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	Kid string `json:"kid,omitempty"`
	Alg string `json:"alg,omitempty"`
}

// DIDWebToURL returns the URL of a did:web DID's document, e.g. did:web:example.com%3A8443:a →
// https://example.com:8443/a/did.json. Nothing is fetched. A DID that is not a valid did:web DID (upper-case
// host, IP address, path traversal, a DID URL, …) fails with ErrInvalidDID.
func DIDWebToURL(did string) (string, error) {
	return stringAnswer(did, "did", func(s *C.char) *C.char { return C.grantex_did_web_to_url_json(s) })
}

// DIDWebFromURL returns the did:web DID of a base URL, e.g. https://example.com:8443/a → did:web:example.com%3A8443:a.
// A URL with user info, a query, an empty path segment or an IP address fails with ErrInvalidDID.
func DIDWebFromURL(baseURL string) (string, error) {
	return stringAnswer(baseURL, "url", func(s *C.char) *C.char { return C.grantex_did_web_from_url_json(s) })
}

// DIDKeyToJWK resolves a did:key (Ed25519 or P-256) offline to its public key. Other key types and malformed
// DIDs fail with ErrInvalidDID.
func DIDKeyToJWK(did string) (*JWK, error) {
	return jwkAnswer(did, "did", func(s *C.char) *C.char { return C.grantex_did_key_to_jwk_json(s) })
}

// AgentDIDToID returns the agent id of an agent DID: did:grantex:ag_<ULID> → ag_<ULID> (ErrInvalidDID
// otherwise).
func AgentDIDToID(did string) (string, error) {
	return stringAnswer(did, "did", func(s *C.char) *C.char { return C.grantex_agent_did_to_id_json(s) })
}

// AgentIDToDID returns the agent DID of an agent id: ag_<ULID> → did:grantex:ag_<ULID> (ErrInvalidDID
// otherwise).
func AgentIDToDID(agentID string) (string, error) {
	return stringAnswer(agentID, "agentId", func(s *C.char) *C.char { return C.grantex_agent_id_to_did_json(s) })
}

// DIDDocumentKey looks up a verification key in the DID document resolved (fetched) for did. document is the
// document's JSON text as received (duplicate member names are rejected); reference is a DID URL, a
// #fragment or a bare key id; purpose is a verification relationship ("assertionMethod", "authentication",
// …) or "" for any. A document that does not belong to did, or that holds no such key for that purpose,
// fails with ErrInvalidDID; a method publishing private key material fails with ErrInvalidKey; an unknown
// purpose fails with ErrInvalidInput.
func DIDDocumentKey(did string, document []byte, reference, purpose string) (*JWK, error) {
	request, err := json.Marshal(struct {
		DID       string `json:"did"`
		Document  string `json:"document"` // the text form: the core parses it (duplicate members included)
		Reference string `json:"reference"`
		Purpose   string `json:"purpose,omitempty"`
	}{did, string(document), reference, purpose})
	if err != nil {
		return nil, &Error{Code: ErrInvalidInput.Code, Message: err.Error()}
	}
	return didDocumentKeyJSON(request)
}

// didDocumentKeyJSON runs the core's request {"did","document": object or text,"reference","purpose"?}.
func didDocumentKeyJSON(request []byte) (*JWK, error) {
	return jwkAnswer(string(request), "request", func(s *C.char) *C.char { return C.grantex_did_document_key_json(s) })
}

func stringAnswer(input, what string, f func(*C.char) *C.char) (string, error) {
	value, err := callJSON(input, what, f)
	if err != nil {
		return "", err
	}
	var out string
	if err := json.Unmarshal(value, &out); err != nil {
		return "", &Error{Code: ErrInternal.Code, Message: "cannot decode the answer: " + err.Error()}
	}
	return out, nil
}

func jwkAnswer(input, what string, f func(*C.char) *C.char) (*JWK, error) {
	value, err := callJSON(input, what, f)
	if err != nil {
		return nil, err
	}
	var jwk JWK
	if err := json.Unmarshal(value, &jwk); err != nil {
		return nil, &Error{Code: ErrInternal.Code, Message: "cannot decode the key: " + err.Error()}
	}
	return &jwk, nil
}
