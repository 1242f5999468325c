// Package bench compares grant-token verification through the grantex Go package (cgo over the Rust core)
// with github.com/golang-jwt/jwt/v5 on the same RS256 (2048-bit) token. Run it through scripts/bench-go,
// which also measures `openssl speed rsa2048` in the same run and prints the ratios.
//
// Every contender does the same job, with the key prepared beforehand (steady state):
//
//	ours        grantex.NewVerifier(jwks) once; verifier.Verify(token, {Issuer, Audience, RequiredScopes: [scope]})
//	golang-jwt  *rsa.PublicKey once; jwt.Parse(token, keyfunc, WithValidMethods([RS256]), WithIssuer,
//	            WithAudience, WithExpirationRequired, WithIssuedAt) + the scope check in Go
//
// The cgo benchmarks split our cost: a no-op cgo call, and VerifyJSON with the options marshalled once.
// Besides ns/op (wall time), the verification benchmarks report cpu-ns/op: the process's CPU time per
// operation, runtime and GC threads included, which a busy shared machine disturbs much less.
package bench

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	grantex "github.com/grantex/grantex-rs/packages/go"
)

const (
	issuer   = "https://bench.grantex.dev"
	audience = "https://api.bench.example"
	scope    = "calendar:read"
	kid      = "bench-RS256"
)

type fixture struct {
	token       string
	publicKey   *rsa.PublicKey
	verifier    *grantex.Verifier
	options     grantex.VerifyOptions
	optionsJSON []byte
}

var (
	setupOnce sync.Once
	fx        fixture
	setupErr  error
)

func setup(b *testing.B) *fixture {
	setupOnce.Do(func() { setupErr = build() })
	if setupErr != nil {
		b.Fatal(setupErr)
	}
	return &fx
}

func build() error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	now := time.Now().Unix()
	claims := jwt.MapClaims{
		"iss":  issuer,
		"aud":  audience,
		"sub":  "user_abc123",
		"jti":  "tok_01J0000000000000000000000T",
		"grnt": "grnt_01J0000000000000000000000G",
		"agt":  "did:grantex:ag_01J0000000000000000000000A",
		"dev":  "dev_01J0000000000000000000000D",
		"scp":  []string{"calendar:read", "payments:initiate:max_500"},
		"iat":  now - 60,
		"exp":  now + 86400,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = kid
	token, err := t.SignedString(key)
	if err != nil {
		return err
	}
	b64 := base64.RawURLEncoding.EncodeToString
	jwks, err := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
		"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
	}}})
	if err != nil {
		return err
	}
	verifier, err := grantex.NewVerifier(jwks)
	if err != nil {
		return err
	}
	options := grantex.VerifyOptions{
		Issuer:         issuer,
		Audience:       []string{audience},
		RequiredScopes: []string{scope},
		Algorithms:     []string{"RS256"},
	}
	fixed := options
	fixed.Now = time.Now()
	optionsJSON, err := fixed.MarshalJSON()
	if err != nil {
		return err
	}
	fx = fixture{token: token, publicKey: &key.PublicKey, verifier: verifier, options: options, optionsJSON: optionsJSON}
	// Same verdict everywhere before timing anything.
	ours, err := verifier.Verify(token, options)
	if err != nil {
		return err
	}
	theirs, err := golangJWT(&fx)
	if err != nil {
		return err
	}
	if ours.TokenID != theirs["jti"] || !slices.Contains(ours.Scopes, scope) {
		return errors.New("the contenders disagree")
	}
	wrong := options
	wrong.RequiredScopes = []string{"calendar:write"}
	if _, err := verifier.Verify(token, wrong); !errors.Is(err, grantex.ErrInsufficientScope) {
		return errors.New("ours accepts a missing scope")
	}
	return nil
}

var errScope = errors.New("insufficient scope")

// golangJWT is golang-jwt's full verification plus the scope check, as an application would write it.
func golangJWT(f *fixture) (jwt.MapClaims, error) {
	parsed, err := jwt.Parse(f.token, func(*jwt.Token) (any, error) { return f.publicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(issuer), jwt.WithAudience(audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		return nil, err
	}
	claims := parsed.Claims.(jwt.MapClaims)
	scopes, _ := claims["scp"].([]any)
	for _, s := range scopes {
		if s == scope {
			return claims, nil
		}
	}
	return nil, errScope
}

// processCPU is the CPU time of the whole process so far (every thread: GC workers included).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMetric starts measuring; the returned function reports CPU time per operation as "cpu-ns/op". Unlike
// ns/op (wall time), it does not grow when other processes take the CPU away, which makes it the steadier
// figure on a busy shared machine.
func cpuMetric(b *testing.B) func() {
	b.ResetTimer()
	start := processCPU()
	return func() {
		b.StopTimer()
		if b.N > 0 {
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func BenchmarkOurs(b *testing.B) {
	f := setup(b)
	b.ReportAllocs()
	defer cpuMetric(b)()
	for i := 0; i < b.N; i++ {
		if _, err := f.verifier.Verify(f.token, f.options); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGolangJWT(b *testing.B) {
	f := setup(b)
	b.ReportAllocs()
	defer cpuMetric(b)()
	for i := 0; i < b.N; i++ {
		if _, err := golangJWT(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOursVerifyJSON is ours with the options marshalled once (no per-call options JSON or clock read).
func BenchmarkOursVerifyJSON(b *testing.B) {
	f := setup(b)
	b.ReportAllocs()
	defer cpuMetric(b)()
	for i := 0; i < b.N; i++ {
		if _, err := f.verifier.VerifyJSON(f.token, f.optionsJSON); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCgoNoop is the bare cost of one Go → C call on this machine.
func BenchmarkCgoNoop(b *testing.B) {
	x := 0
	for i := 0; i < b.N; i++ {
		x = cgoNoop(x)
	}
	if x != b.N {
		b.Fatal("noop")
	}
}

// BenchmarkGoRSAVerify is Go's crypto/rsa PKCS#1 v1.5 verification alone on the same token (the floor under
// golang-jwt).
func BenchmarkGoRSAVerify(b *testing.B) {
	f := setup(b)
	dot := strings.LastIndexByte(f.token, '.')
	signature, err := base64.RawURLEncoding.DecodeString(f.token[dot+1:])
	if err != nil {
		b.Fatal(err)
	}
	defer cpuMetric(b)()
	for i := 0; i < b.N; i++ {
		digest := sha256.Sum256([]byte(f.token[:dot]))
		if err := rsa.VerifyPKCS1v15(f.publicKey, crypto.SHA256, digest[:], signature); err != nil {
			b.Fatal(err)
		}
	}
}
