// Package grantex verifies Grantex grant tokens (delegated authorization for AI agents) offline, with the
// same Rust core (grantex-core) as every other Grantex runtime, through its C ABI (bindings/c).
//
// The package links the static library target/release/libgrantex.a of this repository, so programs need no
// LD_LIBRARY_PATH; build it first with
//
//	cargo build --release -p grantex-c
//
// (scripts/test-go does this). A Verifier holds a parsed JWKS and is safe for concurrent use.
package grantex

/*
#cgo CFLAGS: -I${SRCDIR}/../../bindings/c/include
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libgrantex.a -lm -ldl -lpthread
#include <stdlib.h>
#include "grantex.h"
*/
import "C"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// Verifier verifies grant tokens against one JWKS, whose keys are decoded once by NewVerifier.
//
// A Verifier is immutable and safe for concurrent use by any number of goroutines. Close releases it; a
// finalizer releases a Verifier that becomes unreachable without Close.
type Verifier struct {
	mu  sync.RWMutex // Verify holds it for reading, Close for writing: no call runs on a freed handle
	ptr *C.GrantexVerifier
}

// NewVerifier parses a JWKS document ({"keys":[…]}). Keys of unsupported types or with bad material do not
// fail it: they stay unusable, and a token naming them fails with ErrUnknownKey or ErrInvalidKey. The error is
// an *Error with code INVALID_JWKS when the document is not a JWKS.
func NewVerifier(jwks []byte) (*Verifier, error) {
	cJWKS, err := cString(string(jwks), "jwks")
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cJWKS))
	var ptr *C.GrantexVerifier
	var errorJSON *C.char
	status := C.grantex_verifier_new(cJWKS, &ptr, &errorJSON)
	if status != 0 {
		return nil, errorFromJSON(takeString(errorJSON), int32(status))
	}
	v := &Verifier{ptr: ptr}
	runtime.SetFinalizer(v, (*Verifier).Close)
	return v, nil
}

// Close releases the verifier. It waits for calls in progress, is idempotent, and later calls to Verify fail
// with ErrInvalidInput.
func (v *Verifier) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ptr != nil {
		C.grantex_verifier_free(v.ptr)
		v.ptr = nil
		runtime.SetFinalizer(v, nil)
	}
}

// Verify verifies a compact grant token (PROTOCOL.md §4.1) and returns its claims. Errors are *Error values
// usable with errors.Is and the Err* sentinels (ErrExpired, ErrInvalidSignature, …).
func (v *Verifier) Verify(token string, opts VerifyOptions) (*VerifiedGrant, error) {
	sc := getScratch()
	sc.opts = opts.appendJSON(sc.opts[:0])
	grant, err := v.verifyCompact(token, sc.opts, sc)
	putScratch(sc)
	return grant, err
}

// VerifyJSON is Verify with the options given as the core's JSON object (VerifyOptionsJson: "now" in Unix
// seconds is required; unknown members are rejected with ErrInvalidOptions). It accepts every option of the
// JSON contract, including those VerifyOptions does not spell out.
func (v *Verifier) VerifyJSON(token string, optionsJSON []byte) (*VerifiedGrant, error) {
	sc := getScratch()
	grant, err := v.verifyCompact(token, optionsJSON, sc)
	putScratch(sc)
	return grant, err
}

// verifyRaw returns the raw JSON value of a successful answer, or the answer's error.
func (v *Verifier) verifyRaw(token string, optionsJSON []byte) (json.RawMessage, error) {
	args, err := packArgs(token, "token", optionsJSON, "options")
	if err != nil {
		return nil, err
	}
	cToken, cOptions := args.first(), args.second()

	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.ptr == nil {
		return nil, &Error{Code: ErrInvalidInput.Code, Message: "the Verifier is closed"}
	}
	var answer *C.char
	status := C.grantex_verifier_verify(v.ptr, cToken, cOptions, &answer)
	runtime.KeepAlive(v)
	runtime.KeepAlive(args.buf)
	return decodeAnswer(takeString(answer), int32(status))
}

// VerifiedGrant is a verified grant token (PROTOCOL.md §4.3), with the upstream Go SDK's names and JSON tags.
type VerifiedGrant struct {
	TokenID         string   `json:"tokenId"`
	GrantID         string   `json:"grantId"`
	PrincipalID     string   `json:"principalId"`
	AgentDID        string   `json:"agentDid"`
	DeveloperID     string   `json:"developerId"`
	Scopes          []string `json:"scopes"`
	IssuedAt        int64    `json:"issuedAt"`
	ExpiresAt       int64    `json:"expiresAt"`
	ParentAgentDID  *string  `json:"parentAgentDid,omitempty"`
	ParentGrantID   *string  `json:"parentGrantId,omitempty"`
	DelegationDepth *int     `json:"delegationDepth,omitempty"`
	// Audience is the aud claim as a list (a string claim becomes a one-element list); nil when absent.
	Audience []string `json:"audience,omitempty"`
	// Issuer is the iss claim.
	Issuer string `json:"issuer"`
	// BudgetRemaining is the bdg claim (informational); nil when absent.
	BudgetRemaining *float64 `json:"budgetRemaining,omitempty"`
	// Status says where the grant's revocation bit lives (status.status_list), when the token names one.
	// Verify only reports it.
	Status *StatusReference `json:"status,omitempty"`
}

// StatusReference locates an entry of a status list.
type StatusReference struct {
	URI string `json:"uri"`
	Idx uint64 `json:"idx"`
}

// ChainReport is the outcome of VerifyChain (PROTOCOL.md §8.6).
type ChainReport struct {
	// Valid is true when every entry verified.
	Valid bool `json:"valid"`
	// CheckedEntries counts the entries verified before the first break (all of them when valid).
	CheckedEntries int `json:"checkedEntries"`
	// FirstBrokenAt is the id of the first broken entry.
	FirstBrokenAt *string `json:"firstBrokenAt"`
	// FirstBrokenIndex is the position of the first broken entry.
	FirstBrokenIndex *int `json:"firstBrokenIndex"`
	// Reason is "link" (prevHash differs from the previous hash) or "content" (hash differs from the entry).
	Reason *string `json:"reason"`
}

// VerifyChain verifies an audit-log hash chain given as the JSON array of wire entries, in chain order. A
// broken chain is not an error: it is reported in the ChainReport. The error (ErrInvalidInput) means the text
// is not an array of entries. Pass the entries as received: their metadata is hashed with its original
// number spellings.
func VerifyChain(entriesJSON []byte) (*ChainReport, error) {
	value, err := callJSON(string(entriesJSON), "entries", func(s *C.char) *C.char {
		return C.grantex_audit_verify_chain_json(s)
	})
	if err != nil {
		return nil, err
	}
	var report ChainReport
	if err := json.Unmarshal(value, &report); err != nil {
		return nil, &Error{Code: ErrInternal.Code, Message: "cannot decode the chain report: " + err.Error()}
	}
	return &report, nil
}

// Thumbprint returns the RFC 7638 thumbprint (base64url) of one JWK given as JSON.
func Thumbprint(jwk []byte) (string, error) {
	value, err := callJSON(string(jwk), "jwk", func(s *C.char) *C.char { return C.grantex_jwk_thumbprint_json(s) })
	if err != nil {
		return "", err
	}
	var thumbprint string
	if err := json.Unmarshal(value, &thumbprint); err != nil {
		return "", &Error{Code: ErrInternal.Code, Message: err.Error()}
	}
	return thumbprint, nil
}

// Unverified is a token's header and payload decoded WITHOUT verification, for display and debugging only.
type Unverified struct {
	Header   map[string]any `json:"header"`
	Payload  map[string]any `json:"payload"`
	Verified bool           `json:"verified"` // always false
}

// DecodeUnverified decodes a compact token without verifying anything. Never authorize on its result.
func DecodeUnverified(token string) (*Unverified, error) {
	value, err := callJSON(token, "token", func(s *C.char) *C.char { return C.grantex_decode_unverified_json(s) })
	if err != nil {
		return nil, err
	}
	var u Unverified
	if err := json.Unmarshal(value, &u); err != nil {
		return nil, &Error{Code: ErrInternal.Code, Message: err.Error()}
	}
	return &u, nil
}

// Version is the version of the linked grantex library.
func Version() string { return C.GoString(C.grantex_version()) }

// --- plumbing ---------------------------------------------------------------------------------------------

// cString copies s to C memory (free with C.free). A NUL byte cannot cross the C ABI: such input is
// rejected with ErrInvalidInput rather than silently truncated.
func cString(s, what string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, &Error{Code: ErrInvalidInput.Code, Message: fmt.Sprintf("%s contains a NUL byte", what)}
	}
	return C.CString(s), nil
}

// cArgs is two NUL-terminated strings in one Go buffer, handed to C for the duration of one call (cgo lets C
// read Go memory that holds no Go pointers), which spares the per-call C.malloc/C.free pairs of C.CString.
type cArgs struct {
	buf   []byte
	split int // index of the second string
}

func (a cArgs) first() *C.char  { return (*C.char)(unsafe.Pointer(&a.buf[0])) }
func (a cArgs) second() *C.char { return (*C.char)(unsafe.Pointer(&a.buf[a.split])) }

// packArgs packs two arguments; a NUL byte in either is rejected with ErrInvalidInput, as in cString.
func packArgs(a, aName string, b []byte, bName string) (cArgs, error) {
	if strings.IndexByte(a, 0) >= 0 {
		return cArgs{}, &Error{Code: ErrInvalidInput.Code, Message: fmt.Sprintf("%s contains a NUL byte", aName)}
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return cArgs{}, &Error{Code: ErrInvalidInput.Code, Message: fmt.Sprintf("%s contains a NUL byte", bName)}
	}
	buf := make([]byte, 0, len(a)+len(b)+2)
	buf = append(append(buf, a...), 0)
	buf = append(append(buf, b...), 0)
	return cArgs{buf: buf, split: len(a) + 1}, nil
}

// takeString copies a library string to Go and frees it.
func takeString(s *C.char) string {
	if s == nil {
		return ""
	}
	defer C.grantex_string_free(s)
	return C.GoString(s)
}

func callJSON(input, what string, f func(*C.char) *C.char) (json.RawMessage, error) {
	cInput, err := cString(input, what)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cInput))
	return decodeAnswer(takeString(f(cInput)), -1)
}

type answer struct {
	OK    bool            `json:"ok"`
	Value json.RawMessage `json:"value"`
	Error *Error          `json:"error"`
}

// okPrefix starts every success answer the core writes ({"ok":true,"value":…}, compact, in this order).
const okPrefix = `{"ok":true,"value":`

// decodeAnswer splits a core JSON answer into its value or its error. status is the C status (-1: none).
func decodeAnswer(text string, status int32) (json.RawMessage, error) {
	if status <= 0 && len(text) > len(okPrefix) && text[:len(okPrefix)] == okPrefix && text[len(text)-1] == '}' {
		// A success answer: the value is everything between the prefix and the final brace (no second scan;
		// the caller's decoding of the value validates it).
		return json.RawMessage(text[len(okPrefix) : len(text)-1]), nil
	}
	var a answer
	if err := json.Unmarshal([]byte(text), &a); err != nil {
		return nil, &Error{Code: statusCode(status), Message: "cannot decode the answer: " + err.Error()}
	}
	if a.OK && status <= 0 {
		return a.Value, nil
	}
	if a.Error == nil {
		return nil, &Error{Code: statusCode(status), Message: "the answer has no error"}
	}
	return nil, a.Error
}

func errorFromJSON(text string, status int32) error {
	var e Error
	if err := json.Unmarshal([]byte(text), &e); err != nil || e.Code == "" {
		return &Error{Code: statusCode(status), Message: strings.TrimSpace(text)}
	}
	return &e
}

// statusCode names a C status number ("INTERNAL" when it is not one).
func statusCode(status int32) string {
	if name := C.grantex_error_code_name(C.int32_t(status)); name != nil && status > 0 {
		return C.GoString(name)
	}
	return ErrInternal.Code
}
