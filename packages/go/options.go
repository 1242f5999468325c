package grantex

import (
	"encoding/json"
	"time"
)

// VerifyOptions configures Verify. The zero value is not usable: give an Issuer (or JwksURI / IssuerDID to
// derive it, or AnyIssuer to opt out explicitly); the core fails closed with ErrInvalidOptions otherwise.
type VerifyOptions struct {
	// Issuer is the expected iss claim.
	Issuer string
	// AnyIssuer accepts any issuer (explicit opt-out; do not combine with Issuer).
	AnyIssuer bool
	// JwksURI derives the expected issuer when Issuer is empty (PROTOCOL.md §4.2), as the upstream SDKs do.
	// Nothing is fetched: the keys are the Verifier's.
	JwksURI string
	// IssuerDID (did:web:…) derives the expected issuer when Issuer is empty.
	IssuerDID string
	// Audience lists the accepted audiences; the token's aud must contain one of them. When nil, a token
	// carrying aud is rejected unless AnyAudience is set. A non-nil empty list is an error.
	Audience []string
	// AnyAudience accepts any aud (explicit opt-out, the upstream SDKs' default).
	AnyAudience bool
	// RequiredScopes must all be granted (exact string match).
	RequiredScopes []string
	// ClockTolerance is the allowed clock skew, in whole seconds (fractions are dropped).
	ClockTolerance time.Duration
	// Now is the verification time; the zero value means time.Now().
	Now time.Time
	// MaxDelegationDepth, when set, rejects tokens with a deeper delegationDepth.
	MaxDelegationDepth *int
	// Algorithms lists the accepted JOSE algorithms; nil means ["RS256"]. A non-nil empty list is an error.
	Algorithms []string
	// MaxTokenBytes limits the token size; 0 means the library default (16 KiB).
	MaxTokenBytes int
}

// optionsJSON is the core's VerifyOptionsJson.
type optionsJSON struct {
	Now                int64     `json:"now"`
	Issuer             string    `json:"issuer,omitempty"`
	AnyIssuer          bool      `json:"anyIssuer,omitempty"`
	JwksURI            string    `json:"jwksUri,omitempty"`
	IssuerDID          string    `json:"issuerDid,omitempty"`
	Audience           *[]string `json:"audience,omitempty"`
	AnyAudience        bool      `json:"anyAudience,omitempty"`
	RequiredScopes     []string  `json:"requiredScopes,omitempty"`
	ClockTolerance     int64     `json:"clockTolerance,omitempty"`
	MaxDelegationDepth *int      `json:"maxDelegationDepth,omitempty"`
	Algorithms         *[]string `json:"algorithms,omitempty"`
	MaxTokenBytes      int       `json:"maxTokenBytes,omitempty"`
}

// MarshalJSON renders the options as the core's JSON options object (the form VerifyJSON takes), with Now
// resolved to the current time when zero. The checks themselves (consistency, ranges) are the core's.
func (o VerifyOptions) MarshalJSON() ([]byte, error) {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	j := optionsJSON{
		Now:                now.Unix(),
		Issuer:             o.Issuer,
		AnyIssuer:          o.AnyIssuer,
		JwksURI:            o.JwksURI,
		IssuerDID:          o.IssuerDID,
		AnyAudience:        o.AnyAudience,
		RequiredScopes:     o.RequiredScopes,
		ClockTolerance:     int64(o.ClockTolerance / time.Second),
		MaxDelegationDepth: o.MaxDelegationDepth,
		MaxTokenBytes:      o.MaxTokenBytes,
	}
	if o.Audience != nil {
		j.Audience = &o.Audience
	}
	if o.Algorithms != nil {
		j.Algorithms = &o.Algorithms
	}
	return json.Marshal(j)
}
