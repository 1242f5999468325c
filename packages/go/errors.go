package grantex

import "fmt"

// Error is a verification failure with a stable code (the same code every Grantex runtime reports for the
// same input) and an informative message. Compare on Code (or with errors.Is and the Err* sentinels), never
// on Message.
type Error struct {
	// Code is the stable SCREAMING_SNAKE_CASE code, e.g. "EXPIRED".
	Code string `json:"code"`
	// Message explains the failure; it is not part of the stable contract.
	Message string `json:"message"`
}

// TokenError is the name the upstream Go SDK uses for verification errors.
type TokenError = Error

func (e *Error) Error() string {
	if e.Message == "" {
		return "grantex: " + e.Code
	}
	return fmt.Sprintf("grantex: %s: %s", e.Code, e.Message)
}

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, grantex.ErrExpired) holds for every expired-token error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code == e.Code
}

func sentinel(code string) *Error { return &Error{Code: code} }

// Sentinel errors, one per stable code (grantex-core error table; the C status number is the position in
// this list, starting at 1). Use them with errors.Is; the errors returned by this package carry a message too.
var (
	ErrMalformedToken            = sentinel("MALFORMED_TOKEN")
	ErrTokenTooLarge             = sentinel("TOKEN_TOO_LARGE")
	ErrUnsupportedAlgorithm      = sentinel("UNSUPPORTED_ALGORITHM")
	ErrUnknownKey                = sentinel("UNKNOWN_KEY")
	ErrInvalidKey                = sentinel("INVALID_KEY")
	ErrInvalidSignature          = sentinel("INVALID_SIGNATURE")
	ErrUnsupportedCriticalHeader = sentinel("UNSUPPORTED_CRITICAL_HEADER")
	ErrWrongTokenType            = sentinel("WRONG_TOKEN_TYPE")
	ErrMissingClaim              = sentinel("MISSING_CLAIM")
	ErrInvalidClaim              = sentinel("INVALID_CLAIM")
	ErrExpired                   = sentinel("EXPIRED")
	ErrNotYetValid               = sentinel("NOT_YET_VALID")
	ErrIssuedInFuture            = sentinel("ISSUED_IN_FUTURE")
	ErrInvalidIssuer             = sentinel("INVALID_ISSUER")
	ErrInvalidAudience           = sentinel("INVALID_AUDIENCE")
	ErrInsufficientScope         = sentinel("INSUFFICIENT_SCOPE")
	ErrDelegationDepthExceeded   = sentinel("DELEGATION_DEPTH_EXCEEDED")
	ErrRevoked                   = sentinel("REVOKED")
	ErrInvalidJWKS               = sentinel("INVALID_JWKS")
	ErrInvalidOptions            = sentinel("INVALID_OPTIONS")
	ErrInvalidScope              = sentinel("INVALID_SCOPE")
	ErrInvalidDisclosure         = sentinel("INVALID_DISCLOSURE")
	ErrDuplicateDisclosure       = sentinel("DUPLICATE_DISCLOSURE")
	ErrKeyBindingRequired        = sentinel("KEY_BINDING_REQUIRED")
	ErrInvalidKeyBinding         = sentinel("INVALID_KEY_BINDING")
	ErrInvalidCredential         = sentinel("INVALID_CREDENTIAL")
	ErrUntrustedIssuer           = sentinel("UNTRUSTED_ISSUER")
	ErrStatusUnavailable         = sentinel("STATUS_UNAVAILABLE")
	ErrInvalidStatusList         = sentinel("INVALID_STATUS_LIST")
	ErrInvalidDID                = sentinel("INVALID_DID")
	ErrBrokenChain               = sentinel("BROKEN_CHAIN")
	ErrInvalidInput              = sentinel("INVALID_INPUT")
	ErrInternal                  = sentinel("INTERNAL")
	ErrJWKSUnavailable           = sentinel("JWKS_UNAVAILABLE")
)

// allErrors lists the sentinels in status-number order (index + 1 = C status number).
var allErrors = []*Error{
	ErrMalformedToken, ErrTokenTooLarge, ErrUnsupportedAlgorithm, ErrUnknownKey, ErrInvalidKey,
	ErrInvalidSignature, ErrUnsupportedCriticalHeader, ErrWrongTokenType, ErrMissingClaim, ErrInvalidClaim,
	ErrExpired, ErrNotYetValid, ErrIssuedInFuture, ErrInvalidIssuer, ErrInvalidAudience, ErrInsufficientScope,
	ErrDelegationDepthExceeded, ErrRevoked, ErrInvalidJWKS, ErrInvalidOptions, ErrInvalidScope,
	ErrInvalidDisclosure, ErrDuplicateDisclosure, ErrKeyBindingRequired, ErrInvalidKeyBinding,
	ErrInvalidCredential, ErrUntrustedIssuer, ErrStatusUnavailable, ErrInvalidStatusList, ErrInvalidDID,
	ErrBrokenChain, ErrInvalidInput, ErrInternal, ErrJWKSUnavailable,
}
