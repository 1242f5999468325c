package grantex

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// expectation is a vector's `expect`: {"error": CODE} or members the verified value must carry.
type expectation map[string]json.RawMessage

func (e expectation) errorCode(t testing.TB) string {
	raw, ok := e["error"]
	if !ok {
		return ""
	}
	var code string
	if err := json.Unmarshal(raw, &code); err != nil {
		t.Fatal(err)
	}
	return code
}

// checkExpect compares a result with an expectation. value is the verified value as JSON (the raw answer
// value, or a typed result marshalled back), nil on error.
func checkExpect(t *testing.T, route string, want expectation, value []byte, err error) {
	t.Helper()
	if code := want.errorCode(t); code != "" {
		var gerr *Error
		if !errors.As(err, &gerr) || gerr.Code != code {
			t.Fatalf("%s: expected %s, got %v", route, code, err)
		}
		if s := sentinelFor(code); s == nil || !errors.Is(err, s) {
			t.Fatalf("%s: errors.Is(err, sentinel %s) is false", route, code)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: expected success, got %v", route, err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(value, &got); err != nil {
		t.Fatalf("%s: value is not an object: %s", route, value)
	}
	for key, w := range want {
		g, ok := got[key]
		if !ok {
			g = json.RawMessage("null")
		}
		if !reflect.DeepEqual(generic(t, g), generic(t, w)) {
			t.Fatalf("%s: %s differs:\n got  %s\n want %s", route, key, g, w)
		}
	}
}

func loadDoc(t testing.TB, name string, into any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatal(err)
	}
}

// --- SD-JWT -----------------------------------------------------------------------------------------------

type sdJWTCase struct {
	Name         string          `json:"name"`
	Presentation string          `json:"presentation"`
	JWKS         string          `json:"jwks"`
	Now          int64           `json:"now"`
	Options      json.RawMessage `json:"options"`
	Expect       expectation     `json:"expect"`
}

// typedSDJWTOptions maps a vector's options to SDJWTOptions; every member the vectors use is expressible.
func typedSDJWTOptions(t testing.TB, raw json.RawMessage, now int64) SDJWTOptions {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	opts := SDJWTOptions{Now: time.Unix(now, 0)}
	must := func(data json.RawMessage, into any) {
		if err := json.Unmarshal(data, into); err != nil {
			t.Fatal(err)
		}
	}
	seconds := func(data json.RawMessage) time.Duration {
		var s int64
		must(data, &s)
		return time.Duration(s) * time.Second
	}
	for k, v := range m {
		switch k {
		case "issuer":
			must(v, &opts.Issuer)
		case "anyIssuer":
			must(v, &opts.AnyIssuer)
		case "leeway", "clockTolerance":
			opts.ClockTolerance = seconds(v)
		case "algorithms":
			must(v, &opts.Algorithms)
		case "types":
			must(v, &opts.Types)
		case "requireExp":
			var b bool
			must(v, &b)
			opts.RequireExp = &b
		case "keyBinding":
			opts.KeyBinding = &KeyBinding{}
			must(v, opts.KeyBinding)
		case "kbAlgorithms":
			must(v, &opts.KBAlgorithms)
		case "kbMaxAge":
			opts.KBMaxAge = seconds(v)
		case "maxPresentationBytes":
			must(v, &opts.MaxPresentationBytes)
		case "maxDisclosures":
			must(v, &opts.MaxDisclosures)
		default:
			t.Fatalf("option %q has no SDJWTOptions field", k)
		}
	}
	return opts
}

func TestSDJWTVectors(t *testing.T) {
	var doc struct {
		KeySets map[string]json.RawMessage `json:"keySets"`
		Cases   []sdJWTCase                `json:"cases"`
	}
	loadDoc(t, "sdjwt.json", &doc)
	if len(doc.Cases) == 0 {
		t.Fatal("no SD-JWT cases")
	}
	verifiers := map[string]*Verifier{}
	for name, jwks := range doc.KeySets {
		ver, err := NewVerifier(jwks)
		if err != nil {
			t.Fatalf("key set %s: %v", name, err)
		}
		defer ver.Close()
		verifiers[name] = ver
	}
	var run atomic.Int64
	for i := range doc.Cases {
		c := &doc.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			ver := verifiers[c.JWKS]
			if ver == nil {
				t.Fatalf("no key set %q", c.JWKS)
			}
			// 1. The core's JSON options (the case's options plus its now), raw answer value.
			var options map[string]json.RawMessage
			if err := json.Unmarshal(c.Options, &options); err != nil {
				t.Fatal(err)
			}
			options["now"] = json.RawMessage(fmt.Sprint(c.Now))
			optionsJSON, _ := json.Marshal(options)
			raw, err := ver.verifySDJWTRaw(c.Presentation, optionsJSON)
			checkExpect(t, "raw", c.Expect, raw, err)
			// 2. Idiomatic SDJWTOptions and the typed result, marshalled back.
			verified, err := ver.VerifySDJWT(c.Presentation, typedSDJWTOptions(t, c.Options, c.Now))
			var typed []byte
			if err == nil {
				typed, _ = json.Marshal(verified)
				if verified.HashAlg == "" || verified.Header.Alg == "" {
					t.Fatalf("typed result lacks hashAlg/header: %s", typed)
				}
			} else if verified != nil {
				t.Fatal("a result together with an error")
			}
			checkExpect(t, "VerifySDJWT", c.Expect, typed, err)
			run.Add(1)
		})
	}
	fmt.Printf("sd-jwt vectors: %d cases via the raw JSON options and via VerifySDJWT(SDJWTOptions)\n", run.Load())
}

func TestPresentSDJWT(t *testing.T) {
	var upstream struct {
		SDJWT struct {
			Full                   string `json:"full"`
			PresentationScopesOnly string `json:"presentationScopesOnly"`
		} `json:"sdJwt"`
		JWKS json.RawMessage `json:"jwks"`
	}
	loadDoc(t, filepath.Join("upstream", "grant-tokens.json"), &upstream)
	p, err := PresentSDJWT(upstream.SDJWT.Full, "credentialSubject.scopes")
	if err != nil || p != upstream.SDJWT.PresentationScopesOnly {
		t.Fatalf("PresentSDJWT: %q %v", p, err)
	}
	p, err = PresentSDJWTPaths(upstream.SDJWT.Full, [][]string{{"credentialSubject", "scopes"}})
	if err != nil || p != upstream.SDJWT.PresentationScopesOnly {
		t.Fatalf("PresentSDJWTPaths: %q %v", p, err)
	}
	// Nothing disclosed, then verified: the scopes are gone.
	p, err = PresentSDJWT(upstream.SDJWT.Full)
	if err != nil || !strings.HasSuffix(p, "~") {
		t.Fatalf("PresentSDJWT without paths: %q %v", p, err)
	}
	ver, err := NewVerifier(upstream.JWKS)
	if err != nil {
		t.Fatal(err)
	}
	defer ver.Close()
	verified, err := ver.VerifySDJWT(p, SDJWTOptions{Issuer: "did:web:grantex.dev", Now: time.Unix(1767225660, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, has := verified.DisclosedClaims["scopes"]; has || verified.KeyBound || verified.HashAlg != "sha-256" {
		t.Fatalf("undisclosed presentation: %+v", verified)
	}
	if _, err := PresentSDJWT("not an sd-jwt", "a"); err == nil {
		t.Fatal("PresentSDJWT on garbage succeeded")
	}
	// Key binding required but absent; options fail closed; NUL bytes are rejected.
	_, err = ver.VerifySDJWT(p, SDJWTOptions{Issuer: "did:web:grantex.dev", Now: time.Unix(1767225660, 0),
		KeyBinding: &KeyBinding{Nonce: "n", Audience: "https://verifier.example"}})
	if !errors.Is(err, ErrKeyBindingRequired) {
		t.Fatalf("expected ErrKeyBindingRequired, got %v", err)
	}
	if _, err := ver.VerifySDJWT(p, SDJWTOptions{}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("no issuer: %v", err)
	}
	if _, err := ver.VerifySDJWTJSON(p, []byte(`{"now":1,"anyIssuer":true,"keybinding":{}}`)); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("unknown option: %v", err)
	}
	if _, err := ver.VerifySDJWT(p+"\x00", SDJWTOptions{AnyIssuer: true}); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("NUL byte: %v", err)
	}
}

// --- VC-JWT -----------------------------------------------------------------------------------------------

type vcCase struct {
	Name        string                     `json:"name"`
	Kind        string                     `json:"kind"`
	Token       string                     `json:"token"`
	JWKS        string                     `json:"jwks"`
	Options     json.RawMessage            `json:"options"`
	StatusLists map[string]json.RawMessage `json:"statusLists"`
	Expect      expectation                `json:"expect"`
}

func typedCredentialOptions(t testing.TB, c *vcCase) CredentialOptions {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(c.Options, &m); err != nil {
		t.Fatal(err)
	}
	var opts CredentialOptions
	must := func(data json.RawMessage, into any) {
		if err := json.Unmarshal(data, into); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range m {
		switch k {
		case "now":
			var now int64
			must(v, &now)
			opts.Now = time.Unix(now, 0)
		case "trustedIssuers":
			must(v, &opts.TrustedIssuers)
		case "expectedTypes":
			must(v, &opts.ExpectedTypes)
		case "algorithms":
			must(v, &opts.Algorithms)
		case "leeway", "clockTolerance":
			var s int64
			must(v, &s)
			opts.ClockTolerance = time.Duration(s) * time.Second
		case "statusRequired":
			var b bool
			must(v, &b)
			opts.StatusRequired = &b
		case "statusUrlPrefix":
			must(v, &opts.StatusURLPrefix)
		case "requireExpiry":
			var b bool
			must(v, &b)
			opts.RequireExpiry = &b
		default:
			t.Fatalf("option %q has no CredentialOptions field", k)
		}
	}
	if c.StatusLists != nil {
		opts.StatusLists = map[string]StatusList{}
		for url, raw := range c.StatusLists {
			var encoded string
			must(raw, &encoded)
			opts.StatusLists[url] = EncodedList(encoded)
		}
	}
	return opts
}

func TestCredentialVectors(t *testing.T) {
	var doc struct {
		KeySets map[string]json.RawMessage `json:"keySets"`
		Cases   []vcCase                   `json:"cases"`
	}
	loadDoc(t, "vc.json", &doc)
	var run, signed atomic.Int64
	for i := range doc.Cases {
		c := &doc.Cases[i]
		switch c.Kind {
		case "credential":
		case "statusListCredential", "statusListToken":
			signed.Add(1) // TestSignedStatusListVectors
			continue
		default:
			t.Fatalf("%s: unknown kind %q", c.Name, c.Kind)
		}
		t.Run(c.Name, func(t *testing.T) {
			jwks, ok := doc.KeySets[c.JWKS]
			if !ok {
				t.Fatalf("no key set %q", c.JWKS)
			}
			// 1. The core's JSON options and lists verbatim, raw answer value.
			var lists any
			if c.StatusLists != nil {
				lists = c.StatusLists
			}
			raw, err := verifyCredentialRaw(jwks, c.Token, c.Options, lists)
			checkExpect(t, "raw", c.Expect, raw, err)
			// 2. Idiomatic CredentialOptions and the typed result, marshalled back.
			vc, err := VerifyCredential(jwks, c.Token, typedCredentialOptions(t, c))
			var typed []byte
			if err == nil {
				typed, _ = json.Marshal(vc)
				if len(vc.Types) == 0 || vc.Payload == nil {
					t.Fatalf("typed result lacks types/payload: %s", typed)
				}
			} else if vc != nil {
				t.Fatal("a result together with an error")
			}
			checkExpect(t, "VerifyCredential", c.Expect, typed, err)
			run.Add(1)
		})
	}
	if run.Load() == 0 {
		t.Fatal("no credential cases")
	}
	fmt.Printf("vc vectors: %d credential cases via raw JSON and via VerifyCredential(CredentialOptions) "+
		"(and %d signed status-list cases in TestSignedStatusListVectors)\n", run.Load(), signed.Load())
	if _, err := VerifyCredential([]byte("{not json"), "a.b.c", CredentialOptions{}); !errors.Is(err, ErrInvalidJWKS) {
		t.Fatalf("JWKS not JSON: %v", err)
	}
	if _, err := VerifyCredential([]byte(`{"keys":[]}`), "a.b.c", CredentialOptions{}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("no trusted issuers: %v", err)
	}
}

func TestStatusListGet(t *testing.T) {
	bit42 := EncodedList("H4sIAAAAAAAAA-3BMQEAAAzDoEiZf5WT0Qeo6gIAAAAAAAAAAAAAAAAAAACGHjOa7TAAQAAA")
	for index, want := range map[uint64]int{42: 1, 41: 0, 43: 0, 0: 0} {
		got, err := StatusListGet(bit42, index)
		if err != nil || got != want {
			t.Fatalf("index %d: %d %v (want %d)", index, got, err, want)
		}
	}
	if _, err := StatusListGet(bit42, 1<<40); !errors.Is(err, ErrInvalidStatusList) {
		t.Fatalf("index outside the list: %v", err)
	}
	if _, err := StatusListGet(EncodedList("not base64!"), 1); !errors.Is(err, ErrInvalidStatusList) {
		t.Fatalf("broken list: %v", err)
	}
	// The same list as {"encodedList","statusSize":1}.
	got, err := StatusListGet(StatusList{EncodedList: bit42.EncodedList, StatusSize: 1}, 42)
	if err != nil || got != 1 {
		t.Fatalf("statusSize 1: %d %v", got, err)
	}
	for _, l := range []StatusList{bit42, {EncodedList: "x", StatusSize: 2}, {Bits: 2, Lst: "eNo"}} {
		data, _ := json.Marshal(l)
		want := map[bool]string{true: `"H4sI`, false: `{`}[l.StatusSize == 0 && l.Lst == ""]
		if !strings.HasPrefix(string(data), want) {
			t.Fatalf("StatusList JSON %s", data)
		}
	}
}

// TestSignedStatusListVectors runs the statusListCredential and statusListToken cases of vc.json as
// core/tests/json_api.rs does: verified, then the entries named by `expect` read from the verified list.
func TestSignedStatusListVectors(t *testing.T) {
	var doc struct {
		KeySets map[string]json.RawMessage `json:"keySets"`
		Cases   []vcCase                   `json:"cases"`
	}
	loadDoc(t, "vc.json", &doc)
	var run atomic.Int64
	for i := range doc.Cases {
		c := &doc.Cases[i]
		if c.Kind != "statusListCredential" && c.Kind != "statusListToken" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			jwks, ok := doc.KeySets[c.JWKS]
			if !ok {
				t.Fatalf("no key set %q", c.JWKS)
			}
			var options struct {
				Now            int64    `json:"now"`
				TrustedIssuers []string `json:"trustedIssuers"`
				ExpectedID     string   `json:"expectedId"`
			}
			if err := json.Unmarshal(c.Options, &options); err != nil {
				t.Fatal(err)
			}
			var expect struct {
				Set      []uint64       `json:"set"`
				Clear    []uint64       `json:"clear"`
				Purposes []string       `json:"purposes"`
				Subject  string         `json:"subject"`
				Statuses map[string]int `json:"statuses"`
			}
			raw, _ := json.Marshal(c.Expect)
			if err := json.Unmarshal(raw, &expect); err != nil {
				t.Fatal(err)
			}
			now := time.Unix(options.Now, 0)
			var list StatusList
			var err error
			if c.Kind == "statusListCredential" {
				var verified *VerifiedStatusList
				verified, err = VerifyStatusListCredential(jwks, c.Token, StatusListCredentialOptions{
					TrustedIssuers: options.TrustedIssuers, Now: now, ExpectedID: options.ExpectedID})
				if err == nil {
					if !reflect.DeepEqual(verified.Purposes, expect.Purposes) || verified.Size == 0 {
						t.Fatalf("purposes %v (want %v), size %d", verified.Purposes, expect.Purposes, verified.Size)
					}
					list = verified.List()
				} else if verified != nil {
					t.Fatal("a list together with an error")
				}
			} else {
				var verified *VerifiedStatusListToken
				verified, err = VerifyStatusListToken(jwks, c.Token, now)
				if err == nil {
					if verified.Subject != expect.Subject || verified.IssuedAt == 0 || verified.StatusList.Lst == "" {
						t.Fatalf("token %+v (want subject %s)", verified, expect.Subject)
					}
					list = verified.StatusList
				} else if verified != nil {
					t.Fatal("a token together with an error")
				}
			}
			run.Add(1)
			if code := c.Expect.errorCode(t); code != "" {
				checkExpect(t, c.Kind, c.Expect, nil, err)
				return
			}
			if err != nil {
				t.Fatalf("expected success, got %v", err)
			}
			want := map[uint64]int{}
			for _, i := range expect.Set {
				want[i] = 1
			}
			for _, i := range expect.Clear {
				want[i] = 0
			}
			for key, status := range expect.Statuses {
				var i uint64
				if _, err := fmt.Sscan(key, &i); err != nil {
					t.Fatal(err)
				}
				want[i] = status
			}
			if len(want) == 0 {
				t.Fatal("no entries to check")
			}
			for i, status := range want {
				if got, err := StatusListGet(list, i); err != nil || got != status {
					t.Fatalf("index %d: %d %v (want %d)", i, got, err, status)
				}
			}
		})
	}
	if run.Load() == 0 {
		t.Fatal("no signed status-list cases")
	}
	fmt.Printf("vc vectors: %d signed status-list cases via VerifyStatusListCredential / VerifyStatusListToken\n",
		run.Load())
	if _, err := VerifyStatusListCredential([]byte("{not json"), "a.b.c", StatusListCredentialOptions{}); !errors.Is(err, ErrInvalidJWKS) {
		t.Fatalf("JWKS not JSON: %v", err)
	}
	if _, err := VerifyStatusListToken([]byte(`{"keys":[]}`), "a.b.c", time.Time{}); !errors.Is(err, ErrMalformedToken) {
		t.Fatalf("garbage token: %v", err)
	}
	// StatusList reads back what it writes.
	for _, l := range []StatusList{EncodedList("abc"), {EncodedList: "abc", StatusSize: 2}, {Bits: 2, Lst: "eNo"}} {
		data, _ := json.Marshal(l)
		var back StatusList
		if err := json.Unmarshal(data, &back); err != nil || back != l {
			t.Fatalf("%s: %+v %v", data, back, err)
		}
	}
	var bad StatusList
	if err := json.Unmarshal([]byte(`{"x":1}`), &bad); err == nil {
		t.Fatal("a list without members decoded")
	}
}
