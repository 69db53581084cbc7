//! Decoding of JSON string literals that contain escapes, as `JSON.parse` reads them.
//!
//! `serde_json` decodes the escapes, except one case that JavaScript accepts and it rejects:
//! the escape of a lone UTF-16 surrogate, such as `"\ud83c"`. `JSON.stringify` writes one for
//! a string cut in the middle of an emoji, so sessions written by the JavaScript libraries
//! can contain it. A Rust string cannot hold a lone surrogate, so each one reads as U+FFFD,
//! the replacement character.

/// Decodes one string literal, quotes included; `None` when it is not a valid literal.
pub(crate) fn decode(literal: &str) -> Option<String> {
    if let Ok(decoded) = serde_json::from_str(literal) {
        return Some(decoded);
    }
    serde_json::from_str(&replace_lone_surrogates(literal)?).ok()
}

/// Returns `text` with each `\uXXXX` escape of a lone surrogate replaced by `\ufffd`, or
/// `None` when it has none. A high surrogate followed at once by the escape of a low one is
/// a pair and stays.
pub(crate) fn replace_lone_surrogates(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut replaced = String::new();
    let mut copied = 0;
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'\\' {
            index += 1;
            continue;
        }
        let Some(unit) = escaped_unit(bytes, index) else {
            // Another escape: skip the backslash and the byte it escapes.
            index += 2;
            continue;
        };
        let is_pair =
            is_high_surrogate(unit) && escaped_unit(bytes, index + 6).is_some_and(is_low_surrogate);
        if is_pair {
            index += 12;
        } else if is_high_surrogate(unit) || is_low_surrogate(unit) {
            replaced.push_str(&text[copied..index]);
            replaced.push_str("\\ufffd");
            index += 6;
            copied = index;
        } else {
            index += 6;
        }
    }
    if copied == 0 {
        return None;
    }
    replaced.push_str(&text[copied..]);
    Some(replaced)
}

/// Returns the code unit of a `\uXXXX` escape at `index`, if one is there.
fn escaped_unit(bytes: &[u8], index: usize) -> Option<u16> {
    let escape = bytes.get(index..index + 6)?;
    if !escape.starts_with(b"\\u") {
        return None;
    }
    escape[2..].iter().try_fold(0u16, |unit, &byte| {
        let digit = char::from(byte).to_digit(16)?;
        Some(unit * 16 + digit as u16)
    })
}

fn is_high_surrogate(unit: u16) -> bool {
    (0xD800..=0xDBFF).contains(&unit)
}

fn is_low_surrogate(unit: u16) -> bool {
    (0xDC00..=0xDFFF).contains(&unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_escapes() {
        let cases = [
            (r#""\ud83c""#, r#""\ufffd""#),
            (r#""\uDC00""#, r#""\ufffd""#),
            (r#""a\ud83cb""#, r#""a\ufffdb""#),
            (r#""\ud83c\u0041""#, r#""\ufffd\u0041""#),
            (r#""\ud83c\ud83c\udf89""#, r#""\ufffd\ud83c\udf89""#),
            (r#""\udf89\ud83c""#, r#""\ufffd\ufffd""#),
            (r#""é\ud800""#, r#""é\ufffd""#),
        ];
        for (text, expected) in cases {
            assert_eq!(
                replace_lone_surrogates(text).as_deref(),
                Some(expected),
                "{text}"
            );
        }
    }

    #[test]
    fn texts_without_lone_surrogates_are_left_alone() {
        let cases = [
            r#""plain""#,
            r#""\ud83c\udf89""#,
            r#""\u00e9\n\"""#,
            // An escaped backslash followed by the letters of an escape.
            r#""\\ud83c""#,
            // Too short to be an escape.
            r#""\ud83""#,
            r#"\"#,
        ];
        for text in cases {
            assert_eq!(replace_lone_surrogates(text), None, "{text}");
        }
    }

    #[test]
    fn decode_reads_lone_surrogates_as_replacement_character() {
        assert_eq!(decode(r#""\ud83c""#).as_deref(), Some("\u{FFFD}"));
        assert_eq!(decode(r#""x\udc00y""#).as_deref(), Some("x\u{FFFD}y"));
        assert_eq!(decode(r#""\ud83c\udf89""#).as_deref(), Some("🎉"));
    }

    #[test]
    fn decode_rejects_invalid_literals() {
        for text in [
            r#""\x""#,
            r#""\ud83""#,
            r#""\ud83c"#,
            "\"\u{1}\"",
            r#""\ud83c\z""#,
        ] {
            assert_eq!(decode(text), None, "{text}");
        }
    }
}
