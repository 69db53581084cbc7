//! JSON text exactly as JavaScript's `JSON.stringify` writes it, with [`stringify()`].
//!
//! The crate reads cookies with its own parser, which accepts what `JSON.parse` accepts in the
//! texts the session libraries write. It is internal, because it departs from `JSON.parse`
//! where a `serde_json::Value` cannot hold the result: it reads a lone surrogate as U+FFFD
//! and a number beyond the range of a double as `null`.
//!
//! Session cookies written here must be byte-identical to those written by the JavaScript
//! libraries, so the JSON text follows ECMAScript rules rather than `serde_json`'s. Integer-like
//! object keys come first in ascending numeric order. Numbers use the ECMAScript
//! `Number::toString` format (`1e+21`, and `100` rather than `100.0`).

mod canonical;
mod lazy;
mod number;
mod parse;
mod string_literal;
mod stringify;

pub(crate) use lazy::{FromText, LazyObject};
pub(crate) use stringify::stringify_object;
pub use stringify::{stringify, StringifyError, MAX_DEPTH};

use serde_json::Value;

/// Parses JSON text into a value, as `JSON.parse` would for the texts the session libraries
/// write.
///
/// Nesting is limited to [`MAX_DEPTH`] levels, so that a hostile payload cannot exhaust the
/// stack; deeper text returns `None`, as does any invalid JSON.
pub(crate) fn parse(text: &str) -> Option<Value> {
    // Like serde_json, the parser refuses text nested 128 levels or deeper, without recursing
    // further; MAX_DEPTH keeps the writing side within what this accepts.
    parse::parse(text)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn nested(levels: usize) -> Value {
        (0..levels).fold(json!(0), |inner, _| json!([inner]))
    }

    #[test]
    fn deepest_written_value_reads_back() {
        let text = stringify(&nested(MAX_DEPTH)).unwrap();
        assert_eq!(parse(&text), Some(nested(MAX_DEPTH)));
    }

    #[test]
    fn deeper_text_is_rejected_without_overflow() {
        let text = format!("{}0{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse(&text), None);
    }
}
