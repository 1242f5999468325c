//! Link check for `grantex-core` on `wasm32-unknown-unknown`.
//!
//! A library build (rlib) never links, so missing symbols (for example `getrandom` without a wasm
//! backend) only show up in a final artefact. This `cdylib` exports a raw C ABI, without wasm-bindgen,
//! that runs the whole grant-token verification path:
//!
//! * `alloc(len) -> ptr` / `dealloc(ptr, len)` — buffers owned by this module;
//! * `verify_grant_token_json(ptr, len) -> u64` — reads a UTF-8 request
//!   `{"jwks":…,"token":…,"options":…}` from `ptr..ptr+len` and answers with
//!   [`grantex_core::api::verify_grant_token_json`]'s JSON in a new buffer, returned packed as
//!   `(answer_ptr << 32) | answer_len`; the caller frees it with `dealloc(answer_ptr, answer_len)`.
//!   The packing assumes 32-bit pointers (wasm32); a native build only proves that the crate compiles.
//!
//! `tests/wasm-check/run.mjs` drives it from Node. The module is also an early size signal for the
//! wasm-bindgen package.
// Raw pointers across the FFI boundary are the point of this crate.
#![allow(unsafe_code)]

/// Allocates `len` bytes for the host to write into; free with [`dealloc`] and the same `len`.
#[unsafe(no_mangle)]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut buf = std::mem::ManuallyDrop::new(Vec::<u8>::with_capacity(len));
    buf.as_mut_ptr()
}

/// Frees a buffer from [`alloc`] or an answer from [`verify_grant_token_json`].
///
/// # Safety
/// `ptr` must come from this module with exactly this `len`, and be freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
    if !ptr.is_null() {
        // SAFETY: per the contract, `ptr`/`len` describe a live allocation of capacity `len` from this
        // module (`alloc` or a boxed answer slice, whose capacity equals its length).
        drop(unsafe { Vec::from_raw_parts(ptr, 0, len) });
    }
}

/// Verifies the request in `ptr..ptr+len`; answer packed as `(ptr << 32) | len` (see the crate docs).
///
/// # Safety
/// `ptr..ptr+len` must be readable memory of this module (normally a buffer from [`alloc`]).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn verify_grant_token_json(ptr: *const u8, len: usize) -> u64 {
    let bytes: &[u8] = if len == 0 {
        &[]
    } else {
        // SAFETY: the caller guarantees `ptr..ptr+len` is readable.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    };
    let answer = match std::str::from_utf8(bytes) {
        Ok(request) => grantex_core::api::verify_grant_token_json(request),
        Err(_) => String::from(
            r#"{"ok":false,"error":{"code":"INVALID_INPUT","message":"request is not UTF-8"}}"#,
        ),
    };
    let answer = std::mem::ManuallyDrop::new(answer.into_bytes().into_boxed_slice());
    // On wasm32 pointers and lengths are 32-bit, so the pair fits one u64.
    ((answer.as_ptr() as usize as u64) << 32) | answer.len() as u64
}
