package grantex

/*
#include <stdlib.h>
#include "grantex.h"
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"time"
)

// --- SD-JWT -----------------------------------------------------------------------------------------------

// SDJWTOptions configures VerifySDJWT. Give an Issuer (or AnyIssuer to opt out explicitly); the core fails
// closed with ErrInvalidOptions otherwise.
type SDJWTOptions struct {
	// Issuer is the expected iss claim of the issuer JWT.
	Issuer string
	// AnyIssuer accepts any issuer (explicit opt-out; do not combine with Issuer).
	AnyIssuer bool
	// ClockTolerance is the allowed clock skew for exp, nbf, iat and the KB-JWT iat, in whole seconds.
	ClockTolerance time.Duration
	// Now is the verification time; the zero value means time.Now().
	Now time.Time
	// Algorithms lists the accepted issuer-JWT algorithms; nil means ["RS256"].
	Algorithms []string
	// Types lists the accepted issuer-JWT typ values; nil means ["dc+sd-jwt", "vc+sd-jwt"].
	Types []string
	// RequireExp requires an exp claim; nil means true.
	RequireExp *bool
	// KeyBinding, when set, requires a key-binding JWT carrying this nonce and audience. When nil a KB-JWT is
	// optional (verified when present).
	KeyBinding *KeyBinding
	// KBAlgorithms lists the accepted KB-JWT algorithms; nil means ["ES256", "EdDSA", "RS256", "PS256"].
	KBAlgorithms []string
	// KBMaxAge is the largest accepted KB-JWT age, in whole seconds; 0 means 300 s.
	KBMaxAge time.Duration
	// MaxPresentationBytes limits the presentation size; 0 means 64 KiB.
	MaxPresentationBytes int
	// MaxDisclosures limits the number of disclosures; 0 means 256.
	MaxDisclosures int
}

// KeyBinding is the key binding a verifier requires: its nonce and its identifier (the KB-JWT aud).
type KeyBinding struct {
	Nonce    string `json:"nonce"`
	Audience string `json:"audience"`
}

type sdJWTOptionsJSON struct {
	Now                  int64       `json:"now"`
	Issuer               string      `json:"issuer,omitempty"`
	AnyIssuer            bool        `json:"anyIssuer,omitempty"`
	ClockTolerance       int64       `json:"clockTolerance,omitempty"`
	Algorithms           *[]string   `json:"algorithms,omitempty"`
	Types                *[]string   `json:"types,omitempty"`
	RequireExp           *bool       `json:"requireExp,omitempty"`
	KeyBinding           *KeyBinding `json:"keyBinding,omitempty"`
	KBAlgorithms         *[]string   `json:"kbAlgorithms,omitempty"`
	KBMaxAge             int64       `json:"kbMaxAge,omitempty"`
	MaxPresentationBytes int         `json:"maxPresentationBytes,omitempty"`
	MaxDisclosures       int         `json:"maxDisclosures,omitempty"`
}

func optionalList(list []string) *[]string {
	if list == nil {
		return nil
	}
	return &list
}

func unixNow(t time.Time) int64 {
	if t.IsZero() {
		t = time.Now()
	}
	return t.Unix()
}

// MarshalJSON renders the options as the core's SD-JWT options object (the form VerifySDJWTJSON takes), with
// Now resolved to the current time when zero.
func (o SDJWTOptions) MarshalJSON() ([]byte, error) {
	return json.Marshal(sdJWTOptionsJSON{
		Now:                  unixNow(o.Now),
		Issuer:               o.Issuer,
		AnyIssuer:            o.AnyIssuer,
		ClockTolerance:       int64(o.ClockTolerance / time.Second),
		Algorithms:           optionalList(o.Algorithms),
		Types:                optionalList(o.Types),
		RequireExp:           o.RequireExp,
		KeyBinding:           o.KeyBinding,
		KBAlgorithms:         optionalList(o.KBAlgorithms),
		KBMaxAge:             int64(o.KBMaxAge / time.Second),
		MaxPresentationBytes: o.MaxPresentationBytes,
		MaxDisclosures:       o.MaxDisclosures,
	})
}

// VerifiedSDJWT is a verified SD-JWT presentation: the issuer JWT's payload with the presented disclosures
// put in place and every undisclosed digest removed.
type VerifiedSDJWT struct {
	// Header holds the issuer JWT's alg, kid and typ.
	Header SDJWTHeader `json:"header"`
	// Claims is the processed payload (JSON numbers are float64).
	Claims map[string]any `json:"claims"`
	// DisclosedClaims is the processed vc.credentialSubject (upstream's disclosedClaims) for the vc+sd-jwt
	// profile; nil otherwise.
	DisclosedClaims map[string]any `json:"disclosedClaims,omitempty"`
	// HashAlg is the credential's _sd_alg ("sha-256", "sha-384" or "sha-512").
	HashAlg string `json:"hashAlg"`
	// KeyBound is true when a KB-JWT was present and verified.
	KeyBound bool `json:"keyBound"`
	// KeyBinding holds the verified KB-JWT's nonce, aud and iat; nil without a KB-JWT.
	KeyBinding *KeyBindingClaims `json:"keyBinding,omitempty"`
}

// SDJWTHeader is the protected header of an SD-JWT's issuer JWT.
type SDJWTHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid,omitempty"`
	Typ string `json:"typ,omitempty"`
}

// KeyBindingClaims are the checked claims of a key-binding JWT.
type KeyBindingClaims struct {
	Nonce    string `json:"nonce"`
	Audience string `json:"audience"`
	IssuedAt int64  `json:"issuedAt"`
}

// VerifySDJWT verifies an SD-JWT presentation (RFC 9901, PROTOCOL.md §10.9: issuer JWT signature with the
// Verifier's keys, disclosures, key binding) and returns its processed claims. Errors are *Error values
// (ErrInvalidDisclosure, ErrKeyBindingRequired, ErrInvalidKeyBinding, ErrExpired, …).
func (v *Verifier) VerifySDJWT(presentation string, opts SDJWTOptions) (*VerifiedSDJWT, error) {
	optionsJSON, err := opts.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return v.VerifySDJWTJSON(presentation, optionsJSON)
}

// VerifySDJWTJSON is VerifySDJWT with the options given as the core's JSON object (SdJwtVerifyOptionsJson:
// "now" in Unix seconds is required; unknown members are rejected with ErrInvalidOptions).
func (v *Verifier) VerifySDJWTJSON(presentation string, optionsJSON []byte) (*VerifiedSDJWT, error) {
	value, err := v.verifySDJWTRaw(presentation, optionsJSON)
	if err != nil {
		return nil, err
	}
	var verified VerifiedSDJWT
	if err := json.Unmarshal(value, &verified); err != nil {
		return nil, &Error{Code: ErrInternal.Code, Message: "cannot decode the verified SD-JWT: " + err.Error()}
	}
	return &verified, nil
}

func (v *Verifier) verifySDJWTRaw(presentation string, optionsJSON []byte) (json.RawMessage, error) {
	args, err := packArgs(presentation, "presentation", optionsJSON, "options")
	if err != nil {
		return nil, err
	}

	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.ptr == nil {
		return nil, &Error{Code: ErrInvalidInput.Code, Message: "the Verifier is closed"}
	}
	var answer *C.char
	status := C.grantex_verifier_verify_sd_jwt(v.ptr, args.first(), args.second(), &answer)
	runtime.KeepAlive(v)
	runtime.KeepAlive(args.buf)
	return decodeAnswer(takeString(answer), int32(status))
}

// PresentSDJWT builds a holder presentation (without key binding) of an issued SD-JWT that discloses the
// claims at the given dotted paths (e.g. "credentialSubject.scopes"; an array element is its decimal index)
// and every disclosure they depend on. Use PresentSDJWTPaths for names that contain dots.
func PresentSDJWT(sdJWT string, disclose ...string) (string, error) {
	if disclose == nil {
		disclose = []string{}
	}
	return present(sdJWT, disclose)
}

// PresentSDJWTPaths is PresentSDJWT with each path given as explicit segments.
func PresentSDJWTPaths(sdJWT string, disclose [][]string) (string, error) {
	if disclose == nil {
		disclose = [][]string{}
	}
	return present(sdJWT, disclose)
}

func present(sdJWT string, disclose any) (string, error) {
	request, err := json.Marshal(map[string]any{"sdJwt": sdJWT, "disclose": disclose})
	if err != nil {
		return "", &Error{Code: ErrInvalidInput.Code, Message: err.Error()}
	}
	value, err := callJSON(string(request), "request", func(s *C.char) *C.char { return C.grantex_present_sd_jwt_json(s) })
	if err != nil {
		return "", err
	}
	var presentation string
	if err := json.Unmarshal(value, &presentation); err != nil {
		return "", &Error{Code: ErrInternal.Code, Message: err.Error()}
	}
	return presentation, nil
}

// --- VC-JWT and status lists ------------------------------------------------------------------------------

// StatusList is a status list whose origin the caller has already verified: a W3C bitstring (EncodedList,
// with StatusSize bits per entry, 0 meaning 1) or an IETF token status list (Bits per entry and Lst).
type StatusList struct {
	// EncodedList is the W3C encodedList (base64url, or multibase "u…", of a GZIP bitstring).
	EncodedList string
	// StatusSize is the W3C bits per entry; 0 means 1.
	StatusSize int
	// Bits is the IETF bits per entry (1, 2, 4 or 8); used with Lst.
	Bits int
	// Lst is the IETF base64url ZLIB list; when set, EncodedList is ignored.
	Lst string
}

// EncodedList is the StatusList of a W3C encodedList with one bit per entry.
func EncodedList(encodedList string) StatusList { return StatusList{EncodedList: encodedList} }

// MarshalJSON renders the list as the core expects it: a bare encodedList string, {"encodedList",
// "statusSize"} or {"bits","lst"}.
func (l StatusList) MarshalJSON() ([]byte, error) {
	switch {
	case l.Lst != "":
		return json.Marshal(struct {
			Bits int    `json:"bits"`
			Lst  string `json:"lst"`
		}{l.Bits, l.Lst})
	case l.StatusSize != 0:
		return json.Marshal(struct {
			EncodedList string `json:"encodedList"`
			StatusSize  int    `json:"statusSize"`
		}{l.EncodedList, l.StatusSize})
	default:
		return json.Marshal(l.EncodedList)
	}
}

// UnmarshalJSON reads the three forms MarshalJSON writes (as the core's answers carry them).
func (l *StatusList) UnmarshalJSON(data []byte) error {
	var encoded string
	if json.Unmarshal(data, &encoded) == nil {
		*l = StatusList{EncodedList: encoded}
		return nil
	}
	var forms struct {
		EncodedList *string `json:"encodedList"`
		StatusSize  int     `json:"statusSize"`
		Bits        int     `json:"bits"`
		Lst         *string `json:"lst"`
	}
	if err := json.Unmarshal(data, &forms); err != nil {
		return err
	}
	switch {
	case forms.Lst != nil:
		*l = StatusList{Bits: forms.Bits, Lst: *forms.Lst}
	case forms.EncodedList != nil:
		*l = StatusList{EncodedList: *forms.EncodedList, StatusSize: forms.StatusSize}
	default:
		return &Error{Code: ErrInvalidStatusList.Code, Message: "a status list is an encodedList string, " +
			"{\"encodedList\",\"statusSize\"} or {\"bits\",\"lst\"}"}
	}
	return nil
}

// CredentialOptions configures VerifyCredential. TrustedIssuers is required (ErrInvalidOptions otherwise).
type CredentialOptions struct {
	// TrustedIssuers lists the issuer DIDs whose credentials are accepted (required, non-empty).
	TrustedIssuers []string
	// ExpectedTypes lists the accepted credential types; nil means the three Grantex types.
	ExpectedTypes []string
	// Algorithms lists the accepted algorithms; nil means ["RS256"].
	Algorithms []string
	// ClockTolerance is the allowed clock skew, in whole seconds.
	ClockTolerance time.Duration
	// Now is the verification time; the zero value means time.Now().
	Now time.Time
	// StatusRequired fails a credential whose status list is not in StatusLists; nil means true.
	StatusRequired *bool
	// StatusURLPrefix, when set, is the required prefix of every statusListCredential URL.
	StatusURLPrefix string
	// RequireExpiry requires an expiry; nil means true.
	RequireExpiry *bool
	// StatusLists maps statusListCredential URLs to lists the caller fetched and verified.
	StatusLists map[string]StatusList
}

type credentialOptionsJSON struct {
	Now             int64     `json:"now"`
	TrustedIssuers  []string  `json:"trustedIssuers"`
	ExpectedTypes   *[]string `json:"expectedTypes,omitempty"`
	Algorithms      *[]string `json:"algorithms,omitempty"`
	ClockTolerance  int64     `json:"clockTolerance,omitempty"`
	StatusRequired  *bool     `json:"statusRequired,omitempty"`
	StatusURLPrefix *string   `json:"statusUrlPrefix,omitempty"`
	RequireExpiry   *bool     `json:"requireExpiry,omitempty"`
}

func (o CredentialOptions) toJSON() credentialOptionsJSON {
	j := credentialOptionsJSON{
		Now:            unixNow(o.Now),
		TrustedIssuers: o.TrustedIssuers,
		ExpectedTypes:  optionalList(o.ExpectedTypes),
		Algorithms:     optionalList(o.Algorithms),
		ClockTolerance: int64(o.ClockTolerance / time.Second),
		StatusRequired: o.StatusRequired,
		RequireExpiry:  o.RequireExpiry,
	}
	if j.TrustedIssuers == nil {
		j.TrustedIssuers = []string{}
	}
	if o.StatusURLPrefix != "" {
		j.StatusURLPrefix = &o.StatusURLPrefix
	}
	return j
}

// VerifiedCredential is a verified VC-JWT (PROTOCOL.md §10.9).
type VerifiedCredential struct {
	// ID is jti, else vc.id.
	ID string `json:"id"`
	// Issuer is iss, a trusted issuer DID.
	Issuer string `json:"issuer"`
	// SubjectID is sub, else credentialSubject.id.
	SubjectID string `json:"subjectId"`
	// Subject is vc.credentialSubject, verbatim (JSON numbers are float64).
	Subject map[string]any `json:"subject"`
	// Types is vc.type, in order.
	Types []string `json:"types"`
	// CredentialType is the first expected type after VerifiableCredential, e.g. "AgentGrantCredential".
	CredentialType string `json:"credentialType"`
	// DataModel is "1.1" or "2.0".
	DataModel string `json:"dataModel"`
	// IssuedAt is iat, else vc.validFrom / vc.issuanceDate (Unix seconds); nil when absent.
	IssuedAt *int64 `json:"issuedAt"`
	// ExpiresAt is the earliest of exp, vc.validUntil, vc.expirationDate (Unix seconds); nil when absent.
	ExpiresAt *int64 `json:"expiresAt"`
	// StatusEntries are the credentialStatus entries, in order.
	StatusEntries []CredentialStatusEntry `json:"statusEntries"`
	// Payload is the whole JWT payload.
	Payload map[string]any `json:"payload"`
}

// CredentialStatusEntry is one credentialStatus entry and whether it was checked.
type CredentialStatusEntry struct {
	StatusListCredential string `json:"statusListCredential"`
	StatusListIndex      uint64 `json:"statusListIndex"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusSize           int    `json:"statusSize"`
	// Checked is false for purposes that do not affect validity and for lists that were unavailable while
	// StatusRequired was off.
	Checked bool `json:"checked"`
}

// VerifyCredential verifies a VC-JWT against a JWKS document ({"keys":[…]}, parsed for this call) and the
// status lists in opts. Errors are *Error values (ErrUntrustedIssuer, ErrRevoked, ErrStatusUnavailable,
// ErrInvalidCredential, …).
func VerifyCredential(jwks []byte, vcJWT string, opts CredentialOptions) (*VerifiedCredential, error) {
	var lists any // omitted unless there are lists (a nil map would marshal as null)
	if len(opts.StatusLists) > 0 {
		lists = opts.StatusLists
	}
	value, err := verifyCredentialRaw(jwks, vcJWT, opts.toJSON(), lists)
	if err != nil {
		return nil, err
	}
	var vc VerifiedCredential
	if err := json.Unmarshal(value, &vc); err != nil {
		return nil, &Error{Code: ErrInternal.Code, Message: "cannot decode the verified credential: " + err.Error()}
	}
	return &vc, nil
}

func verifyCredentialRaw(jwks []byte, vcJWT string, options any, lists any) (json.RawMessage, error) {
	if !json.Valid(jwks) {
		return nil, &Error{Code: ErrInvalidJWKS.Code, Message: "the JWKS is not JSON"}
	}
	request, err := json.Marshal(struct {
		JWKS        json.RawMessage `json:"jwks"`
		Credential  string          `json:"credential"`
		Options     any             `json:"options"`
		StatusLists any             `json:"statusLists,omitempty"`
	}{jwks, vcJWT, options, lists})
	if err != nil {
		return nil, &Error{Code: ErrInvalidInput.Code, Message: err.Error()}
	}
	return callJSON(string(request), "request", func(s *C.char) *C.char { return C.grantex_verify_credential_json(s) })
}

// StatusListGet reads the status of entry index of a list (0 = not set). The caller decides what a non-zero
// status means for its purpose; an index outside the list fails with ErrInvalidStatusList.
func StatusListGet(list StatusList, index uint64) (int, error) {
	request, err := json.Marshal(struct {
		List  StatusList `json:"list"`
		Index uint64     `json:"index"`
	}{list, index})
	if err != nil {
		return 0, &Error{Code: ErrInvalidInput.Code, Message: err.Error()}
	}
	value, err := callJSON(string(request), "request", func(s *C.char) *C.char { return C.grantex_status_list_get_json(s) })
	if err != nil {
		return 0, err
	}
	var out struct {
		Status int `json:"status"`
	}
	if err := json.Unmarshal(value, &out); err != nil {
		return 0, &Error{Code: ErrInternal.Code, Message: err.Error()}
	}
	return out.Status, nil
}

// --- signed status lists ----------------------------------------------------------------------------------

// StatusListCredentialOptions configures VerifyStatusListCredential.
type StatusListCredentialOptions struct {
	// TrustedIssuers lists the issuer DIDs whose lists are accepted (required, non-empty).
	TrustedIssuers []string
	// Now is the verification time; the zero value means time.Now().
	Now time.Time
	// ExpectedID, when set, must equal the credential's id: pass the URL the list was fetched from (the
	// statusListCredential a credential names), so that a list cannot stand in for another.
	ExpectedID string
}

// VerifiedStatusList is the list of a verified W3C status-list credential (StatusList2021Credential or
// BitstringStatusListCredential).
type VerifiedStatusList struct {
	// EncodedList is the list as its credential carries it.
	EncodedList string `json:"encodedList"`
	// StatusSize is the number of bits per entry.
	StatusSize int `json:"statusSize"`
	// Purposes are the credential's statusPurpose values (e.g. "revocation").
	Purposes []string `json:"purposes"`
	// Size is the number of entries.
	Size uint64 `json:"size"`
}

// List is the verified list in the form StatusListGet and CredentialOptions.StatusLists take.
func (l *VerifiedStatusList) List() StatusList {
	return StatusList{EncodedList: l.EncodedList, StatusSize: l.StatusSize}
}

// VerifyStatusListCredential verifies a signed status-list credential (a VC-JWT) against a JWKS document
// ({"keys":[…]}, parsed for this call) and returns its list. Errors are *Error values (ErrUntrustedIssuer,
// ErrExpired, ErrInvalidCredential for a credential that is not a status list, ErrInvalidStatusList for a
// broken list or an id other than opts.ExpectedID, …).
func VerifyStatusListCredential(jwks []byte, credential string, opts StatusListCredentialOptions) (*VerifiedStatusList, error) {
	if !json.Valid(jwks) {
		return nil, &Error{Code: ErrInvalidJWKS.Code, Message: "the JWKS is not JSON"}
	}
	issuers := opts.TrustedIssuers
	if issuers == nil {
		issuers = []string{}
	}
	request, err := json.Marshal(struct {
		JWKS           json.RawMessage `json:"jwks"`
		Credential     string          `json:"credential"`
		Now            int64           `json:"now"`
		TrustedIssuers []string        `json:"trustedIssuers"`
		ExpectedID     string          `json:"expectedId,omitempty"`
	}{jwks, credential, unixNow(opts.Now), issuers, opts.ExpectedID})
	if err != nil {
		return nil, &Error{Code: ErrInvalidInput.Code, Message: err.Error()}
	}
	value, err := callJSON(string(request), "request", func(s *C.char) *C.char {
		return C.grantex_verify_status_list_credential_json(s)
	})
	if err != nil {
		return nil, err
	}
	var list VerifiedStatusList
	if err := json.Unmarshal(value, &list); err != nil {
		return nil, &Error{Code: ErrInternal.Code, Message: "cannot decode the status list: " + err.Error()}
	}
	return &list, nil
}

// VerifiedStatusListToken is a verified IETF status-list token (typ statuslist+jwt).
type VerifiedStatusListToken struct {
	// Subject is sub, the URI of the token.
	Subject string `json:"subject"`
	// IssuedAt is iat (Unix seconds).
	IssuedAt int64 `json:"issuedAt"`
	// ExpiresAt is exp (Unix seconds); nil when absent.
	ExpiresAt *int64 `json:"expiresAt"`
	// TTL is ttl, the longest the token may be cached, in seconds; nil when absent.
	TTL *uint64 `json:"ttl"`
	// StatusList is the list ({Bits, Lst}), in the form StatusListGet takes.
	StatusList StatusList `json:"statusList"`
}

// VerifyStatusListToken verifies a signed IETF status-list token against a JWKS document ({"keys":[…]},
// parsed for this call) at time now (zero means time.Now()). Errors are *Error values (ErrWrongTokenType for
// another kind of JWT, ErrExpired, ErrInvalidSignature, ErrInvalidStatusList, …).
func VerifyStatusListToken(jwks []byte, token string, now time.Time) (*VerifiedStatusListToken, error) {
	if !json.Valid(jwks) {
		return nil, &Error{Code: ErrInvalidJWKS.Code, Message: "the JWKS is not JSON"}
	}
	request, err := json.Marshal(struct {
		JWKS  json.RawMessage `json:"jwks"`
		Token string          `json:"token"`
		Now   int64           `json:"now"`
	}{jwks, token, unixNow(now)})
	if err != nil {
		return nil, &Error{Code: ErrInvalidInput.Code, Message: err.Error()}
	}
	value, err := callJSON(string(request), "request", func(s *C.char) *C.char {
		return C.grantex_verify_status_list_token_json(s)
	})
	if err != nil {
		return nil, err
	}
	var verified VerifiedStatusListToken
	if err := json.Unmarshal(value, &verified); err != nil {
		return nil, &Error{Code: ErrInternal.Code, Message: "cannot decode the status list token: " + err.Error()}
	}
	return &verified, nil
}
