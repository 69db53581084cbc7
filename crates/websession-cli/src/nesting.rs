//! Telling a payload that is JSON nested too deeply for websession apart from one that is
//! not base64 of JSON text at all. The library returns no data in both cases, so the tool
//! measures the nesting of the decoded text without recursion.

/// Returns how many levels of arrays and objects `text` nests when it is one valid JSON
/// value, or `None` when it is not.
///
/// Bytes are checked as JSON bytes, so multi-byte characters are valid only inside strings.
pub fn text_depth(text: &str) -> Option<usize> {
    json_depth(text.as_bytes())
}

/// The token that the scanner accepts next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value, as at the start or after `:` or `,` in an array.
    Value,
    /// A value or `]`, right after `[`.
    ValueOrArrayEnd,
    /// A member name, after `,` in an object.
    Key,
    /// A member name or `}`, right after `{`.
    KeyOrObjectEnd,
    /// The `:` after a member name.
    Colon,
    /// `,` or the end of the enclosing array or object, or the end of the text at the top.
    AfterValue,
}

/// Returns how many levels of arrays and objects `text` nests when it is one valid JSON
/// value (ECMA-404, surrounded by optional whitespace), or `None` when it is not.
///
/// The scan keeps its own stack, so any depth is measured without recursion.
fn json_depth(text: &[u8]) -> Option<usize> {
    let mut containers: Vec<u8> = Vec::new();
    let mut max_depth = 0;
    let mut expect = Expect::Value;
    let mut position = skip_whitespace(text, 0);

    while expect != Expect::AfterValue || !containers.is_empty() {
        let byte = *text.get(position)?;
        expect = match (expect, byte) {
            (Expect::ValueOrArrayEnd, b']') | (Expect::KeyOrObjectEnd, b'}') => {
                containers.pop();
                position += 1;
                Expect::AfterValue
            }
            (Expect::Value | Expect::ValueOrArrayEnd, b'[' | b'{') => {
                containers.push(byte);
                max_depth = max_depth.max(containers.len());
                position += 1;
                if byte == b'[' {
                    Expect::ValueOrArrayEnd
                } else {
                    Expect::KeyOrObjectEnd
                }
            }
            (Expect::Value | Expect::ValueOrArrayEnd, _) => {
                position = skip_scalar(text, position)?;
                Expect::AfterValue
            }
            (Expect::Key | Expect::KeyOrObjectEnd, b'"') => {
                position = skip_string(text, position)?;
                Expect::Colon
            }
            (Expect::Colon, b':') => {
                position += 1;
                Expect::Value
            }
            (Expect::AfterValue, b',') => {
                position += 1;
                match containers.last() {
                    Some(b'[') => Expect::Value,
                    _ => Expect::Key,
                }
            }
            (Expect::AfterValue, b']' | b'}') if containers.last() == Some(&matching(byte)) => {
                containers.pop();
                position += 1;
                Expect::AfterValue
            }
            _ => return None,
        };
        position = skip_whitespace(text, position);
    }

    (position == text.len()).then_some(max_depth)
}

/// Returns the opening bracket of the closing bracket `byte`.
fn matching(byte: u8) -> u8 {
    if byte == b']' {
        b'['
    } else {
        b'{'
    }
}

fn skip_whitespace(text: &[u8], mut position: usize) -> usize {
    while text
        .get(position)
        .is_some_and(|byte| matches!(byte, b' ' | b'\t' | b'\n' | b'\r'))
    {
        position += 1;
    }
    position
}

/// Skips a string, number or literal that starts at `position`, and returns the position
/// after it, or `None` when it is not valid.
fn skip_scalar(text: &[u8], position: usize) -> Option<usize> {
    match text[position] {
        b'"' => skip_string(text, position),
        b'-' | b'0'..=b'9' => skip_number(text, position),
        _ => ["true", "false", "null"].iter().find_map(|literal| {
            text[position..]
                .starts_with(literal.as_bytes())
                .then_some(position + literal.len())
        }),
    }
}

/// Skips the string whose opening quote is at `position`.
fn skip_string(text: &[u8], position: usize) -> Option<usize> {
    let mut position = position + 1;
    loop {
        match *text.get(position)? {
            b'"' => return Some(position + 1),
            b'\\' => {
                position += 1;
                match *text.get(position)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => position += 1,
                    b'u' => {
                        let digits = text.get(position + 1..position + 5)?;
                        if !digits.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        position += 5;
                    }
                    _ => return None,
                }
            }
            // Control characters must be escaped inside a string.
            0x00..=0x1f => return None,
            _ => position += 1,
        }
    }
}

/// Skips the number that starts at `position`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn skip_number(text: &[u8], position: usize) -> Option<usize> {
    let digits_from = |start: usize| {
        start
            + text[start..]
                .iter()
                .take_while(|byte| byte.is_ascii_digit())
                .count()
    };

    let mut position = position;
    if text.get(position) == Some(&b'-') {
        position += 1;
    }
    match text.get(position)? {
        b'0' => position += 1,
        b'1'..=b'9' => position = digits_from(position),
        _ => return None,
    }
    if text.get(position) == Some(&b'.') {
        let end = digits_from(position + 1);
        if end == position + 1 {
            return None;
        }
        position = end;
    }
    if matches!(text.get(position), Some(b'e' | b'E')) {
        position += 1;
        if matches!(text.get(position), Some(b'+' | b'-')) {
            position += 1;
        }
        let end = digits_from(position);
        if end == position {
            return None;
        }
        position = end;
    }
    Some(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_have_depth_zero() {
        for text in [
            "0",
            "-0.5e+10",
            "12E3",
            " true ",
            "false",
            "null",
            r#""a\"\\\/\b\f\n\r\t\u00e9""#,
        ] {
            assert_eq!(text_depth(text), Some(0), "{text}");
        }
    }

    #[test]
    fn containers_counted_by_level() {
        assert_eq!(text_depth("[]"), Some(1));
        assert_eq!(text_depth("{}"), Some(1));
        assert_eq!(text_depth(r#"{"a":[1,{"b":null}],"c":"]"}"#), Some(3));
        assert_eq!(text_depth(" [ [ ] , [ [ ] ] ] "), Some(3));
    }

    #[test]
    fn invalid_json_rejected() {
        for text in [
            "",
            "[",
            "]",
            "[1,]",
            "[,1]",
            "{\"a\"}",
            "{\"a\":}",
            "{1:2}",
            "{\"a\":1,}",
            "[}",
            "{]",
            "[1}",
            "{\"a\":1]",
            "[1] [2]",
            "01",
            "1.",
            "-",
            "1e",
            "tru",
            "nul",
            "\"open",
            "\"bad \\x escape\"",
            "\"\\u12G4\"",
            "\"tab\tinside\"",
            "'single'",
            "aGVsbG8",
        ] {
            assert_eq!(text_depth(text), None, "{text:?}");
        }
    }

    #[test]
    fn deep_nesting_measured_without_recursion() {
        let levels = 100_000;
        let text = format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        assert_eq!(text_depth(&text), Some(levels));

        let unclosed = "[".repeat(levels);
        assert_eq!(text_depth(&unclosed), None);
    }

    #[test]
    fn latin1_bytes_valid_inside_strings_only() {
        assert_eq!(json_depth(b"{\"msg\":\"\xe9\"}"), Some(1));
        assert_eq!(json_depth(b"[\xe9]"), None);
    }

    #[test]
    fn text_depth_counts_levels() {
        assert_eq!(text_depth("[[0]]"), Some(2));
        assert_eq!(text_depth("{\"msg\":\"é\"}"), Some(1));
        assert_eq!(text_depth("hello"), None);
    }
}
