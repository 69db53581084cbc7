//! `JSON.stringify` for `serde_json` values.

use serde_json::{Map, Value};

use super::number::write_number;

/// Maximum nesting of arrays and objects that [`stringify()`] writes.
///
/// `serde_json`'s parser rejects text nested 128 levels or deeper, so with this limit
/// whatever this crate writes it can read back, and neither side recurses deep enough to
/// exhaust a thread's stack.
///
/// # Examples
///
/// ```
/// let mut value = serde_json::json!(0);
/// for _ in 0..=websession::json::MAX_DEPTH {
///     value = serde_json::json!([value]);
/// }
/// assert!(websession::json::stringify(&value).is_err());
/// ```
pub const MAX_DEPTH: usize = 127;

/// Error from [`stringify()`].
///
/// # Examples
///
/// ```
/// use websession::json::{stringify, StringifyError, MAX_DEPTH};
///
/// let deep = (0..=MAX_DEPTH).fold(serde_json::json!(0), |inner, _| serde_json::json!([inner]));
/// assert_eq!(stringify(&deep), Err(StringifyError::TooDeep));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StringifyError {
    /// The value nests arrays or objects deeper than [`MAX_DEPTH`] levels.
    #[error("session data nested too deeply: more than {MAX_DEPTH} levels of arrays and objects; flatten the data")]
    TooDeep,
}

/// Writes `value` as the JSON text that JavaScript's `JSON.stringify` produces for it.
///
/// Object keys that are array indexes (`"0"`, `"17"`, up to 2³² − 2) come first in ascending
/// numeric order, then the other keys in insertion order. Numbers use the ECMAScript format.
/// Characters outside ASCII are written as they are, not escaped.
///
/// # Errors
///
/// [`StringifyError::TooDeep`] when the value nests deeper than [`MAX_DEPTH`] levels.
///
/// # Examples
///
/// ```
/// let value = serde_json::json!({ "b": 1e21, "a": 100.0, "10": true, "2": null });
/// assert_eq!(
///     websession::json::stringify(&value).unwrap(),
///     r#"{"2":null,"10":true,"b":1e+21,"a":100}"#,
/// );
/// ```
pub fn stringify(value: &Value) -> Result<String, StringifyError> {
    let mut out = String::with_capacity(128);
    write_value(&mut out, value, 0)?;
    Ok(out)
}

/// Writes a JSON object as [`stringify()`] does, without wrapping it in a [`Value`].
pub(crate) fn stringify_object(map: &Map<String, Value>) -> Result<String, StringifyError> {
    let mut out = String::with_capacity(128);
    write_object(&mut out, map, enter(0)?)?;
    Ok(out)
}

/// Writes a JSON object member by member, for a caller that already has the members in the
/// order `JSON.stringify` writes them: no key may be an array index.
pub(crate) struct ObjectWriter {
    out: String,
    empty: bool,
}

impl ObjectWriter {
    /// Starts an object, with room for about `capacity` bytes.
    pub(crate) fn new(capacity: usize) -> Self {
        let mut out = String::with_capacity(capacity + 16);
        out.push('{');
        Self { out, empty: true }
    }

    /// Writes a member whose value is `value`.
    pub(crate) fn value(&mut self, key: &str, value: &Value) -> Result<(), StringifyError> {
        self.key(key);
        // The object itself is the first level.
        write_value(&mut self.out, value, 1)
    }

    /// Writes a member whose value is `json`, which must be what [`stringify()`] writes for
    /// that value.
    pub(crate) fn text(&mut self, key: &str, json: &str) {
        self.key(key);
        self.out.push_str(json);
    }

    /// Closes the object and returns its text.
    pub(crate) fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }

    fn key(&mut self, key: &str) {
        if !std::mem::take(&mut self.empty) {
            self.out.push(',');
        }
        write_string(&mut self.out, key);
        self.out.push(':');
    }
}

fn write_value(out: &mut String, value: &Value, depth: usize) -> Result<(), StringifyError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => write_number(out, number.as_f64().unwrap_or(f64::NAN)),
        Value::String(text) => write_string(out, text),
        Value::Array(items) => {
            let depth = enter(depth)?;
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_value(out, item, depth)?;
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map, enter(depth)?)?,
    }
    Ok(())
}

fn enter(depth: usize) -> Result<usize, StringifyError> {
    if depth >= MAX_DEPTH {
        return Err(StringifyError::TooDeep);
    }
    Ok(depth + 1)
}

fn write_object(
    out: &mut String,
    map: &Map<String, Value>,
    depth: usize,
) -> Result<(), StringifyError> {
    out.push('{');
    let mut first = true;
    let mut write_entry = |out: &mut String, key: &str, value: &Value| {
        if !std::mem::take(&mut first) {
            out.push(',');
        }
        write_string(out, key);
        out.push(':');
        write_value(out, value, depth)
    };

    // JavaScript objects enumerate array-index keys first, in numeric order. Such keys start
    // with a digit, so most objects skip the sorting.
    if !map.keys().any(|key| may_be_array_index(key)) {
        for (key, value) in map {
            write_entry(out, key, value)?;
        }
        out.push('}');
        return Ok(());
    }
    let mut indexes: Vec<(u32, &str, &Value)> = map
        .iter()
        .filter_map(|(key, value)| array_index(key).map(|index| (index, key.as_str(), value)))
        .collect();
    indexes.sort_unstable_by_key(|(index, _, _)| *index);
    for (_, key, value) in &indexes {
        write_entry(out, key, value)?;
    }
    for (key, value) in map {
        if indexes.is_empty() || array_index(key).is_none() {
            write_entry(out, key, value)?;
        }
    }
    out.push('}');
    Ok(())
}

/// Returns `true` when `key` starts with a digit, as every array index does; a cheap test
/// before [`array_index`].
pub(crate) fn may_be_array_index(key: &str) -> bool {
    key.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

/// Returns the numeric value of `key` when JavaScript treats it as an array index: the
/// canonical decimal text of an integer from 0 to 2³² − 2.
pub(crate) fn array_index(key: &str) -> Option<u32> {
    let bytes = key.as_bytes();
    let canonical = match bytes {
        [] => false,
        [b'0'] => true,
        [b'0', ..] => false,
        _ => bytes.len() <= 10 && bytes.iter().all(u8::is_ascii_digit),
    };
    if !canonical {
        return None;
    }
    key.parse::<u64>()
        .ok()
        .filter(|index| *index < u64::from(u32::MAX))
        .map(|index| index as u32)
}

/// Writes a JSON string literal with exactly the escapes `JSON.stringify` uses: the short
/// forms for `"`, `\`, backspace, form feed, newline, carriage return and tab, and `\u00xx`
/// in lower-case hex for the other control characters below U+0020.
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    let mut start = 0;
    for (position, &byte) in text.as_bytes().iter().enumerate() {
        // One table lookup per byte: most bytes need no escape.
        let escape = ESCAPES[usize::from(byte)];
        if escape == 0 {
            continue;
        }
        // Only ASCII bytes are escaped, so `position` is a character boundary.
        out.push_str(&text[start..position]);
        if escape == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        } else {
            out.push('\\');
            out.push(char::from(escape));
        }
        start = position + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// For each byte, the character written after a backslash to escape it, `u` for the
/// `\u00xx` form, or 0 when the byte is written as it is.
const ESCAPES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x0c] = b'f';
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[b'\t' as usize] = b't';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn text(value: Value) -> String {
        stringify(&value).unwrap()
    }

    #[test]
    fn array_index_keys_come_first_in_numeric_order() {
        let value: Value = serde_json::from_str(r#"{"b":1,"a":2,"10":3,"2":4}"#).unwrap();
        assert_eq!(text(value), r#"{"2":4,"10":3,"b":1,"a":2}"#);
    }

    #[test]
    fn non_canonical_numeric_keys_keep_insertion_order() {
        let value: Value =
            serde_json::from_str(r#"{"x":0,"01":1,"4294967295":2,"4294967294":3,"-1":4}"#).unwrap();
        assert_eq!(
            text(value),
            r#"{"4294967294":3,"x":0,"01":1,"4294967295":2,"-1":4}"#
        );
    }

    #[test]
    fn array_index_accepts_only_canonical_indexes() {
        assert_eq!(array_index("0"), Some(0));
        assert_eq!(array_index("42"), Some(42));
        assert_eq!(array_index("4294967294"), Some(4_294_967_294));
        assert_eq!(array_index("4294967295"), None);
        assert_eq!(array_index("00"), None);
        assert_eq!(array_index(""), None);
        assert_eq!(array_index("1e3"), None);
        assert_eq!(array_index("99999999999"), None);
    }

    #[test]
    fn strings_use_javascript_escapes() {
        assert_eq!(text(json!("a\"b\\c\nd\te")), r#""a\"b\\c\nd\te""#);
        assert_eq!(
            text(json!("\u{0}\u{1f}\u{8}\u{c}\r")),
            r#""\u0000\u001f\b\f\r""#
        );
        assert_eq!(text(json!("\u{7f}/\u{2028}é日")), "\"\u{7f}/\u{2028}é日\"");
    }

    #[test]
    fn numbers_use_ecmascript_format() {
        assert_eq!(
            text(json!([1e21, 1e-7, 100.0, -0.0, 42])),
            "[1e+21,1e-7,100,0,42]"
        );
        assert_eq!(text(json!(u64::MAX)), "18446744073709552000");
    }

    #[test]
    fn nesting_beyond_limit_is_rejected() {
        let mut value = json!(1);
        for _ in 0..MAX_DEPTH {
            value = json!([value]);
        }
        assert!(stringify(&value).is_ok());
        value = json!({ "deeper": value });
        assert_eq!(stringify(&value), Err(StringifyError::TooDeep));
    }
}
