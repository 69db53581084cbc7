//! JSON text exactly as JavaScript's `JSON.stringify` and `JSON.parse` produce and accept it.
//!
//! Session cookies written here must be byte-identical to those written by the JavaScript
//! libraries, so the JSON text must follow ECMAScript rules rather than `serde_json`'s:
//! integer-like object keys come first in ascending numeric order, and numbers use the
//! ECMAScript `Number::toString` format (`1e+21`, `100` rather than `100.0`).

mod number;
mod stringify;

pub(crate) use stringify::stringify_object;
pub use stringify::{stringify, StringifyError, MAX_DEPTH};

use serde_json::Value;

/// Parses JSON text into a value, as `JSON.parse` would for the texts the session libraries
/// write.
///
/// Nesting is limited to [`MAX_DEPTH`] levels, so that a hostile payload cannot exhaust the
/// stack; deeper text returns `None`, as does any invalid JSON.
pub(crate) fn parse(text: &str) -> Option<Value> {
    // serde_json already refuses nesting deeper than 128 levels; MAX_DEPTH is the same bound
    // applied on the writing side.
    serde_json::from_str(text).ok()
}
