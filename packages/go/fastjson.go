package grantex

import "strconv"

// decodeGrant decodes a VerifiedGrant from the compact JSON the core writes, without reflection. It handles
// only what the core emits for a grant (known members, strings without escapes); on anything else it returns
// false and the caller falls back to encoding/json, so the result is always the one encoding/json would give.
func decodeGrant(b []byte, g *VerifiedGrant) bool {
	s := scanner{b: b}
	if !s.byte('{') {
		return false
	}
	if s.byte('}') {
		return s.end()
	}
	for {
		key, ok := s.str()
		if !ok || !s.byte(':') {
			return false
		}
		if s.null() {
			switch key {
			case "parentAgentDid":
				g.ParentAgentDID = nil
			case "parentGrantId":
				g.ParentGrantID = nil
			case "delegationDepth":
				g.DelegationDepth = nil
			case "audience":
				g.Audience = nil
			case "budgetRemaining":
				g.BudgetRemaining = nil
			case "status":
				g.Status = nil
			case "scopes":
				g.Scopes = nil
			default:
				return false
			}
		} else {
			switch key {
			case "tokenId":
				g.TokenID, ok = s.str()
			case "grantId":
				g.GrantID, ok = s.str()
			case "principalId":
				g.PrincipalID, ok = s.str()
			case "agentDid":
				g.AgentDID, ok = s.str()
			case "developerId":
				g.DeveloperID, ok = s.str()
			case "issuer":
				g.Issuer, ok = s.str()
			case "scopes":
				g.Scopes, ok = s.strings()
			case "audience":
				g.Audience, ok = s.strings()
			case "issuedAt":
				g.IssuedAt, ok = s.int64()
			case "expiresAt":
				g.ExpiresAt, ok = s.int64()
			case "parentAgentDid":
				var v string
				v, ok = s.str()
				g.ParentAgentDID = &v
			case "parentGrantId":
				var v string
				v, ok = s.str()
				g.ParentGrantID = &v
			case "delegationDepth":
				var v int64
				v, ok = s.int64()
				depth := int(v)
				ok = ok && int64(depth) == v
				g.DelegationDepth = &depth
			case "budgetRemaining":
				var v float64
				v, ok = s.float64()
				g.BudgetRemaining = &v
			case "status":
				g.Status = &StatusReference{}
				ok = s.status(g.Status)
			default:
				return false
			}
			if !ok {
				return false
			}
		}
		if s.byte(',') {
			continue
		}
		return s.byte('}') && s.end()
	}
}

type scanner struct {
	b []byte
	i int
}

// byte consumes c (after no whitespace: the core writes compact JSON) and reports whether it was there.
func (s *scanner) byte(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) end() bool { return s.i == len(s.b) }

func (s *scanner) null() bool {
	if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// str reads a string without escapes or control characters (anything else: false, use encoding/json).
func (s *scanner) str() (string, bool) {
	if !s.byte('"') {
		return "", false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := string(s.b[start:s.i])
			s.i++
			return v, true
		case c == '\\' || c < 0x20:
			return "", false
		}
		s.i++
	}
	return "", false
}

func (s *scanner) strings() ([]string, bool) {
	if !s.byte('[') {
		return nil, false
	}
	list := make([]string, 0, 4)
	if s.byte(']') {
		return list, true
	}
	for {
		v, ok := s.str()
		if !ok {
			return nil, false
		}
		list = append(list, v)
		if s.byte(',') {
			continue
		}
		return list, s.byte(']')
	}
}

// number returns the span of a JSON number.
func (s *scanner) number() (string, bool) {
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			s.i++
			continue
		}
		break
	}
	return string(s.b[start:s.i]), s.i > start
}

func (s *scanner) int64() (int64, bool) {
	text, ok := s.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(text, 10, 64)
	return v, err == nil
}

func (s *scanner) float64() (float64, bool) {
	text, ok := s.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(text, 64)
	return v, err == nil
}

func (s *scanner) status(r *StatusReference) bool {
	if !s.byte('{') {
		return false
	}
	if s.byte('}') {
		return true
	}
	for {
		key, ok := s.str()
		if !ok || !s.byte(':') {
			return false
		}
		switch key {
		case "uri":
			r.URI, ok = s.str()
		case "idx":
			var text string
			if text, ok = s.number(); ok {
				var err error
				r.Idx, err = strconv.ParseUint(text, 10, 64)
				ok = err == nil
			}
		default:
			return false
		}
		if !ok {
			return false
		}
		if s.byte(',') {
			continue
		}
		return s.byte('}')
	}
}
