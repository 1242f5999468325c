package grantex

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var vectorsDir = filepath.Join("..", "..", "tests", "vectors")

type grantVectors struct {
	Version int                        `json:"version"`
	KeySets map[string]json.RawMessage `json:"keySets"`
	Cases   []grantCase                `json:"cases"`
}

type grantCase struct {
	Name     string          `json:"name"`
	KeySet   string          `json:"keySet"`
	Token    string          `json:"token"`
	Options  json.RawMessage `json:"options"`
	Expected struct {
		OK    bool            `json:"ok"`
		Value json.RawMessage `json:"value"`
		Error *struct {
			Code string `json:"code"`
		} `json:"error"`
	} `json:"expected"`
}

func loadGrantVectors(t testing.TB) *grantVectors {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorsDir, "grant-tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v grantVectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) == 0 {
		t.Fatal("no grant-token cases")
	}
	return &v
}

// generic turns JSON into maps/slices/float64 for a key-order-insensitive comparison.
func generic(t testing.TB, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, data)
	}
	return v
}

func sentinelFor(code string) *Error {
	for _, e := range allErrors {
		if e.Code == code {
			return e
		}
	}
	return nil
}

// typedOptions maps a JSON options object to VerifyOptions; ok is false when it uses a member that
// VerifyOptions cannot express (such as the deliberately misspelt "requiredScope").
func typedOptions(t testing.TB, raw json.RawMessage) (opts VerifyOptions, ok bool) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	must := func(data json.RawMessage, into any) bool { return json.Unmarshal(data, into) == nil }
	for k, v := range m {
		switch k {
		case "now":
			var now int64
			ok = must(v, &now)
			opts.Now = time.Unix(now, 0)
		case "issuer":
			ok = must(v, &opts.Issuer)
		case "anyIssuer":
			ok = must(v, &opts.AnyIssuer)
		case "jwksUri":
			ok = must(v, &opts.JwksURI)
		case "issuerDid":
			ok = must(v, &opts.IssuerDID)
		case "audience":
			var one string
			if must(v, &one) {
				opts.Audience, ok = []string{one}, true
			} else {
				ok = must(v, &opts.Audience)
			}
		case "anyAudience":
			ok = must(v, &opts.AnyAudience)
		case "requiredScopes":
			ok = must(v, &opts.RequiredScopes)
		case "clockTolerance", "leeway":
			var seconds int64
			ok = must(v, &seconds)
			opts.ClockTolerance = time.Duration(seconds) * time.Second
		case "maxDelegationDepth":
			var depth int
			ok = must(v, &depth)
			opts.MaxDelegationDepth = &depth
		case "algorithms":
			ok = must(v, &opts.Algorithms)
		case "maxTokenBytes":
			ok = must(v, &opts.MaxTokenBytes)
		default:
			return opts, false
		}
		if !ok {
			return opts, false
		}
	}
	if _, hasNow := m["now"]; !hasNow {
		return opts, false // VerifyOptions would fill in the clock
	}
	return opts, true
}

func checkResult(t *testing.T, c *grantCase, grant *VerifiedGrant, err error) {
	t.Helper()
	if c.Expected.OK {
		if err != nil {
			t.Fatalf("expected success, got %v", err)
		}
		got, _ := json.Marshal(grant)
		if !reflect.DeepEqual(generic(t, got), generic(t, c.Expected.Value)) {
			t.Fatalf("value differs:\n got  %s\n want %s", got, c.Expected.Value)
		}
		return
	}
	want := c.Expected.Error.Code
	var gerr *Error
	if !errors.As(err, &gerr) {
		t.Fatalf("expected %s, got %v", want, err)
	}
	if gerr.Code != want {
		t.Fatalf("expected %s, got %s (%s)", want, gerr.Code, gerr.Message)
	}
	if s := sentinelFor(want); s == nil || !errors.Is(err, s) {
		t.Fatalf("errors.Is(err, sentinel %s) is false", want)
	}
	if grant != nil {
		t.Fatal("a grant together with an error")
	}
}

func TestGrantTokenVectors(t *testing.T) {
	v := loadGrantVectors(t)
	verifiers := map[string]*Verifier{}
	for name, jwks := range v.KeySets {
		ver, err := NewVerifier(jwks)
		if err != nil {
			t.Fatalf("key set %s: %v", name, err)
		}
		defer ver.Close()
		verifiers[name] = ver
	}
	var rawRun, typedRun, compactDecoded atomic.Int64
	for i := range v.Cases {
		c := &v.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			ver := verifiers[c.KeySet]
			if ver == nil {
				t.Fatalf("no key set %q", c.KeySet)
			}
			// The core's JSON options, verbatim.
			grant, err := ver.VerifyJSON(c.Token, c.Options)
			checkResult(t, c, grant, err)
			if c.Expected.OK { // the raw answer value too (every member, not only those VerifiedGrant knows)
				raw, err := ver.verifyRaw(c.Token, c.Options)
				if err != nil || !reflect.DeepEqual(generic(t, raw), generic(t, c.Expected.Value)) {
					t.Fatalf("raw value differs: %s (%v)", raw, err)
				}
			}
			if c.Expected.OK { // the compact path decodes what the JSON answer says, as encoding/json does
				raw, _ := ver.verifyRaw(c.Token, c.Options)
				var slow VerifiedGrant
				if err := json.Unmarshal(raw, &slow); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(*grant, slow) {
					t.Fatalf("compact grant differs from the JSON answer:\n compact %+v\n json    %+v", *grant, slow)
				}
				compactDecoded.Add(1)
			} else { // the compact path reports the JSON answer's error, message included
				_, jsonErr := ver.verifyRaw(c.Token, c.Options)
				var a, b *Error
				if !errors.As(err, &a) || !errors.As(jsonErr, &b) || *a != *b {
					t.Fatalf("compact error %v, JSON answer error %v", err, jsonErr)
				}
			}
			rawRun.Add(1)
			// The same options through the idiomatic VerifyOptions.
			if opts, ok := typedOptions(t, c.Options); ok {
				grant, err := ver.Verify(c.Token, opts)
				checkResult(t, c, grant, err)
				typedRun.Add(1)
			}
		})
	}
	fmt.Printf("grant-token vectors: %d cases via VerifyJSON, %d via Verify(VerifyOptions); %d compact grants "+
		"equal to the JSON answer decoded by encoding/json\n", rawRun.Load(), typedRun.Load(), compactDecoded.Load())
}

func TestAuditChainVectors(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(vectorsDir, "audit.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []struct {
			Name     string          `json:"name"`
			Entries  json.RawMessage `json:"entries"`
			Expected json.RawMessage `json:"expected"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	run := 0
	for _, c := range doc.Cases {
		if c.Entries == nil || c.Expected == nil {
			continue // entry-hash cases have no chain
		}
		run++
		t.Run(c.Name, func(t *testing.T) {
			// RawMessage keeps the entries byte for byte (number spellings, duplicate members).
			report, err := VerifyChain(c.Entries)
			if err != nil {
				t.Fatal(err)
			}
			var want ChainReport
			if err := json.Unmarshal(c.Expected, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*report, want) {
				got, _ := json.Marshal(report)
				t.Fatalf("report differs:\n got  %s\n want %s", got, c.Expected)
			}
		})
	}
	if run == 0 {
		t.Fatal("no chain cases")
	}
	fmt.Printf("audit chain vectors: %d cases\n", run)
	if _, err := VerifyChain([]byte(`{"not":"an array"}`)); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("expected ErrInvalidInput, got %v", err)
	}
}

// firstValid returns a verifier and a valid case of the vectors.
func firstValid(t testing.TB) (*Verifier, *grantCase, VerifyOptions) {
	v := loadGrantVectors(t)
	for i := range v.Cases {
		c := &v.Cases[i]
		if !c.Expected.OK {
			continue
		}
		opts, ok := typedOptions(t, c.Options)
		if !ok {
			continue
		}
		ver, err := NewVerifier(v.KeySets[c.KeySet])
		if err != nil {
			t.Fatal(err)
		}
		return ver, c, opts
	}
	t.Fatal("no valid case")
	return nil, nil, VerifyOptions{}
}

func TestConcurrentVerifier(t *testing.T) {
	ver, c, opts := firstValid(t)
	defer ver.Close()
	expired := opts
	expired.Now = time.Unix(1<<40, 0)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if (g+i)%2 == 0 {
					grant, err := ver.Verify(c.Token, opts)
					if err != nil {
						errs <- err
						return
					}
					if grant.TokenID == "" {
						errs <- fmt.Errorf("empty token id")
						return
					}
				} else if _, err := ver.Verify(c.Token, expired); !errors.Is(err, ErrExpired) {
					errs <- fmt.Errorf("expected ErrExpired, got %v", err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCloseWhileVerifying(t *testing.T) {
	ver, c, opts := firstValid(t)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				_, err := ver.Verify(c.Token, opts)
				if err != nil && !errors.Is(err, ErrInvalidInput) {
					t.Errorf("unexpected error %v", err)
					return
				}
			}
		}()
	}
	ver.Close()
	wg.Wait()
	ver.Close() // idempotent
	if _, err := ver.Verify(c.Token, opts); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("Verify after Close: %v", err)
	}
}

func TestErrors(t *testing.T) {
	for i, e := range allErrors {
		if got := statusCode(int32(i + 1)); got != e.Code {
			t.Fatalf("status %d is %s in the library, %s here", i+1, got, e.Code)
		}
	}
	if statusCode(int32(len(allErrors)+1)) != ErrInternal.Code || statusCode(0) != ErrInternal.Code {
		t.Fatal("statusCode of a non-error")
	}
	for status := int32(-1); status <= int32(len(allErrors)+1); status++ {
		if status != 0 && codeName(status) != statusCode(status) {
			t.Fatalf("codeName(%d) = %s, the library says %s", status, codeName(status), statusCode(status))
		}
	}
	if _, err := NewVerifier([]byte(`{"keyz":[]}`)); !errors.Is(err, ErrInvalidJWKS) || errors.Is(err, ErrInvalidKey) {
		t.Fatalf("expected ErrInvalidJWKS, got %v", err)
	}
	ver, c, opts := firstValid(t)
	defer ver.Close()
	if _, err := ver.Verify(c.Token+"\x00", opts); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("NUL byte: %v", err)
	}
	if _, err := ver.Verify(c.Token+"\xff", opts); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("invalid UTF-8: %v", err)
	}
	if _, err := ver.Verify(c.Token, VerifyOptions{Now: opts.Now}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("no issuer: %v", err)
	}
	if _, err := ver.VerifyJSON(c.Token, []byte(`{"now":1,"issuer":"x","requiredScope":["a"]}`)); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("unknown option: %v", err)
	}
	var target *TokenError
	_, err := ver.Verify(c.Token, VerifyOptions{Issuer: "https://elsewhere.example", Now: opts.Now})
	if !errors.As(err, &target) || target.Code != "INVALID_ISSUER" || target.Message == "" {
		t.Fatalf("errors.As: %v", err)
	}
	if err.Error() == "" || !errors.Is(fmt.Errorf("wrapped: %w", err), ErrInvalidIssuer) {
		t.Fatal("wrapping")
	}
	// Now defaults to the clock: the vector tokens are long expired or not yet valid by now, or still valid.
	if _, err := ver.Verify(c.Token, VerifyOptions{Issuer: opts.Issuer, AnyAudience: true}); err != nil &&
		!errors.Is(err, ErrExpired) && !errors.Is(err, ErrNotYetValid) && !errors.Is(err, ErrIssuedInFuture) {
		t.Fatalf("clock default: %v", err)
	}
}

func TestHelpers(t *testing.T) {
	if Version() == "" {
		t.Fatal("no version")
	}
	// RFC 7638 §3.1.
	jwk := `{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`
	tp, err := Thumbprint([]byte(jwk))
	if err != nil || tp != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Fatalf("thumbprint %q %v", tp, err)
	}
	ver, c, _ := firstValid(t)
	ver.Close()
	u, err := DecodeUnverified(c.Token)
	if err != nil || u.Verified || u.Payload["jti"] == nil || u.Header["alg"] == nil {
		t.Fatalf("decode: %+v %v", u, err)
	}
	if _, err := DecodeUnverified("not a token"); !errors.Is(err, ErrMalformedToken) {
		t.Fatalf("decode garbage: %v", err)
	}
}

func TestOptionsJSON(t *testing.T) {
	depth := 2
	o := VerifyOptions{Issuer: "iss \"q\" \\ \n\x01 é", AnyAudience: true, RequiredScopes: []string{"a", "b"},
		ClockTolerance: 30 * time.Second, Now: time.Unix(5, 0), MaxDelegationDepth: &depth,
		Algorithms: []string{"RS256", "ES256"}, MaxTokenBytes: 100, Audience: []string{}}
	got, err := o.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(map[string]any{"now": 5, "issuer": o.Issuer, "anyAudience": true,
		"requiredScopes": o.RequiredScopes, "clockTolerance": 30, "maxDelegationDepth": 2,
		"algorithms": o.Algorithms, "maxTokenBytes": 100, "audience": []string{}})
	if !reflect.DeepEqual(generic(t, got), generic(t, want)) {
		t.Fatalf("options JSON\n got  %s\n want %s", got, want)
	}
	got, _ = VerifyOptions{Now: time.Unix(7, 0), AnyIssuer: true, JwksURI: "u", IssuerDID: "d"}.MarshalJSON()
	if string(got) != `{"now":7,"anyIssuer":true,"jwksUri":"u","issuerDid":"d"}` {
		t.Fatalf("options JSON %s", got)
	}
}
