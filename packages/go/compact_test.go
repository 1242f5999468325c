package grantex

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// compactOf returns the library's compact output for a valid case (a copy).
func compactOf(t *testing.T, ver *Verifier, token string, options []byte) []byte {
	t.Helper()
	sc := &scratch{out: make([]byte, scratchOutSize)}
	if _, err := ver.verifyCompact(token, options, sc); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), sc.out[:int(sc.n)]...)
}

func TestCompactBufferGrows(t *testing.T) {
	ver, c, opts := firstValid(t)
	defer ver.Close()
	want, err := ver.Verify(c.Token, opts)
	if err != nil {
		t.Fatal(err)
	}
	options, _ := opts.MarshalJSON()
	for _, size := range []int{1, 8, 64} {
		sc := &scratch{out: make([]byte, size)}
		got, err := ver.verifyCompact(c.Token, options, sc)
		if err != nil || !reflect.DeepEqual(got, want) || len(sc.out) < int(sc.n) {
			t.Fatalf("start size %d: %+v %v", size, got, err)
		}
		// An error message longer than the buffer grows it too.
		sc = &scratch{out: make([]byte, 1)}
		_, err = ver.verifyCompact(c.Token, []byte(`{"now":1,"issuer":"x","requiredScope":["a"]}`), sc)
		var gerr *Error
		if !errors.As(err, &gerr) || gerr.Code != ErrInvalidOptions.Code || !strings.Contains(gerr.Message, "requiredScope") {
			t.Fatalf("error through a small buffer: %v", err)
		}
	}
	// Scopes beyond the room in the box, and appending to them, leave the grant intact.
	grant, _ := ver.Verify(c.Token, opts)
	scopes := append(grant.Scopes, "extra")
	if len(grant.Scopes) != len(want.Scopes) || &scopes[0] == &grant.Scopes[0] {
		t.Fatal("append wrote into the grant's scopes")
	}
}

func TestCompactDecodeIsStrict(t *testing.T) {
	ver, c, opts := firstValid(t)
	defer ver.Close()
	options, _ := opts.MarshalJSON()
	raw := compactOf(t, ver, c.Token, options)
	if _, err := decodeCompactGrant(raw); err != nil {
		t.Fatal(err)
	}
	// Every truncation and one trailing byte: an INTERNAL error, never a panic or a partial grant.
	for n := 0; n < len(raw); n++ {
		if g, err := decodeCompactGrant(raw[:n]); g != nil || !errors.Is(err, ErrInternal) {
			t.Fatalf("truncated to %d bytes: %+v %v", n, g, err)
		}
	}
	if _, err := decodeCompactGrant(append(append([]byte(nil), raw...), 0)); !errors.Is(err, ErrInternal) {
		t.Fatalf("trailing byte: %v", err)
	}
	// Another version, unknown flags.
	for _, mutate := range []func(b []byte){
		func(b []byte) { b[0]++ },
		func(b []byte) { b[1] |= 0x80 },
	} {
		b := append([]byte(nil), raw...)
		mutate(b)
		if _, err := decodeCompactGrant(b); !errors.Is(err, ErrInternal) {
			t.Fatalf("mutated: %v", err)
		}
	}
	// Any single corrupted byte decodes or fails cleanly (lengths and counts are bounds-checked).
	for i := range raw {
		for _, v := range []byte{0, 0x7f, 0xff} {
			b := append([]byte(nil), raw...)
			b[i] = v
			_, _ = decodeCompactGrant(b)
		}
	}
	// A huge list count is rejected before anything is allocated.
	b := append([]byte(nil), raw[:2+16]...)
	for i := 0; i < 6; i++ {
		b = append(b, 0, 0, 0, 0)
	}
	b = append(b, 0xff, 0xff, 0xff, 0xff)
	if _, err := decodeCompactGrant(b); !errors.Is(err, ErrInternal) {
		t.Fatalf("huge count: %v", err)
	}
}

func FuzzDecodeCompactGrant(f *testing.F) {
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := decodeCompactGrant(b)
		if (g == nil) == (err == nil) {
			t.Fatalf("grant %v with error %v", g, err)
		}
	})
}

func TestVerifyAllocations(t *testing.T) {
	ver, c, opts := firstValid(t)
	defer ver.Close()
	if _, err := ver.Verify(c.Token, opts); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := ver.Verify(c.Token, opts); err != nil {
			t.Fatal(err)
		}
	})
	// The grant (with room for its scopes) and the one copy of its strings; slack for the pool, which the race
	// detector makes drop a quarter of the buffers put back.
	limit := 2.5
	if raceEnabled {
		limit = 6
	}
	if allocs > limit {
		t.Fatalf("%.1f allocations per Verify", allocs)
	}
}
