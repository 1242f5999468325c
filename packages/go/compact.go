package grantex

/*
#include <stdlib.h>
#include "grantex.h"
*/
import "C"

import (
	"encoding/binary"
	"math"
	"sync"
	"unsafe"
)

// The hot path of Verify and VerifyJSON: grantex_verifier_verify_compact reads the token and the options in
// place (pointer + length: no C copy, no NUL terminator) and writes the verified grant in a compact binary
// layout (documented in grantex.h) into a Go buffer reused across calls. Decoding it costs one string copy of
// the whole grant (every string member is a substring of it) and one allocation for the grant with room for
// a few scopes; no JSON is written or parsed on either side of the call.

// scratch is the per-call memory of a verification, reused through scratchPool.
type scratch struct {
	opts []byte   // the options JSON Verify renders
	out  []byte   // the compact grant or the error message (len == cap)
	n    C.size_t // *out_len; a field, so that the pointer handed to C points at no Go pointer
}

const (
	scratchOutSize = 4096      // holds any ordinary grant; larger ones grow the buffer for one call
	scratchKeepMax = 64 << 10  // buffers grown past this are not kept in the pool
	maxCompactSize = 256 << 20 // a larger announced size is an error, not an allocation
)

var scratchPool = sync.Pool{New: func() any {
	return &scratch{opts: make([]byte, 0, 256), out: make([]byte, scratchOutSize)}
}}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(sc *scratch) {
	if cap(sc.out) > scratchKeepMax || cap(sc.opts) > scratchKeepMax {
		return
	}
	scratchPool.Put(sc)
}

// textPtr is a pointer to the bytes of s for a (pointer, length) argument; nil for an empty s. cgo pins the
// memory for the duration of the call, and the library only reads it.
func textPtr(s string) *C.char {
	if len(s) == 0 {
		return nil
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s)))
}

func bytesPtr(b []byte) *C.char {
	if len(b) == 0 {
		return nil
	}
	return (*C.char)(unsafe.Pointer(&b[0]))
}

// verifyCompact verifies token with the core's JSON options, through the compact entry point.
func (v *Verifier) verifyCompact(token string, options []byte, sc *scratch) (*VerifiedGrant, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.ptr == nil {
		return nil, &Error{Code: ErrInvalidInput.Code, Message: "the Verifier is closed"}
	}
	for attempt := 0; ; attempt++ {
		status := C.grantex_verifier_verify_compact(v.ptr, textPtr(token), C.size_t(len(token)),
			bytesPtr(options), C.size_t(len(options)),
			(*C.uint8_t)(unsafe.Pointer(&sc.out[0])), C.size_t(len(sc.out)), &sc.n)
		n := uint64(sc.n)
		if n > uint64(len(sc.out)) {
			// Did not fit: nothing was written. Grow and verify again (the output is deterministic, so one
			// retry suffices; a second miss would be a library bug).
			if attempt > 0 || n > maxCompactSize {
				return nil, &Error{Code: ErrInternal.Code, Message: "the library announced an implausible output size"}
			}
			sc.out = make([]byte, n)
			continue
		}
		if status != 0 {
			return nil, &Error{Code: codeName(int32(status)), Message: string(sc.out[:n])}
		}
		return decodeCompactGrant(sc.out[:n])
	}
}

// codeName names a status number with the Go table (no cgo call); TestErrors checks it against the library.
func codeName(status int32) string {
	if status >= 1 && int(status) <= len(allErrors) {
		return allErrors[status-1].Code
	}
	return ErrInternal.Code
}

// grantBox is a VerifiedGrant allocated together with room for its scopes and audience in the usual case.
type grantBox struct {
	g        VerifiedGrant
	scopes   [4]string
	audience [1]string
}

// grantExtras holds the optional members of delegated or status-carrying grants (one allocation).
type grantExtras struct {
	parentAgentDID string
	parentGrantID  string
	depth          int
	budget         float64
	status         StatusReference
}

// compactReader reads the compact layout: numbers from b, strings as substrings of s (the one copy of b).
type compactReader struct {
	b   []byte
	s   string
	i   int
	bad bool
}

func (r *compactReader) take(n int) int {
	if r.bad || n < 0 || n > len(r.b)-r.i {
		r.bad = true
		return len(r.b)
	}
	at := r.i
	r.i += n
	return at
}

func (r *compactReader) u8() byte {
	at := r.take(1)
	if r.bad {
		return 0
	}
	return r.b[at]
}

func (r *compactReader) u32() uint32 {
	at := r.take(4)
	if r.bad {
		return 0
	}
	return binary.LittleEndian.Uint32(r.b[at:])
}

func (r *compactReader) u64() uint64 {
	at := r.take(8)
	if r.bad {
		return 0
	}
	return binary.LittleEndian.Uint64(r.b[at:])
}

func (r *compactReader) str() string {
	n := r.u32()
	if uint64(n) > uint64(len(r.b)-r.i) {
		r.bad = true
		return ""
	}
	at := r.take(int(n))
	if r.bad {
		return ""
	}
	return r.s[at : at+int(n)]
}

// list reads a string list into room when it is large enough, else into a new slice. The result has no
// spare capacity, so an append by the caller never writes into the box.
func (r *compactReader) list(room []string) []string {
	n := r.u32()
	if uint64(n) > uint64(len(r.b)-r.i)/4 { // every string takes at least its 4-byte length
		r.bad = true
		return nil
	}
	var out []string
	if int(n) <= len(room) {
		out = room[:n:n]
	} else {
		out = make([]string, n)
	}
	for i := range out {
		out[i] = r.str()
	}
	return out
}

func compactError(what string) error {
	return &Error{Code: ErrInternal.Code, Message: "cannot decode the verified grant: " + what}
}

// decodeCompactGrant decodes the compact layout of grantex_verifier_verify_compact. Anything unexpected
// (another layout version, a truncated or oversized buffer, a value out of range) is ErrInternal, never a
// panic and never a partial grant.
func decodeCompactGrant(b []byte) (*VerifiedGrant, error) {
	r := compactReader{b: b, s: string(b)}
	if r.u8() != C.GRANTEX_COMPACT_VERSION {
		return nil, compactError("unknown layout version (library and Go package out of step)")
	}
	flags := r.u8()
	box := &grantBox{}
	g := &box.g
	issuedAt, expiresAt := r.u64(), r.u64()
	if issuedAt > math.MaxInt64 || expiresAt > math.MaxInt64 {
		return nil, compactError("issuedAt/expiresAt out of the int64 range")
	}
	g.IssuedAt, g.ExpiresAt = int64(issuedAt), int64(expiresAt)
	g.TokenID = r.str()
	g.GrantID = r.str()
	g.PrincipalID = r.str()
	g.AgentDID = r.str()
	g.DeveloperID = r.str()
	g.Issuer = r.str()
	g.Scopes = r.list(box.scopes[:])
	if flags&C.GRANTEX_COMPACT_HAS_AUDIENCE != 0 {
		g.Audience = r.list(box.audience[:])
	}
	const optional = C.GRANTEX_COMPACT_HAS_PARENT_AGENT_DID | C.GRANTEX_COMPACT_HAS_PARENT_GRANT_ID |
		C.GRANTEX_COMPACT_HAS_DELEGATION_DEPTH | C.GRANTEX_COMPACT_HAS_BUDGET_REMAINING |
		C.GRANTEX_COMPACT_HAS_STATUS
	if flags&optional != 0 {
		x := &grantExtras{}
		if flags&C.GRANTEX_COMPACT_HAS_PARENT_AGENT_DID != 0 {
			x.parentAgentDID = r.str()
			g.ParentAgentDID = &x.parentAgentDID
		}
		if flags&C.GRANTEX_COMPACT_HAS_PARENT_GRANT_ID != 0 {
			x.parentGrantID = r.str()
			g.ParentGrantID = &x.parentGrantID
		}
		if flags&C.GRANTEX_COMPACT_HAS_DELEGATION_DEPTH != 0 {
			depth := r.u32()
			if uint64(depth) > uint64(math.MaxInt) {
				return nil, compactError("delegationDepth out of range")
			}
			x.depth = int(depth)
			g.DelegationDepth = &x.depth
		}
		if flags&C.GRANTEX_COMPACT_HAS_BUDGET_REMAINING != 0 {
			x.budget = math.Float64frombits(r.u64())
			g.BudgetRemaining = &x.budget
		}
		if flags&C.GRANTEX_COMPACT_HAS_STATUS != 0 {
			x.status.Idx = r.u64()
			x.status.URI = r.str()
			g.Status = &x.status
		}
	}
	const known = C.GRANTEX_COMPACT_HAS_AUDIENCE | optional
	if flags&^known != 0 {
		return nil, compactError("unknown flags")
	}
	if r.bad || r.i != len(b) {
		return nil, compactError("truncated or trailing bytes")
	}
	return g, nil
}
