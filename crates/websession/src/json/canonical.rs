//! Recognizes JSON text that `JSON.stringify` writes again unchanged after `JSON.parse`.
//!
//! A session read from a cookie and then changed writes the values it did not change. When
//! such a value's text is already in the form [`super::stringify()`] gives, the text is copied
//! instead of parsed and written again. The test is conservative: it accepts only texts whose
//! every part has one written form, and it may reject some texts that would come back the
//! same, which then take the slower path.

use serde_json::Value;

use super::number::write_number;
use super::parse;

/// Objects with more keys than this are not searched for repeated keys, and are rejected.
const MAX_CHECKED_KEYS: usize = 32;

/// Integers of up to 15 digits are below 2⁵³, so a double represents them exactly and
/// `JSON.stringify` writes them with the same digits. Other numbers are written to compare.
const MAX_INTEGER_DIGITS: usize = 15;

/// Returns `true` only when stringifying the value of `text` gives `text` again. `text` must
/// be JSON that the parser accepts. For other text the result is meaningless, but the
/// function still returns.
///
/// Accepted texts have:
/// - no whitespace, around the value or inside it;
/// - strings whose only escapes are the short forms `\"`, `\\`, `\b`, `\f`, `\n`, `\r` and
///   `\t` (no `\u` or `\/`);
/// - numbers in the form `JSON.stringify` writes (`1.5`, `1e+21`, but not `1.50`, `1e21` or
///   `-0`);
/// - objects of at most 32 keys, none repeated and none starting with a digit, because such
///   keys can be array indexes, which JavaScript orders first.
pub(crate) fn stringifies_to_itself(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Keys seen in each object being scanned, innermost last; `None` for an array.
    let mut containers: Vec<Option<Vec<&[u8]>>> = Vec::new();
    let mut expect_key = false;
    let mut scratch = String::new();
    let mut position = 0;
    while let Some(&byte) = bytes.get(position) {
        position = match byte {
            b'"' => {
                let Some(end) = string_end(bytes, position) else {
                    return false;
                };
                if std::mem::take(&mut expect_key)
                    && !add_key(containers.last_mut(), &bytes[position..end])
                {
                    return false;
                }
                end
            }
            b'{' | b'[' => {
                expect_key = byte == b'{';
                containers.push(expect_key.then(Vec::new));
                position + 1
            }
            b'}' | b']' => {
                containers.pop();
                position + 1
            }
            b',' => {
                expect_key = matches!(containers.last(), Some(Some(_)));
                position + 1
            }
            b':' => position + 1,
            b'-' | b'0'..=b'9' => {
                let end = number_end(bytes, position);
                if !number_is_canonical(&bytes[position..end], &mut scratch) {
                    return false;
                }
                end
            }
            b't' | b'n' => position + 4,
            b'f' => position + 5,
            _ => return false,
        };
    }
    true
}

/// Returns the position after the string literal starting at `start`, or `None` when it
/// contains an escape other than the one `JSON.stringify` writes for its character.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut position = start + 1;
    loop {
        position += memchr::memchr2(b'"', b'\\', bytes.get(position..)?)?;
        if bytes[position] == b'"' {
            return Some(position + 1);
        }
        match bytes.get(position + 1)? {
            b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => position += 2,
            _ => return None,
        }
    }
}

/// Records `literal` as a key of the innermost object. Returns `false` when the key is
/// repeated or starts with a digit, or when the object has too many keys to search.
fn add_key<'a>(container: Option<&mut Option<Vec<&'a [u8]>>>, literal: &'a [u8]) -> bool {
    let Some(Some(keys)) = container else {
        return false;
    };
    let starts_with_digit = literal.get(1).is_some_and(u8::is_ascii_digit);
    if starts_with_digit || keys.len() >= MAX_CHECKED_KEYS || keys.contains(&literal) {
        return false;
    }
    keys.push(literal);
    true
}

/// Returns the position after the number token starting at `start`.
fn number_end(bytes: &[u8], start: usize) -> usize {
    start
        + bytes[start..]
            .iter()
            .take_while(|byte| matches!(byte, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .count()
}

/// Returns `true` when `JSON.stringify` writes the number `token` with the same text.
/// `scratch` is a buffer to write it in.
fn number_is_canonical(token: &[u8], scratch: &mut String) -> bool {
    let digits = token.strip_prefix(b"-").unwrap_or(token);
    match digits {
        // Short integers need no writing, because a double represents them exactly.
        [b'0'] if token.len() == 1 => return true,
        [b'1'..=b'9', rest @ ..]
            if rest.len() < MAX_INTEGER_DIGITS && rest.iter().all(u8::is_ascii_digit) =>
        {
            return true
        }
        _ => {}
    }
    // Read and write the number as the parser and `stringify` do, and compare.
    let Some(Value::Number(number)) = std::str::from_utf8(token).ok().and_then(parse::parse) else {
        return false;
    };
    scratch.clear();
    write_number(scratch, number.as_f64().unwrap_or(f64::NAN));
    scratch.as_bytes() == token
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_stringify_writes() {
        for text in [
            r#"{"user":"alice","cart":[1,2,3],"ok":true,"none":null,"off":false}"#,
            r#""a\"b\\c\nd\te\b\f\r""#,
            "\"\u{7f}/\u{2028}é日\"",
            "0",
            "-1",
            "999999999999999",
            "-999999999999999",
            "1000000000000000",
            "1.5",
            "-0.1",
            "1e+21",
            "1.5e-7",
            r#"[{"price":19.5,"ts":1733300000000}]"#,
            r#"[[],{},[{}],{"a":{"a":[]}}]"#,
            r#"{"":1,"x":{"":2}}"#,
        ] {
            assert!(stringifies_to_itself(text), "{text}");
        }
    }

    #[test]
    fn rejects_text_stringify_would_change() {
        for text in [
            "[1, 2]",
            " [1]",
            r#"{"a" :1}"#,
            r#""\u0061""#,
            r#""\/""#,
            "-0",
            "-0.0",
            "1.50",
            "1e3",
            "1e21",
            "1E+21",
            "0.30000000000000001",
            "12345678901234567890",
            "01",
            r#"{"a":1,"a":2}"#,
            r#"{"b":{"x":1,"x":1}}"#,
            r#"{"10":1}"#,
            r#"{"1x":1}"#,
        ] {
            assert!(!stringifies_to_itself(text), "{text}");
        }
    }

    #[test]
    fn numbers_at_digit_and_layout_boundaries() {
        // Integers of 16 digits below 2^53 are exact, so they come back. Above 2^53 they round.
        for text in [
            "123456789012345",
            "1234567890123456",
            "9007199254740991",
            "100000000000000000000",
            "0.000001",
            "1e-7",
            "-1.5e-7",
        ] {
            assert!(stringifies_to_itself(text), "{text}");
        }
        for text in [
            "9007199254740993",
            "12345678901234567",
            "1000000000000000000000",
            "1e-6",
            "0.0000001",
            "1E5",
            "0.1e1",
            "1e+0",
            "-0e0",
        ] {
            assert!(!stringifies_to_itself(text), "{text}");
        }
    }

    #[test]
    fn keys_are_tracked_after_nested_containers() {
        // After an empty object closes, the next string is a value unless a comma of an
        // object comes first.
        assert!(stringifies_to_itself(r#"[{},"a","a"]"#));
        assert!(stringifies_to_itself(r#"{"a":{},"b":"a"}"#));
        assert!(!stringifies_to_itself(r#"{"a":[{}],"a":1}"#));
        assert!(!stringifies_to_itself(r#"[{"a":{}},{"b":[],"b":0}]"#));
    }

    #[test]
    fn keys_after_literals_are_checked() {
        // The comma after `true`, `false` or `null` starts the next key, which must still be
        // checked for repeats and a leading digit.
        for literal in ["true", "false", "null"] {
            let repeated = format!(r#"{{"a":{literal},"a":1}}"#);
            assert!(!stringifies_to_itself(&repeated), "{repeated}");
            let index_key = format!(r#"{{"a":{literal},"1":0}}"#);
            assert!(!stringifies_to_itself(&index_key), "{index_key}");
            let distinct = format!(r#"{{"a":{literal},"b":{literal}}}"#);
            assert!(stringifies_to_itself(&distinct), "{distinct}");
        }
    }

    #[test]
    fn repeated_keys_count_per_object() {
        assert!(stringifies_to_itself(r#"{"a":{"a":1},"b":{"a":2}}"#));
        assert!(stringifies_to_itself(r#"[{"a":1},{"a":2}]"#));
    }

    #[test]
    fn rejects_objects_with_too_many_keys() {
        let object = |count: usize| {
            let members: Vec<String> = (0..count).map(|index| format!("\"k{index}\":0")).collect();
            format!("{{{}}}", members.join(","))
        };
        assert!(stringifies_to_itself(&object(MAX_CHECKED_KEYS)));
        assert!(!stringifies_to_itself(&object(MAX_CHECKED_KEYS + 1)));
    }

    #[test]
    fn damaged_text_returns_without_panicking() {
        for text in ["\"abc", "\"a\\", "{\"a", "[-", "t", "}", "\"\\u"] {
            let _ = stringifies_to_itself(text);
        }
    }
}
