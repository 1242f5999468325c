//! # grantex (C ABI)
//!
//! A C interface to [`grantex_core`]: opaque verifier handles, JSON strings in and out, explicit frees.
//! The header `include/grantex.h` is generated from this file by cbindgen (see `build.rs`; the test
//! `tests/header.rs` fails when the committed header is stale).
//!
//! ## Conventions
//!
//! * **Status numbers.** Functions that return `int32_t` return `0` (`GRANTEX_OK`) on success and otherwise
//!   the stable number of the error code (`GRANTEX_STATUS_*`, the table in `grantex_core::error`).
//!   [`grantex_error_code_name`] turns a number back into its code string.
//! * **JSON answers.** Functions that produce JSON produce the core's answer shape:
//!   `{"ok":true,"value":…}` or `{"ok":false,"error":{"code":"…","message":"…"}}`. Compare on `code`, never
//!   on `message`.
//! * **Strings.** Every input string is NUL-terminated UTF-8. A NULL pointer or invalid UTF-8 is reported as
//!   `INVALID_INPUT`, never undefined behaviour. Every `char *` this library returns is owned by the caller
//!   and must be released with [`grantex_string_free`] (and only with it).
//! * **Panics.** Every entry point catches panics; a panic (a bug) is reported as status `INTERNAL` and never
//!   unwinds into C.
//! * **Threads.** A `GrantexVerifier` is immutable after [`grantex_verifier_new`]: one verifier may be used
//!   by any number of threads at once (Rust `Send + Sync`). It must not be freed while another thread is
//!   still using it. The free-standing functions keep no global state and are thread-safe.
//! * **Clock.** The library never reads the clock: `options_json` must carry `now` (Unix seconds).
#![allow(unsafe_code)] // An FFI crate: every `unsafe` block is about a pointer handed in by C.

use grantex_core::api::{self, SdJwtVerifyOptionsJson, VerifiedSdJwtJson, answer_json};
use grantex_core::error::{Error, ErrorCode};
use grantex_core::grant::VerifiedGrant;
use grantex_core::jwk::KeySet;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

/// A grant-token verifier: a parsed JWKS whose keys were decoded once.
///
/// Opaque to C. Created by `grantex_verifier_new`, released by `grantex_verifier_free`. Immutable after
/// creation, so it may be shared by several threads at once.
pub struct GrantexVerifier {
    keys: KeySet,
}

/// Status of a successful call.
pub const GRANTEX_OK: i32 = 0;
/// `MALFORMED_TOKEN`.
pub const GRANTEX_STATUS_MALFORMED_TOKEN: i32 = 1;
/// `TOKEN_TOO_LARGE`.
pub const GRANTEX_STATUS_TOKEN_TOO_LARGE: i32 = 2;
/// `UNSUPPORTED_ALGORITHM`.
pub const GRANTEX_STATUS_UNSUPPORTED_ALGORITHM: i32 = 3;
/// `UNKNOWN_KEY`.
pub const GRANTEX_STATUS_UNKNOWN_KEY: i32 = 4;
/// `INVALID_KEY`.
pub const GRANTEX_STATUS_INVALID_KEY: i32 = 5;
/// `INVALID_SIGNATURE`.
pub const GRANTEX_STATUS_INVALID_SIGNATURE: i32 = 6;
/// `UNSUPPORTED_CRITICAL_HEADER`.
pub const GRANTEX_STATUS_UNSUPPORTED_CRITICAL_HEADER: i32 = 7;
/// `WRONG_TOKEN_TYPE`.
pub const GRANTEX_STATUS_WRONG_TOKEN_TYPE: i32 = 8;
/// `MISSING_CLAIM`.
pub const GRANTEX_STATUS_MISSING_CLAIM: i32 = 9;
/// `INVALID_CLAIM`.
pub const GRANTEX_STATUS_INVALID_CLAIM: i32 = 10;
/// `EXPIRED`.
pub const GRANTEX_STATUS_EXPIRED: i32 = 11;
/// `NOT_YET_VALID`.
pub const GRANTEX_STATUS_NOT_YET_VALID: i32 = 12;
/// `ISSUED_IN_FUTURE`.
pub const GRANTEX_STATUS_ISSUED_IN_FUTURE: i32 = 13;
/// `INVALID_ISSUER`.
pub const GRANTEX_STATUS_INVALID_ISSUER: i32 = 14;
/// `INVALID_AUDIENCE`.
pub const GRANTEX_STATUS_INVALID_AUDIENCE: i32 = 15;
/// `INSUFFICIENT_SCOPE`.
pub const GRANTEX_STATUS_INSUFFICIENT_SCOPE: i32 = 16;
/// `DELEGATION_DEPTH_EXCEEDED`.
pub const GRANTEX_STATUS_DELEGATION_DEPTH_EXCEEDED: i32 = 17;
/// `REVOKED`.
pub const GRANTEX_STATUS_REVOKED: i32 = 18;
/// `INVALID_JWKS`.
pub const GRANTEX_STATUS_INVALID_JWKS: i32 = 19;
/// `INVALID_OPTIONS`.
pub const GRANTEX_STATUS_INVALID_OPTIONS: i32 = 20;
/// `INVALID_SCOPE`.
pub const GRANTEX_STATUS_INVALID_SCOPE: i32 = 21;
/// `INVALID_DISCLOSURE`.
pub const GRANTEX_STATUS_INVALID_DISCLOSURE: i32 = 22;
/// `DUPLICATE_DISCLOSURE`.
pub const GRANTEX_STATUS_DUPLICATE_DISCLOSURE: i32 = 23;
/// `KEY_BINDING_REQUIRED`.
pub const GRANTEX_STATUS_KEY_BINDING_REQUIRED: i32 = 24;
/// `INVALID_KEY_BINDING`.
pub const GRANTEX_STATUS_INVALID_KEY_BINDING: i32 = 25;
/// `INVALID_CREDENTIAL`.
pub const GRANTEX_STATUS_INVALID_CREDENTIAL: i32 = 26;
/// `UNTRUSTED_ISSUER`.
pub const GRANTEX_STATUS_UNTRUSTED_ISSUER: i32 = 27;
/// `STATUS_UNAVAILABLE`.
pub const GRANTEX_STATUS_STATUS_UNAVAILABLE: i32 = 28;
/// `INVALID_STATUS_LIST`.
pub const GRANTEX_STATUS_INVALID_STATUS_LIST: i32 = 29;
/// `INVALID_DID`.
pub const GRANTEX_STATUS_INVALID_DID: i32 = 30;
/// `BROKEN_CHAIN`.
pub const GRANTEX_STATUS_BROKEN_CHAIN: i32 = 31;
/// `INVALID_INPUT`: a NULL pointer, invalid UTF-8 or a malformed JSON request.
pub const GRANTEX_STATUS_INVALID_INPUT: i32 = 32;
/// `INTERNAL`: a bug (for instance a caught panic).
pub const GRANTEX_STATUS_INTERNAL: i32 = 33;
/// `JWKS_UNAVAILABLE`: the key set could not be fetched or read (raised by I/O layers, never by the core).
pub const GRANTEX_STATUS_JWKS_UNAVAILABLE: i32 = 34;

/// The answer used when even building an answer failed (never expected).
const INTERNAL_ANSWER: &str = r#"{"ok":false,"error":{"code":"INTERNAL","message":"the C binding could not build its answer"}}"#;

fn internal(message: &str) -> Error {
    Error::new(ErrorCode::Internal, message)
}

fn invalid_input(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

/// Borrows a C string argument as UTF-8.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unmodified for `'a`.
unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(invalid_input(format!("\"{name}\" is NULL")));
    }
    // SAFETY: not NULL, and NUL-terminated and valid for 'a by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes
        .to_str()
        .map_err(|e| invalid_input(format!("\"{name}\" is not valid UTF-8: {e}")))
}

/// Moves a Rust string to a caller-owned C string (freed with `grantex_string_free`).
fn into_c_string(text: String) -> *mut c_char {
    // JSON text escapes U+0000, so an interior NUL can only come from a bug.
    CString::new(text)
        .or_else(|_| CString::new(INTERNAL_ANSWER))
        .map_or(std::ptr::null_mut(), CString::into_raw)
}

fn error_to_json(error: &Error) -> String {
    serde_json::to_string(error).unwrap_or_else(|_| {
        r#"{"code":"INTERNAL","message":"could not serialize the error"}"#.to_owned()
    })
}

fn status_of<T>(result: &Result<T, Error>) -> i32 {
    match result {
        Ok(_) => GRANTEX_OK,
        Err(e) => e.code.number(),
    }
}

/// Runs an entry point that returns a status; a panic becomes `INTERNAL`.
fn guard_status(body: impl FnOnce() -> i32) -> i32 {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(GRANTEX_STATUS_INTERNAL)
}

/// Runs an entry point that returns a JSON answer; a panic becomes an `INTERNAL` answer.
fn guard_answer(body: impl FnOnce() -> String) -> *mut c_char {
    let text = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| {
        answer_json::<()>(Err(internal("panic inside the grantex C binding (a bug)")))
    });
    into_c_string(text)
}

/// Runs a function on a C string argument and returns its JSON answer.
///
/// # Safety
/// As [`str_arg`].
unsafe fn answer_for(
    ptr: *const c_char,
    name: &str,
    f: impl FnOnce(&str) -> String,
) -> *mut c_char {
    guard_answer(|| {
        // SAFETY: forwarded caller contract.
        match unsafe { str_arg(ptr, name) } {
            Ok(text) => f(text),
            Err(e) => answer_json::<()>(Err(e)),
        }
    })
}

/// Creates a verifier from a JWKS document (`{"keys":[…]}`); every key is decoded once, here.
///
/// On success returns `GRANTEX_OK`, stores the new verifier in `*out` and NULL in `*error_json`. On failure
/// returns the error's status number (`INVALID_JWKS` for a document that is not a JWKS, `INVALID_INPUT` for a
/// NULL or non-UTF-8 argument), stores NULL in `*out` and, when `error_json` is not NULL, a JSON object
/// `{"code":"…","message":"…"}` in `*error_json` (free it with `grantex_string_free`). Keys of unsupported
/// types or with bad material do not fail creation: they stay in the set as unusable, and a token naming
/// them fails with `UNKNOWN_KEY`/`INVALID_KEY`.
///
/// # Safety
/// * `jwks_json` is NULL or a NUL-terminated string valid for the duration of the call.
/// * `out` is NULL (then `INVALID_INPUT` is returned) or points to writable storage for one pointer.
/// * `error_json` is NULL or points to writable storage for one pointer.
///
/// The returned verifier must be released with `grantex_verifier_free` exactly once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_verifier_new(
    jwks_json: *const c_char,
    out: *mut *mut GrantexVerifier,
    error_json: *mut *mut c_char,
) -> i32 {
    guard_status(|| {
        if !error_json.is_null() {
            // SAFETY: writable by the caller's contract.
            unsafe { *error_json = std::ptr::null_mut() };
        }
        let result = if out.is_null() {
            Err(invalid_input("\"out\" is NULL"))
        } else {
            // SAFETY: writable by the caller's contract.
            unsafe { *out = std::ptr::null_mut() };
            catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: forwarded caller contract.
                let text = unsafe { str_arg(jwks_json, "jwks_json") }?;
                KeySet::from_jwks_json(text)
            }))
            .unwrap_or_else(|_| Err(internal("panic while parsing the JWKS (a bug)")))
        };
        let status = status_of(&result);
        match result {
            Ok(keys) => {
                let verifier = Box::into_raw(Box::new(GrantexVerifier { keys }));
                // SAFETY: `out` is not NULL here and writable by the caller's contract.
                unsafe { *out = verifier };
            }
            Err(error) => {
                if !error_json.is_null() {
                    // SAFETY: writable by the caller's contract.
                    unsafe { *error_json = into_c_string(error_to_json(&error)) };
                }
            }
        }
        status
    })
}

/// Verifies a grant token (PROTOCOL.md §4.1) with a verifier's keys.
///
/// `options_json` is the core's `VerifyOptionsJson` object, e.g.
/// `{"now":1767229200,"issuer":"https://grantex.dev","audience":"https://api.example.com"}`; `now`
/// (Unix seconds) is required, and unknown fields are rejected (`INVALID_OPTIONS`).
///
/// Returns `GRANTEX_OK` when the token is valid, else the status number of the error. When `answer_json` is
/// not NULL, `*answer_json` receives the core JSON answer, `{"ok":true,"value":{VerifiedGrant}}` or
/// `{"ok":false,"error":{"code":"…","message":"…"}}`, always (also on failure); free it with
/// `grantex_string_free`. Pass `answer_json = NULL` when only the status matters.
///
/// # Safety
/// * `verifier` is NULL (→ `INVALID_INPUT`) or a live pointer returned by `grantex_verifier_new` that is not
///   freed before this call returns. Any number of threads may call this on the same verifier at once.
/// * `token` and `options_json` are NULL (→ `INVALID_INPUT`) or NUL-terminated strings valid for the
///   duration of the call.
/// * `answer_json` is NULL or points to writable storage for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_verifier_verify(
    verifier: *const GrantexVerifier,
    token: *const c_char,
    options_json: *const c_char,
    answer_json: *mut *mut c_char,
) -> i32 {
    guard_status(|| {
        if !answer_json.is_null() {
            // SAFETY: writable by the caller's contract.
            unsafe { *answer_json = std::ptr::null_mut() };
        }
        let result: Result<VerifiedGrant, Error> = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: NULL or a live verifier by the caller's contract; only shared access is taken.
            let Some(verifier) = (unsafe { verifier.as_ref() }) else {
                return Err(invalid_input("\"verifier\" is NULL"));
            };
            // SAFETY: forwarded caller contract.
            let token = unsafe { str_arg(token, "token") }?;
            // SAFETY: forwarded caller contract.
            let options = unsafe { str_arg(options_json, "options_json") }?;
            // The same composition as `api::verify_grant_token_with_keys_json`, kept typed for the status.
            api::parse_verify_options(options)
                .and_then(|o| api::verify_grant_token(&verifier.keys, token, &o))
        }))
        .unwrap_or_else(|_| Err(internal("panic while verifying (a bug)")));
        let status = status_of(&result);
        if !answer_json.is_null() {
            // SAFETY: writable by the caller's contract.
            unsafe { *answer_json = into_c_string(api::answer_json(result)) };
        }
        status
    })
}

/// Version of the compact grant layout written by `grantex_verifier_verify_compact` (its first byte).
pub const GRANTEX_COMPACT_VERSION: u8 = 1;
/// Compact grant flag: an `audience` list follows the scopes.
pub const GRANTEX_COMPACT_HAS_AUDIENCE: u8 = 1;
/// Compact grant flag: `parentAgentDid` is present.
pub const GRANTEX_COMPACT_HAS_PARENT_AGENT_DID: u8 = 2;
/// Compact grant flag: `parentGrantId` is present.
pub const GRANTEX_COMPACT_HAS_PARENT_GRANT_ID: u8 = 4;
/// Compact grant flag: `delegationDepth` is present.
pub const GRANTEX_COMPACT_HAS_DELEGATION_DEPTH: u8 = 8;
/// Compact grant flag: `budgetRemaining` is present.
pub const GRANTEX_COMPACT_HAS_BUDGET_REMAINING: u8 = 16;
/// Compact grant flag: `status` is present.
pub const GRANTEX_COMPACT_HAS_STATUS: u8 = 32;

/// Where the compact encoding goes: first counted, then written (the same code decides both, so the size
/// announced is the size written).
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

/// Counts bytes.
struct Count(usize);

impl Sink for Count {
    fn put(&mut self, bytes: &[u8]) {
        self.0 = self.0.saturating_add(bytes.len());
    }
}

/// Writes into the caller's buffer; never past `cap`.
struct Fill {
    ptr: *mut u8,
    pos: usize,
    cap: usize,
}

impl Sink for Fill {
    fn put(&mut self, bytes: &[u8]) {
        let Some(end) = self.pos.checked_add(bytes.len()) else {
            return;
        };
        if end > self.cap {
            return; // never reached: the caller counted first
        }
        // SAFETY: `ptr` points to `cap` writable bytes (caller contract of the entry point) and
        // `pos + len <= cap`; the source is a Rust slice, which cannot overlap the caller's buffer.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(self.pos), bytes.len())
        };
        self.pos = end;
    }
}

fn put_len(sink: &mut dyn Sink, len: usize) -> Result<(), Error> {
    let len = u32::try_from(len).map_err(|_| internal("a grant member is longer than 4 GiB"))?;
    sink.put(&len.to_le_bytes());
    Ok(())
}

fn put_str(sink: &mut dyn Sink, s: &str) -> Result<(), Error> {
    put_len(sink, s.len())?;
    sink.put(s.as_bytes());
    Ok(())
}

fn put_strs(sink: &mut dyn Sink, list: &[String]) -> Result<(), Error> {
    put_len(sink, list.len())?;
    list.iter().try_for_each(|s| put_str(sink, s))
}

/// The compact layout documented at `grantex_verifier_verify_compact`.
fn encode_grant(g: &VerifiedGrant, sink: &mut dyn Sink) -> Result<(), Error> {
    let flag = |present: bool, bit: u8| if present { bit } else { 0 };
    let flags = flag(g.audience.is_some(), GRANTEX_COMPACT_HAS_AUDIENCE)
        | flag(
            g.parent_agent_did.is_some(),
            GRANTEX_COMPACT_HAS_PARENT_AGENT_DID,
        )
        | flag(
            g.parent_grant_id.is_some(),
            GRANTEX_COMPACT_HAS_PARENT_GRANT_ID,
        )
        | flag(
            g.delegation_depth.is_some(),
            GRANTEX_COMPACT_HAS_DELEGATION_DEPTH,
        )
        | flag(
            g.budget_remaining.is_some(),
            GRANTEX_COMPACT_HAS_BUDGET_REMAINING,
        )
        | flag(g.status.is_some(), GRANTEX_COMPACT_HAS_STATUS);
    sink.put(&[GRANTEX_COMPACT_VERSION, flags]);
    sink.put(&g.issued_at.to_le_bytes());
    sink.put(&g.expires_at.to_le_bytes());
    for s in [
        &g.token_id,
        &g.grant_id,
        &g.principal_id,
        &g.agent_did,
        &g.developer_id,
        &g.issuer,
    ] {
        put_str(sink, s)?;
    }
    put_strs(sink, &g.scopes)?;
    if let Some(audience) = &g.audience {
        put_strs(sink, audience)?;
    }
    if let Some(did) = &g.parent_agent_did {
        put_str(sink, did)?;
    }
    if let Some(id) = &g.parent_grant_id {
        put_str(sink, id)?;
    }
    if let Some(depth) = g.delegation_depth {
        sink.put(&depth.to_le_bytes());
    }
    if let Some(budget) = g.budget_remaining {
        sink.put(&budget.to_bits().to_le_bytes());
    }
    if let Some(status) = &g.status {
        sink.put(&status.idx.to_le_bytes());
        put_str(sink, &status.uri)?;
    }
    Ok(())
}

/// Borrows a (pointer, length) text argument as UTF-8 without a NUL byte.
///
/// # Safety
/// `ptr` is NULL (then `len` must be 0) or points to `len` readable bytes that stay valid and unmodified for
/// `'a`.
unsafe fn text_arg<'a>(ptr: *const c_char, len: usize, name: &str) -> Result<&'a str, Error> {
    let bytes: &[u8] = if ptr.is_null() {
        if len != 0 {
            return Err(invalid_input(format!("\"{name}\" is NULL")));
        }
        &[]
    } else {
        // SAFETY: not NULL and `len` readable bytes valid for 'a by the caller's contract.
        unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) }
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|e| invalid_input(format!("\"{name}\" is not valid UTF-8: {e}")))?;
    // The NUL-terminated entry points cannot receive a NUL byte; neither may these.
    if bytes.contains(&0) {
        return Err(invalid_input(format!("\"{name}\" contains a NUL byte")));
    }
    Ok(text)
}

/// Runs `encode` once to count, and again into the caller's buffer when the output fits (snprintf-like);
/// returns the size of the output.
fn write_out(
    out: *mut u8,
    out_cap: usize,
    encode: impl Fn(&mut dyn Sink) -> Result<(), Error>,
) -> Result<usize, Error> {
    let mut count = Count(0);
    encode(&mut count)?;
    if !out.is_null() && count.0 <= out_cap {
        encode(&mut Fill {
            ptr: out,
            pos: 0,
            cap: out_cap,
        })?;
    }
    Ok(count.0)
}

/// Verifies a grant token like `grantex_verifier_verify`, for callers that want neither JSON nor a string to
/// free: the arguments are (pointer, length) pairs read in place (no NUL terminator needed) and the verified
/// grant is written in a compact binary layout into a buffer the caller owns (nothing to free; the Go package
/// reuses one buffer across calls).
///
/// Returns `GRANTEX_OK` when the token is valid, else the status number of the error (the same status
/// `grantex_verifier_verify` returns for the same input). `*out_len` receives the size of the output and the
/// output is written to `out` only when it fits (`*out_len <= out_cap`), like `snprintf`: when
/// `*out_len > out_cap`, nothing was written — call again with a larger buffer (the verification is
/// repeated). On success the output is the grant; on failure it is the UTF-8 error message (the code is the
/// status).
///
/// Compact grant layout (integers little-endian; `str` = `u32` byte length + UTF-8 bytes, no terminator;
/// `list` = `u32` count + that many `str`):
///
/// ```text
/// u8 version (GRANTEX_COMPACT_VERSION)   u8 flags (GRANTEX_COMPACT_HAS_*)
/// u64 issuedAt   u64 expiresAt
/// str tokenId  str grantId  str principalId  str agentDid  str developerId  str issuer
/// list scopes
/// [HAS_AUDIENCE] list audience   [HAS_PARENT_AGENT_DID] str parentAgentDid
/// [HAS_PARENT_GRANT_ID] str parentGrantId   [HAS_DELEGATION_DEPTH] u32 delegationDepth
/// [HAS_BUDGET_REMAINING] u64 budgetRemaining (IEEE 754 binary64 bits)
/// [HAS_STATUS] u64 status.idx  str status.uri
/// ```
///
/// The members are those of the JSON answer's `VerifiedGrant`; the version changes when the layout does.
///
/// # Safety
/// * `verifier` is NULL (→ `INVALID_INPUT`) or a live pointer returned by `grantex_verifier_new` that is not
///   freed before this call returns. Any number of threads may call this on the same verifier at once.
/// * `token` / `options_json` point to `token_len` / `options_len` readable bytes valid for the duration of
///   the call, or are NULL with a length of 0 (an empty text). Invalid UTF-8, a NUL byte, or NULL with a
///   non-zero length is `INVALID_INPUT`.
/// * `out` is NULL or points to `out_cap` writable bytes, which must not overlap the inputs; the library
///   writes only `out[0 .. *out_len]`, and only when `*out_len <= out_cap`.
/// * `out_len` is NULL (when only the status matters) or points to writable storage for one `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_verifier_verify_compact(
    verifier: *const GrantexVerifier,
    token: *const c_char,
    token_len: usize,
    options_json: *const c_char,
    options_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> i32 {
    guard_status(|| {
        if !out_len.is_null() {
            // SAFETY: writable by the caller's contract.
            unsafe { *out_len = 0 };
        }
        let result: Result<VerifiedGrant, Error> = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: NULL or a live verifier by the caller's contract; only shared access is taken.
            let Some(verifier) = (unsafe { verifier.as_ref() }) else {
                return Err(invalid_input("\"verifier\" is NULL"));
            };
            // SAFETY: forwarded caller contract.
            let token = unsafe { text_arg(token, token_len, "token") }?;
            // SAFETY: forwarded caller contract.
            let options = unsafe { text_arg(options_json, options_len, "options_json") }?;
            api::parse_verify_options(options)
                .and_then(|o| api::verify_grant_token(&verifier.keys, token, &o))
        }))
        .unwrap_or_else(|_| Err(internal("panic while verifying (a bug)")));
        // A grant that cannot be encoded (a member over 4 GiB) becomes an error like any other.
        let written = result.and_then(|grant| write_out(out, out_cap, |s| encode_grant(&grant, s)));
        let (status, len) = match written {
            Ok(len) => (GRANTEX_OK, len),
            Err(error) => {
                let message = |s: &mut dyn Sink| {
                    s.put(error.message.as_bytes());
                    Ok(())
                };
                (
                    error.code.number(),
                    write_out(out, out_cap, message).unwrap_or(0),
                )
            }
        };
        if !out_len.is_null() {
            // SAFETY: writable by the caller's contract.
            unsafe { *out_len = len };
        }
        status
    })
}

/// Releases a verifier. NULL is accepted and ignored.
///
/// # Safety
/// `verifier` is NULL or a pointer returned by `grantex_verifier_new` that has not been freed yet and that
/// no other thread is still using. It must not be used after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_verifier_free(verifier: *mut GrantexVerifier) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if !verifier.is_null() {
            // SAFETY: created by Box::into_raw in grantex_verifier_new and not freed yet (caller contract).
            drop(unsafe { Box::from_raw(verifier) });
        }
    }));
}

/// Releases a string returned by this library. NULL is accepted and ignored.
///
/// # Safety
/// `s` is NULL or a `char *` returned by a function of this library that has not been freed yet; strings
/// from anywhere else (including `grantex_error_code_name` and `grantex_version`, which are static) must not
/// be passed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_string_free(s: *mut c_char) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if !s.is_null() {
            // SAFETY: created by CString::into_raw in this library and not freed yet (caller contract).
            drop(unsafe { CString::from_raw(s) });
        }
    }));
}

/// Verifies a self-contained request `{"jwks":{…},"token":"…","options":{…}}` (the key set is parsed for this
/// call only; use a `GrantexVerifier` to verify many tokens). Returns the JSON answer (never NULL), to be
/// freed with `grantex_string_free`.
///
/// # Safety
/// `request_json` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of
/// the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_verify_grant_token_json(
    request_json: *const c_char,
) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(request_json, "request_json", api::verify_grant_token_json) }
}

/// RFC 7638 thumbprint of one JWK given as JSON. Returns the JSON answer whose `value` is the base64url
/// thumbprint (never NULL), to be freed with `grantex_string_free`.
///
/// # Safety
/// `jwk_json` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of the
/// call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_jwk_thumbprint_json(jwk_json: *const c_char) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(jwk_json, "jwk_json", api::jwk_thumbprint_json) }
}

/// Decodes a compact token WITHOUT verifying it (for display and debugging only). Returns the JSON answer
/// `{"ok":true,"value":{"header":{…},"payload":{…},"verified":false}}` (never NULL), to be freed with
/// `grantex_string_free`.
///
/// # Safety
/// `token` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of the
/// call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_decode_unverified_json(token: *const c_char) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(token, "token", api::decode_unverified_json) }
}

/// Verifies an audit-log hash chain (PROTOCOL.md §8.6) given as a JSON array of wire entries, in chain
/// order. Returns the JSON answer (never NULL), to be freed with `grantex_string_free`: on success `value` is
/// the report `{"valid","checkedEntries","firstBrokenAt","firstBrokenIndex","reason"}` — a broken chain is a
/// successful call with `"valid":false`; an error answer (`INVALID_INPUT`) means the text is not an array of
/// entries.
///
/// # Safety
/// `entries_json` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration
/// of the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_audit_verify_chain_json(
    entries_json: *const c_char,
) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(entries_json, "entries_json", api::verify_audit_chain_json) }
}

/// Verifies an SD-JWT presentation (RFC 9901, PROTOCOL.md §10.9) with a verifier's keys (the issuer keys).
///
/// `options_json` is the core's `SdJwtVerifyOptionsJson` object, e.g.
/// `{"now":1767225660,"issuer":"did:web:grantex.dev"}` or, to require key binding,
/// `{"now":…,"issuer":…,"keyBinding":{"nonce":"…","audience":"…"}}`; `now` (Unix seconds) is required, and
/// unknown fields are rejected (`INVALID_OPTIONS`).
///
/// Returns `GRANTEX_OK` when the presentation is valid, else the status number of the error. When
/// `answer_json` is not NULL, `*answer_json` receives the core JSON answer,
/// `{"ok":true,"value":{"header","claims","disclosedClaims"?,"hashAlg","keyBound","keyBinding"?}}` or
/// `{"ok":false,"error":{"code":"…","message":"…"}}`, always (also on failure); free it with
/// `grantex_string_free`.
///
/// # Safety
/// * `verifier` is NULL (→ `INVALID_INPUT`) or a live pointer returned by `grantex_verifier_new` that is not
///   freed before this call returns. Any number of threads may call this on the same verifier at once.
/// * `presentation` and `options_json` are NULL (→ `INVALID_INPUT`) or NUL-terminated strings valid for the
///   duration of the call.
/// * `answer_json` is NULL or points to writable storage for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_verifier_verify_sd_jwt(
    verifier: *const GrantexVerifier,
    presentation: *const c_char,
    options_json: *const c_char,
    answer_json: *mut *mut c_char,
) -> i32 {
    guard_status(|| {
        if !answer_json.is_null() {
            // SAFETY: writable by the caller's contract.
            unsafe { *answer_json = std::ptr::null_mut() };
        }
        let result: Result<VerifiedSdJwtJson, Error> = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: NULL or a live verifier by the caller's contract; only shared access is taken.
            let Some(verifier) = (unsafe { verifier.as_ref() }) else {
                return Err(invalid_input("\"verifier\" is NULL"));
            };
            // SAFETY: forwarded caller contract.
            let presentation = unsafe { str_arg(presentation, "presentation") }?;
            // SAFETY: forwarded caller contract.
            let options = unsafe { str_arg(options_json, "options_json") }?;
            // The same composition as `api::verify_sd_jwt_with_keys_json`, kept typed for the status.
            let options: SdJwtVerifyOptionsJson = serde_json::from_str(options).map_err(|e| {
                Error::new(
                    ErrorCode::InvalidOptions,
                    format!("options are not valid: {e}"),
                )
            })?;
            let verified = grantex_core::sdjwt::verify_presentation(
                &verifier.keys,
                presentation,
                &options.into_options()?,
            )?;
            Ok(VerifiedSdJwtJson::from(verified))
        }))
        .unwrap_or_else(|_| Err(internal("panic while verifying (a bug)")));
        let status = status_of(&result);
        if !answer_json.is_null() {
            // SAFETY: writable by the caller's contract.
            unsafe { *answer_json = into_c_string(api::answer_json(result)) };
        }
        status
    })
}

/// Verifies a self-contained SD-JWT request `{"jwks":{…},"presentation":"…","options":{…}}` (options as for
/// `grantex_verifier_verify_sd_jwt`; the key set is parsed for this call only). Returns the JSON answer
/// (never NULL), to be freed with `grantex_string_free`.
///
/// # Safety
/// `request_json` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of
/// the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_verify_sd_jwt_json(request_json: *const c_char) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(request_json, "request_json", api::verify_sd_jwt_json) }
}

/// Builds a holder presentation (no key binding) from `{"sdJwt":"…","disclose":[paths]}`, a path being dotted
/// text (`"credentialSubject.scopes"`) or an array of segments. Returns the JSON answer whose `value` is the
/// presentation string (never NULL), to be freed with `grantex_string_free`.
///
/// # Safety
/// `request_json` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of
/// the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_present_sd_jwt_json(request_json: *const c_char) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(request_json, "request_json", api::present_sd_jwt_json) }
}

/// Verifies a VC-JWT from `{"jwks":{…},"credential":"…","options":{…},"statusLists":{url: list}}`. The options
/// are the core's `VcVerifyOptionsJson` (`now` and a non-empty `trustedIssuers` required); a status list is
/// an `encodedList` string, `{"encodedList","statusSize"?}` or `{"bits","lst"}`, already verified by the
/// caller. Returns the JSON answer whose `value` is the verified credential
/// (`{"id","issuer","subjectId","subject","types","credentialType","dataModel","issuedAt","expiresAt",
/// "statusEntries","payload"}`) (never NULL), to be freed with `grantex_string_free`.
///
/// # Safety
/// `request_json` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of
/// the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_verify_credential_json(
    request_json: *const c_char,
) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(request_json, "request_json", api::verify_credential_json) }
}

/// As `grantex_verify_credential_json`, but the returned JSON is upstream's `POST /v1/credentials/verify`
/// response (`{"valid":true,"vcId",…}` / `{"valid":false,"error","code","revoked",…}`), not an answer object:
/// failures are `"valid":false`. Never NULL; free it with `grantex_string_free`. A NULL or non-UTF-8 request
/// is an `INVALID_INPUT` answer object (`{"ok":false,…}`).
///
/// # Safety
/// `request_json` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of
/// the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_verify_credential_upstream_json(
    request_json: *const c_char,
) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe {
        answer_for(
            request_json,
            "request_json",
            api::verify_credential_upstream_json,
        )
    }
}

/// Reads one entry of a status list: `{"list":…,"index":n}` (the list as in `grantex_verify_credential_json`)
/// → the JSON answer with `value` `{"status":n}` (never NULL), to be freed with `grantex_string_free`. The
/// caller decides what a non-zero status means.
///
/// # Safety
/// `request_json` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of
/// the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_status_list_get_json(request_json: *const c_char) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(request_json, "request_json", api::status_list_get_json) }
}

/// Verifies a signed status-list credential (a VC-JWT of a `StatusList2021Credential` /
/// `BitstringStatusListCredential`) from `{"jwks":{…},"credential":"…","now":n,"trustedIssuers":[…],
/// "expectedId"?:"…"}`. Returns the JSON answer whose `value` is `{"encodedList","statusSize","purposes",
/// "size"}` — `encodedList` and `statusSize` are ready to hand to `grantex_status_list_get_json` or to the
/// `statusLists` of `grantex_verify_credential_json` (never NULL), to be freed with `grantex_string_free`.
///
/// # Safety
/// `request_json` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of
/// the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_verify_status_list_credential_json(
    request_json: *const c_char,
) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe {
        answer_for(
            request_json,
            "request_json",
            api::verify_status_list_credential_json,
        )
    }
}

/// Verifies a signed IETF status-list token (`typ: statuslist+jwt`) from `{"jwks":{…},"token":"…","now":n}`.
/// Returns the JSON answer whose `value` is `{"subject","issuedAt","expiresAt","ttl","statusList":{"bits",
/// "lst"}}` (`expiresAt` and `ttl` may be null; `statusList` is ready to hand to
/// `grantex_status_list_get_json`) (never NULL), to be freed with `grantex_string_free`.
///
/// # Safety
/// `request_json` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of
/// the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_verify_status_list_token_json(
    request_json: *const c_char,
) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe {
        answer_for(
            request_json,
            "request_json",
            api::verify_status_list_token_json,
        )
    }
}

/// The URL of a `did:web` DID's document (`did:web:example.com%3A8443:a` →
/// `https://example.com:8443/a/did.json`). Returns the JSON answer whose `value` is the URL string (errors:
/// `INVALID_DID`) (never NULL), to be freed with `grantex_string_free`.
///
/// # Safety
/// `did` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_did_web_to_url_json(did: *const c_char) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(did, "did", api::did_web_to_url_json) }
}

/// The `did:web` DID of a base URL (`https://example.com:8443/a` → `did:web:example.com%3A8443:a`). Returns
/// the JSON answer whose `value` is the DID string (errors: `INVALID_DID`) (never NULL), to be freed with
/// `grantex_string_free`.
///
/// # Safety
/// `url` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_did_web_from_url_json(url: *const c_char) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(url, "url", api::did_web_from_url_json) }
}

/// Resolves a `did:key` (Ed25519 or P-256) offline. Returns the JSON answer whose `value` is the public JWK
/// object (`kty`, `crv`, `x`, and `y` for P-256; errors: `INVALID_DID`) (never NULL), to be freed with
/// `grantex_string_free`.
///
/// # Safety
/// `did` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_did_key_to_jwk_json(did: *const c_char) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(did, "did", api::did_key_to_jwk_json) }
}

/// The agent id of an agent DID (`did:grantex:ag_<ULID>` → `ag_<ULID>`). Returns the JSON answer whose
/// `value` is the id string (errors: `INVALID_DID`) (never NULL), to be freed with `grantex_string_free`.
///
/// # Safety
/// `did` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_agent_did_to_id_json(did: *const c_char) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(did, "did", api::agent_did_to_id_json) }
}

/// The agent DID of an agent id (`ag_<ULID>` → `did:grantex:ag_<ULID>`). Returns the JSON answer whose
/// `value` is the DID string (errors: `INVALID_DID`) (never NULL), to be freed with `grantex_string_free`.
///
/// # Safety
/// `agent_id` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of the
/// call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_agent_id_to_did_json(agent_id: *const c_char) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(agent_id, "agent_id", api::agent_id_to_did_json) }
}

/// Looks up a verification key in a DID document the caller resolved: request
/// `{"did":"…","document":{…} or "<the document's JSON text>","reference":"…","purpose"?:"…"}`, where
/// `reference` is a DID URL, `#fragment` or bare key id and `purpose` a verification relationship
/// (`assertionMethod`, `authentication`, …; absent = any). Pass the document as its JSON text to keep
/// duplicate-member detection. Returns the JSON answer whose `value` is the key's public JWK (`kty`,
/// `crv`/`x`/`y` or `n`/`e`, plus `kid` and `alg` when set; errors: `INVALID_DID`, `INVALID_KEY`,
/// `INVALID_INPUT`) (never NULL), to be freed with `grantex_string_free`.
///
/// # Safety
/// `request_json` is NULL (→ an `INVALID_INPUT` answer) or a NUL-terminated string valid for the duration of
/// the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grantex_did_document_key_json(request_json: *const c_char) -> *mut c_char {
    // SAFETY: forwarded caller contract.
    unsafe { answer_for(request_json, "request_json", api::did_document_key_json) }
}

fn code_names() -> &'static [CString] {
    static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
    NAMES.get_or_init(|| {
        ErrorCode::ALL
            .iter()
            .map(|code| CString::new(code.as_str()).unwrap_or_default())
            .collect()
    })
}

/// The code string of a status number: `"OK"` for 0, e.g. `"EXPIRED"` for `GRANTEX_STATUS_EXPIRED`, NULL
/// for a number that is not a status.
///
/// # Safety
/// Always safe to call. The returned string is static: do not free or modify it.
#[unsafe(no_mangle)]
pub extern "C" fn grantex_error_code_name(status: i32) -> *const c_char {
    catch_unwind(|| {
        if status == GRANTEX_OK {
            return c"OK".as_ptr();
        }
        usize::try_from(status)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|index| code_names().get(index))
            .map_or(std::ptr::null(), |name| name.as_ptr())
    })
    .unwrap_or(std::ptr::null())
}

const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => c"unknown",
    };

/// The library version, e.g. `"0.1.0"`.
///
/// # Safety
/// Always safe to call. The returned string is static: do not free or modify it.
#[unsafe(no_mangle)]
pub extern "C" fn grantex_version() -> *const c_char {
    VERSION.as_ptr()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_internal() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        assert_eq!(guard_status(|| panic!("boom")), GRANTEX_STATUS_INTERNAL);
        let answer = guard_answer(|| panic!("boom"));
        std::panic::set_hook(prev);
        // SAFETY: returned by this library.
        let text = unsafe { CStr::from_ptr(answer) }
            .to_str()
            .unwrap()
            .to_owned();
        // SAFETY: returned by this library, freed once.
        unsafe { grantex_string_free(answer) };
        assert!(
            text.starts_with(r#"{"ok":false,"error":{"code":"INTERNAL""#),
            "{text}"
        );
    }
}
