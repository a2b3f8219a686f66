//! The boundary between C and Rust: reading arguments, writing results, turning failures and panics
//! into statuses. Every exported function goes through [`guard`] (or [`guard_value`]).

use std::any::Any;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use credoffer::error::BindingErrorKind;
use zeroize::Zeroize;

use crate::error::credoffer_error;
use crate::status::credoffer_status;

/// Text borrowed from a handle: `len` bytes of UTF-8 at `data`, not NUL-terminated.
///
/// Valid until the handle it came from is freed. `data` is NULL only when the value is absent
/// (an optional member the offer does not have); an empty value has a non-NULL `data` and `len` 0.
/// Print it with `printf("%.*s", (int)s.len, s.data)`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct credoffer_str {
    /// The first byte, or NULL when the value is absent.
    pub data: *const c_char,
    /// The number of bytes.
    pub len: usize,
}

/// The absent value, which out-parameters hold when a call fails.
impl Default for credoffer_str {
    fn default() -> Self {
        Self::absent()
    }
}

impl credoffer_str {
    /// The absent value.
    pub(crate) const fn absent() -> Self {
        Self { data: ptr::null(), len: 0 }
    }

    /// Borrows `text`; the caller keeps `text` alive as long as C may read it.
    pub(crate) fn borrow(text: &str) -> Self {
        if text.is_empty() {
            // A pointer C may safely pass to any function that reads zero bytes.
            return Self { data: c"".as_ptr(), len: 0 };
        }
        Self { data: text.as_ptr().cast(), len: text.len() }
    }

    pub(crate) fn optional(text: Option<&str>) -> Self {
        text.map_or(Self::absent(), Self::borrow)
    }
}

/// Why a call failed, before it becomes a status and an optional error handle.
#[derive(Debug)]
pub(crate) enum Failure {
    /// An engine error, kept whole (message, field, details, HTTP mapping).
    Engine(credoffer::Error),
    /// A failure the C boundary itself detects (the engine's binding family).
    Boundary { kind: BindingErrorKind, message: String, argument: &'static str },
}

impl Failure {
    pub(crate) fn new(kind: BindingErrorKind, argument: &'static str, message: impl Into<String>) -> Self {
        Self::Boundary { kind, message: message.into(), argument }
    }

    pub(crate) fn null(argument: &'static str) -> Self {
        Self::new(BindingErrorKind::NullArgument, argument, format!("{argument} is NULL"))
    }

    pub(crate) fn invalid(argument: &'static str, message: impl Into<String>) -> Self {
        Self::new(BindingErrorKind::InvalidArgument, argument, message)
    }

    pub(crate) fn out_of_range(argument: &'static str, index: usize, len: usize) -> Self {
        Self::new(
            BindingErrorKind::IndexOutOfRange,
            argument,
            format!("{argument} {index} is out of range: the list has {len} entries"),
        )
    }

    pub(crate) fn status(&self) -> credoffer_status {
        match self {
            Failure::Engine(error) => credoffer_status::from_kind(error.kind()),
            Failure::Boundary { kind, .. } => credoffer_status::from_binding(*kind),
        }
    }
}

impl From<credoffer::Error> for Failure {
    fn from(error: credoffer::Error) -> Self {
        Failure::Engine(error)
    }
}

/// The result of a call's body.
pub(crate) type Outcome<T = ()> = Result<T, Failure>;

/// Runs `body` behind a panic boundary and reports its outcome: the status, and on failure a new
/// error handle in `*error` when `error` is not NULL (on success `*error` is set to NULL).
pub(crate) fn guard(error: *mut *mut credoffer_error, body: impl FnOnce() -> Outcome) -> credoffer_status {
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => None,
        Ok(Err(failure)) => Some(failure),
        Err(payload) => Some(panic_failure(payload.as_ref())),
    };
    let status = failure.as_ref().map_or(credoffer_status::Ok, Failure::status);
    if !error.is_null() {
        // Building the handle allocates; keep even that behind the boundary.
        let handle = catch_unwind(AssertUnwindSafe(|| failure.map(credoffer_error::into_raw)));
        // SAFETY: the caller passes either NULL (checked above) or a pointer to writable storage for
        // one `credoffer_error *`, as every function's documentation requires.
        unsafe { error.write(handle.ok().flatten().unwrap_or(ptr::null_mut())) };
    }
    status
}

/// Runs `body` behind a panic boundary for functions that return a value instead of a status.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

fn panic_failure(payload: &(dyn Any + Send)) -> Failure {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".to_owned());
    Failure::new(BindingErrorKind::Panic, "", format!("internal failure: {detail}"))
}

/// Reads required text: `len` bytes at `data`, which must be UTF-8.
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes that stay unchanged during the call.
pub(crate) unsafe fn text<'a>(data: *const c_char, len: usize, argument: &'static str) -> Outcome<&'a str> {
    // SAFETY: forwarded from this function's contract.
    unsafe { optional_text(data, len, argument) }?.ok_or_else(|| Failure::null(argument))
}

/// Reads optional text: NULL (with `len` 0) is `None`.
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes that stay unchanged during the call.
pub(crate) unsafe fn optional_text<'a>(
    data: *const c_char,
    len: usize,
    argument: &'static str,
) -> Outcome<Option<&'a str>> {
    // SAFETY: forwarded from this function's contract.
    let Some(bytes) = (unsafe { optional_bytes(data.cast(), len, argument) })? else {
        return Ok(None);
    };
    std::str::from_utf8(bytes)
        .map(Some)
        .map_err(|e| Failure::new(BindingErrorKind::InvalidUtf8, argument, format!("{argument} is not UTF-8: {e}")))
}

/// Reads optional bytes: NULL (with `len` 0) is `None`.
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes that stay unchanged during the call.
pub(crate) unsafe fn optional_bytes<'a>(
    data: *const u8,
    len: usize,
    argument: &'static str,
) -> Outcome<Option<&'a [u8]>> {
    if data.is_null() {
        if len != 0 {
            return Err(Failure::invalid(argument, format!("{argument} is NULL but its length is {len}")));
        }
        return Ok(None);
    }
    if isize::try_from(len).is_err() {
        return Err(Failure::invalid(argument, format!("the length of {argument} ({len}) is above PTRDIFF_MAX")));
    }
    // SAFETY: `data` is not NULL, `len` fits `isize`, and the caller guarantees `len` readable bytes
    // that do not change while this call runs; a byte slice needs no alignment.
    Ok(Some(unsafe { std::slice::from_raw_parts(data, len) }))
}

/// Borrows a handle the caller passed in.
///
/// # Safety
/// `handle` is NULL or a live handle of type `T` returned by this library and not yet freed.
pub(crate) unsafe fn handle<'a, T>(handle: *const T, argument: &'static str) -> Outcome<&'a T> {
    // SAFETY: forwarded from this function's contract; `as_ref` maps NULL to `None`.
    unsafe { handle.as_ref() }.ok_or_else(|| Failure::null(argument))
}

/// Borrows a handle the caller passed in, for changing it.
///
/// # Safety
/// `handle` is NULL or a live handle of type `T` returned by this library, not yet freed and not
/// used by another thread during the call.
pub(crate) unsafe fn handle_mut<'a, T>(handle: *mut T, argument: &'static str) -> Outcome<&'a mut T> {
    // SAFETY: forwarded from this function's contract; `as_mut` maps NULL to `None`.
    unsafe { handle.as_mut() }.ok_or_else(|| Failure::null(argument))
}

/// Runs an accessor: borrows the handle, checks the out-parameter, writes what `read` returns.
///
/// # Safety
/// `handle_ptr` is NULL or a live handle of type `H`; `out` is NULL or points to writable storage for
/// a `T`; `error` is NULL or points to writable storage.
pub(crate) unsafe fn access<H, T: Default>(
    handle_ptr: *const H,
    argument: &'static str,
    out: *mut T,
    error: *mut *mut credoffer_error,
    read: impl FnOnce(&H) -> Outcome<T>,
) -> credoffer_status {
    guard(error, || {
        // SAFETY: forwarded from this function's contract.
        let out = Out::required(out, "out")?.preset(T::default());
        // SAFETY: forwarded from this function's contract.
        let value = unsafe { handle(handle_ptr, argument) }?;
        out.write(read(value)?);
        Ok(())
    })
}

/// A place the caller asked a result to be written to.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// Checks a required out-parameter. Nothing is written yet, so a NULL here leaks nothing.
    pub(crate) fn required(place: *mut T, argument: &'static str) -> Outcome<Self> {
        if place.is_null() { Err(Failure::null(argument)) } else { Ok(Self(place)) }
    }

    /// An optional out-parameter (NULL: the caller does not want the value).
    pub(crate) fn optional(place: *mut T) -> Option<Self> {
        (!place.is_null()).then_some(Self(place))
    }

    pub(crate) fn write(self, value: T) {
        // SAFETY: the pointer is not NULL (checked when `self` was made) and the caller's contract
        // says it points to writable storage for one `T`. `write` drops nothing that was there, so
        // stale caller data is never freed.
        unsafe { self.0.write(value) }
    }

    /// Writes `empty` at once (NULL, 0, an empty value), so the out-parameter holds it whenever the
    /// call fails rather than whatever the caller left there.
    pub(crate) fn preset(self, empty: T) -> Self {
        // SAFETY: as in `write`.
        unsafe { self.0.write(empty) };
        self
    }
}

impl<T> Out<*mut T> {
    /// Sets a handle out-parameter to NULL, so it is NULL whenever the call fails.
    pub(crate) fn cleared(self) -> Self {
        self.preset(ptr::null_mut())
    }
}

/// An owned string out-parameter pair: `char **out` (required) and `size_t *out_len` (optional).
pub(crate) struct StringOut {
    text: Out<*mut c_char>,
    len: Option<Out<usize>>,
}

impl StringOut {
    pub(crate) fn new(out: *mut *mut c_char, out_len: *mut usize, argument: &'static str) -> Outcome<Self> {
        let text = Out::required(out, argument)?.cleared();
        let len = Out::optional(out_len).map(|len| len.preset(0));
        Ok(Self { text, len })
    }

    /// An optional string out-parameter pair: `None` when `out` is NULL (the caller does not want it).
    pub(crate) fn optional(out: *mut *mut c_char, out_len: *mut usize) -> Option<Self> {
        let text = Out::optional(out)?.cleared();
        let len = Out::optional(out_len).map(|len| len.preset(0));
        Some(Self { text, len })
    }

    /// Hands `value` to C as a NUL-terminated string that `credoffer_string_free` releases.
    pub(crate) fn write(self, value: String) -> Outcome {
        self.write_text(Text::new(value)?);
        Ok(())
    }

    /// Hands over text already converted, so a call with two results writes both or neither.
    pub(crate) fn write_text(self, text: Text) {
        self.text.write(text.owned.into_raw());
        if let Some(out_len) = self.len {
            out_len.write(text.len);
        }
    }
}

/// A result converted to a C string, not yet handed to C.
pub(crate) struct Text {
    owned: CString,
    len: usize,
}

impl Text {
    pub(crate) fn new(value: String) -> Outcome<Self> {
        let len = value.len();
        let owned = CString::new(value).map_err(|e| {
            let mut bytes = e.into_vec();
            bytes.zeroize();
            Failure::new(BindingErrorKind::Panic, "", "internal failure: a result contains a NUL byte")
        })?;
        Ok(Self { owned, len })
    }
}

/// Moves a value into a heap handle owned by C.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Frees a handle made by [`into_handle`], behind a panic boundary. NULL is ignored.
///
/// # Safety
/// `handle` is NULL or a handle of type `T` from [`into_handle`], not freed before and not used after.
pub(crate) unsafe fn free_handle<T>(handle: *mut T) {
    if handle.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: forwarded from this function's contract: the pointer came from `Box::into_raw`
        // and ownership returns to Rust exactly once.
        drop(unsafe { Box::from_raw(handle) });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{credoffer_error_field, credoffer_error_free, credoffer_error_message, credoffer_error_status};

    fn text_of(s: credoffer_str) -> String {
        assert!(!s.data.is_null());
        // SAFETY: a `credoffer_str` from this library points to `len` bytes of UTF-8 that live as long
        // as the handle, which the test keeps alive.
        let bytes = unsafe { std::slice::from_raw_parts(s.data.cast::<u8>(), s.len) };
        String::from_utf8(bytes.to_vec()).unwrap_or_default()
    }

    #[test]
    fn a_panic_becomes_the_panic_status_and_an_error() {
        let mut error = ptr::null_mut();
        let status = guard(&mut error, || panic!("boom at the boundary"));
        assert_eq!(status, credoffer_status::Panic);
        // SAFETY: `error` was just written by `guard` and is freed once, below.
        unsafe {
            assert_eq!(credoffer_error_status(error), credoffer_status::Panic);
            assert!(text_of(credoffer_error_message(error)).contains("boom at the boundary"));
            assert!(credoffer_error_field(error).data.is_null());
            credoffer_error_free(error);
        }
        assert_eq!(guard_value(7, || panic!("boom")), 7);
    }

    #[test]
    fn engine_errors_keep_their_status_and_field() {
        let mut error = ptr::null_mut();
        let status = guard(&mut error, || {
            Err(credoffer::Error::new(credoffer::ErrorKind::BlankValue, "blank").at("credential_configuration_ids[0]"))?
        });
        assert_eq!(status, credoffer_status::BlankValue);
        // SAFETY: `error` was just written by `guard` and is freed once, below.
        unsafe {
            assert_eq!(text_of(credoffer_error_field(error)), "credential_configuration_ids[0]");
            credoffer_error_free(error);
        }
        let mut cleared = ptr::dangling_mut::<credoffer_error>();
        assert_eq!(guard(&mut cleared, || Ok(())), credoffer_status::Ok);
        assert!(cleared.is_null());
    }

    #[test]
    fn lengths_above_ptrdiff_max_are_refused_before_reading() {
        // SAFETY: the length is refused before the pointer is read.
        let result = unsafe { text(c"x".as_ptr(), usize::MAX, "uri") };
        assert!(matches!(result, Err(Failure::Boundary { kind: BindingErrorKind::InvalidArgument, .. })));
    }
}
