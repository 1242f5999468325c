//! DIDs and DID documents on arbitrary input: did:web ↔ URL, did:key, did:grantex and document parsing
//! with key lookup must never panic, and did:web conversions must round-trip.
#![no_main]

use grantex_core::did::{self, AgentDid, DidDocument, Purpose};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Input {
    DidWeb(String),
    Url(String),
    DidKey(String),
    Agent(String),
    Document { json: String, reference: String },
}

fuzz_target!(|input: Input| {
    match input {
        Input::DidWeb(text) => {
            if let Ok(url) = did::did_web_to_url(&text) {
                assert!(url.starts_with("https://"));
            }
        }
        Input::Url(text) => {
            if let Ok(did) = did::did_web_from_url(&text) {
                assert!(did.starts_with("did:web:"));
                assert!(did::did_web_to_url(&did).is_ok(), "{did} does not resolve");
            }
        }
        Input::DidKey(text) => {
            if let Ok(doc) = did::resolve_did_key(&text) {
                assert!(!doc.keys(None).is_empty());
            }
        }
        Input::Agent(text) => {
            if let Ok(agent) = AgentDid::parse(&text) {
                assert_eq!(AgentDid::from_agent_id(agent.agent_id()).unwrap().as_str(), agent.as_str());
            }
        }
        Input::Document { json, reference } => {
            if let Ok(doc) = DidDocument::from_json(&json, "did:web:example.com") {
                let _ = doc.key_for(&reference, None);
                let _ = doc.key_for(&reference, Some(Purpose::AssertionMethod));
            }
        }
    }
});
