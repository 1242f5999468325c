package grantex

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// TestDIDVectors runs every case of did.json through the DID functions.
func TestDIDVectors(t *testing.T) {
	var doc struct {
		Cases []struct {
			Name         string          `json:"name"`
			Kind         string          `json:"kind"`
			DID          *string         `json:"did"`
			URL          *string         `json:"url"`
			AgentID      *string         `json:"agentId"`
			Document     json.RawMessage `json:"document"`
			DocumentJSON *string         `json:"documentJson"`
			Reference    string          `json:"reference"`
			Purpose      string          `json:"purpose"`
			Expected     json.RawMessage `json:"expected"`
			Error        string          `json:"error"`
		} `json:"cases"`
	}
	loadDoc(t, "did.json", &doc)
	counts := map[string]int{}
	for i := range doc.Cases {
		c := &doc.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			if (c.Expected == nil) == (c.Error == "") {
				t.Fatal("a case has either expected or error")
			}
			// check compares a result (as JSON) or an error with the case.
			check := func(route string, value any, err error) {
				t.Helper()
				if c.Error != "" {
					var gerr *Error
					if !errors.As(err, &gerr) || gerr.Code != c.Error || !errors.Is(err, sentinelFor(c.Error)) {
						t.Fatalf("%s: expected %s, got %v", route, c.Error, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("%s: expected success, got %v", route, err)
				}
				got, _ := json.Marshal(value)
				if !reflect.DeepEqual(generic(t, got), generic(t, c.Expected)) {
					t.Fatalf("%s:\n got  %s\n want %s", route, got, c.Expected)
				}
			}
			switch {
			case c.Kind == "did-web-url" && c.DID != nil:
				url, err := DIDWebToURL(*c.DID)
				check("DIDWebToURL", url, err)
			case c.Kind == "did-web-url" && c.URL != nil:
				did, err := DIDWebFromURL(*c.URL)
				check("DIDWebFromURL", did, err)
			case c.Kind == "did-key" && c.DID != nil:
				jwk, err := DIDKeyToJWK(*c.DID)
				check("DIDKeyToJWK", jwk, err)
			case c.Kind == "agent-did" && c.DID != nil:
				id, err := AgentDIDToID(*c.DID)
				check("AgentDIDToID", id, err)
			case c.Kind == "agent-did" && c.AgentID != nil:
				did, err := AgentIDToDID(*c.AgentID)
				check("AgentIDToDID", did, err)
			case c.Kind == "document-key" && c.DID != nil && c.Document != nil:
				// The document's text, as an application passes what it fetched.
				jwk, err := DIDDocumentKey(*c.DID, c.Document, c.Reference, c.Purpose)
				check("DIDDocumentKey", jwk, err)
				// The core's request with the document as an object.
				request := map[string]any{"did": *c.DID, "document": c.Document, "reference": c.Reference}
				if c.Purpose != "" {
					request["purpose"] = c.Purpose
				}
				data, _ := json.Marshal(request)
				jwk, err = didDocumentKeyJSON(data)
				check("document object", jwk, err)
			case c.Kind == "document-key" && c.DID != nil && c.DocumentJSON != nil:
				jwk, err := DIDDocumentKey(*c.DID, []byte(*c.DocumentJSON), c.Reference, c.Purpose)
				check("DIDDocumentKey (exact text)", jwk, err)
			default:
				t.Fatalf("unknown case shape (kind %q)", c.Kind)
			}
			counts[c.Kind]++ // subtests run sequentially (no t.Parallel)
		})
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	if total != len(doc.Cases) {
		t.Fatalf("%d of %d cases ran", total, len(doc.Cases))
	}
	fmt.Printf("did vectors: %d cases (%d did-web-url, %d did-key, %d agent-did, %d document-key)\n", total,
		counts["did-web-url"], counts["did-key"], counts["agent-did"], counts["document-key"])
	// NUL bytes cannot cross the C ABI; an unknown purpose is INVALID_INPUT.
	if _, err := DIDWebToURL("did:web:a\x00b"); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("NUL byte: %v", err)
	}
	if _, err := DIDDocumentKey("did:web:a.example", []byte(`{"id":"did:web:a.example"}`), "#k", "nope"); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("unknown purpose: %v", err)
	}
}
