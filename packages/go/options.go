package grantex

import (
	"strconv"
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

// MarshalJSON renders the options as the core's JSON options object (the form VerifyJSON takes), with Now
// resolved to the current time when zero. The checks themselves (consistency, ranges) are the core's. It is
// written by hand (no reflection): Verify calls it on every verification.
func (o VerifyOptions) MarshalJSON() ([]byte, error) {
	return o.appendJSON(make([]byte, 0, 256)), nil
}

func (o VerifyOptions) appendJSON(b []byte) []byte {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	b = append(b, `{"now":`...)
	b = strconv.AppendInt(b, now.Unix(), 10)
	appendString := func(name, value string) {
		if value != "" {
			b = append(b, `,"`+name+`":`...)
			b = appendJSONString(b, value)
		}
	}
	appendTrue := func(name string, value bool) {
		if value {
			b = append(b, `,"`+name+`":true`...)
		}
	}
	appendList := func(name string, list []string) {
		b = append(b, `,"`+name+`":[`...)
		for i, s := range list {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		b = append(b, ']')
	}
	appendString("issuer", o.Issuer)
	appendTrue("anyIssuer", o.AnyIssuer)
	appendString("jwksUri", o.JwksURI)
	appendString("issuerDid", o.IssuerDID)
	if o.Audience != nil {
		appendList("audience", o.Audience)
	}
	appendTrue("anyAudience", o.AnyAudience)
	if len(o.RequiredScopes) > 0 {
		appendList("requiredScopes", o.RequiredScopes)
	}
	if seconds := int64(o.ClockTolerance / time.Second); seconds != 0 {
		b = append(b, `,"clockTolerance":`...)
		b = strconv.AppendInt(b, seconds, 10)
	}
	if o.MaxDelegationDepth != nil {
		b = append(b, `,"maxDelegationDepth":`...)
		b = strconv.AppendInt(b, int64(*o.MaxDelegationDepth), 10)
	}
	if o.Algorithms != nil {
		appendList("algorithms", o.Algorithms)
	}
	if o.MaxTokenBytes != 0 {
		b = append(b, `,"maxTokenBytes":`...)
		b = strconv.AppendInt(b, int64(o.MaxTokenBytes), 10)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. Bytes are copied as they are apart from the characters JSON
// requires escaped; invalid UTF-8 is left for the core to reject (INVALID_INPUT) rather than replaced.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
