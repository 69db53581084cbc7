//! `JSON.parse` for session payloads, into `serde_json` values.
//!
//! The result is the same as `serde_json::from_str::<Value>` for every input: the same value,
//! or `None` where `serde_json` returns an error. There are two exceptions, both texts that
//! `serde_json` rejects and `JSON.parse` accepts. The escape of a lone UTF-16 surrogate reads
//! as U+FFFD. A number beyond the range of a double, which `JSON.parse` reads as Infinity,
//! reads as `null`, the text `JSON.stringify` writes for Infinity. The tests compare the two
//! parsers on generated and damaged texts. The parser is faster because it builds each array
//! and object at its final size from shared stacks, and copies strings without escapes
//! straight from the input. Strings with escapes and numbers other than small non-negative
//! integers are handed to `serde_json`, so their rules (rounding, range) are exactly its own.
//!
//! [`check_object`] runs the same grammar without building values, so it accepts exactly the
//! texts that [`parse`] accepts, and records where each top-level member of an object is.

use std::ops::Range;

use serde_json::{Map, Number, Value};

use super::string_literal;

/// The characters JSON allows as whitespace between tokens.
pub(crate) const WHITESPACE: [char; 4] = [' ', '\n', '\t', '\r'];

/// Nesting of arrays and objects at which `serde_json` rejects text: it reads at most 127
/// levels, and so does this parser.
const MAX_NESTING: usize = 128;

/// Parses `text` as one JSON value with optional surrounding whitespace.
pub(crate) fn parse(text: &str) -> Option<Value> {
    let mut parser = Parser::new(text, true);
    let value = parser.value()?;
    parser.finish().then_some(value)
}

/// Position of one member of an object in its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MemberSpan {
    /// The key's string literal, quotes included.
    pub(crate) key: Range<usize>,
    /// The value's text, possibly with whitespace around it.
    pub(crate) value: Range<usize>,
}

/// Outcome of [`check_object`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Checked {
    /// A JSON object, with its top-level members in text order. A repeated key appears once
    /// for each time it is written.
    Object(Vec<MemberSpan>),
    /// A JSON value that is not an object.
    OtherValue,
    /// Not JSON, or nested deeper than [`parse`] reads.
    Invalid,
}

/// Checks `text` as [`parse`] would, without building the value.
pub(crate) fn check_object(text: &str) -> Checked {
    let mut parser = Parser::new(text, false);
    if parser.value().is_none() || !parser.finish() {
        return Checked::Invalid;
    }
    let is_object = text.trim_start_matches(WHITESPACE).starts_with('{');
    if is_object {
        Checked::Object(std::mem::take(&mut parser.members))
    } else {
        Checked::OtherValue
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
    depth: usize,
    /// `false` to check the text only: strings, arrays and objects then come out as
    /// [`Value::Null`], and only escaped strings allocate.
    build: bool,
    /// When checking, the spans of the members of the outermost object.
    members: Vec<MemberSpan>,
    /// Entries of the objects being parsed, innermost last; an object takes its own off the
    /// end when it closes.
    entries: Vec<(String, Value)>,
    /// Items of the arrays being parsed, in the same way.
    items: Vec<Value>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, build: bool) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            position: 0,
            depth: 0,
            build,
            // Room for the members of a typical session without growing.
            members: if build {
                Vec::new()
            } else {
                Vec::with_capacity(16)
            },
            entries: Vec::new(),
            items: Vec::new(),
        }
    }

    /// Skips trailing whitespace and returns `true` when nothing else follows the value.
    fn finish(&mut self) -> bool {
        self.skip_whitespace();
        self.position == self.bytes.len()
    }

    fn value(&mut self) -> Option<Value> {
        self.skip_whitespace();
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string().map(Value::String),
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn object(&mut self) -> Option<Value> {
        self.enter()?;
        let first_entry = self.entries.len();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.position += 1;
        } else {
            loop {
                self.skip_whitespace();
                if self.peek()? != b'"' {
                    return None;
                }
                let key_start = self.position;
                let key = self.string()?;
                let key_end = self.position;
                self.skip_whitespace();
                if self.peek()? != b':' {
                    return None;
                }
                self.position += 1;
                let value_start = self.position;
                let value = self.value()?;
                if self.build {
                    self.entries.push((key, value));
                } else if self.depth == 1 {
                    self.members.push(MemberSpan {
                        key: key_start..key_end,
                        value: value_start..self.position,
                    });
                }
                if self.after_item(b'}')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        if !self.build {
            return Some(Value::Null);
        }

        // A repeated key keeps its first position and takes the last value, as
        // `Map::insert` does for `serde_json`.
        let mut map = Map::with_capacity(self.entries.len() - first_entry);
        for (key, value) in self.entries.drain(first_entry..) {
            map.insert(key, value);
        }
        Some(Value::Object(map))
    }

    fn array(&mut self) -> Option<Value> {
        self.enter()?;
        let first_item = self.items.len();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.position += 1;
        } else {
            loop {
                let item = self.value()?;
                if self.build {
                    self.items.push(item);
                }
                if self.after_item(b']')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        if !self.build {
            return Some(Value::Null);
        }
        Some(Value::Array(self.items.drain(first_item..).collect()))
    }

    /// Consumes the `,` or the closing byte after an item; returns `true` at the closing byte.
    fn after_item(&mut self, close: u8) -> Option<bool> {
        self.skip_whitespace();
        let byte = self.peek()?;
        self.position += 1;
        match byte {
            b',' => Some(false),
            _ if byte == close => Some(true),
            _ => None,
        }
    }

    /// Consumes the opening byte of an array or object, within the nesting limit.
    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        self.position += 1;
        (self.depth < MAX_NESTING).then_some(())
    }

    fn string(&mut self) -> Option<String> {
        let start = self.position + 1;
        let end = start + plain_run(&self.bytes[start..]);
        match self.bytes.get(end)? {
            b'"' => {
                self.position = end + 1;
                if !self.build {
                    return Some(String::new());
                }
                // Both ends are ASCII quotes, so they are character boundaries.
                Some(self.text[start..end].to_owned())
            }
            b'\\' => self.escaped_string(),
            _ => None,
        }
    }

    /// Finds the end of a string literal with escapes and decodes it.
    fn escaped_string(&mut self) -> Option<String> {
        let start = self.position;
        let mut index = start + 1;
        loop {
            match *self.bytes.get(index)? {
                b'\\' => index += 2,
                b'"' => break,
                _ => index += 1,
            }
        }
        self.position = index + 1;
        // Both ends are ASCII quotes; `get` also covers an escape of a multi-byte character.
        string_literal::decode(self.text.get(start..=index)?)
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.position;
        let length = self.bytes[start..]
            .iter()
            .take_while(|byte| matches!(byte, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .count();
        self.position = start + length;
        let token = &self.bytes[start..start + length];

        // A non-negative integer of at most 19 digits without a leading zero fits in a u64,
        // which is what `serde_json` makes of it.
        let plain_integer = (1..=19).contains(&token.len())
            && token.iter().all(u8::is_ascii_digit)
            && (token[0] != b'0' || token.len() == 1);
        if plain_integer {
            if !self.build {
                return Some(Value::Null);
            }
            let integer = token
                .iter()
                .fold(0u64, |total, digit| total * 10 + u64::from(digit - b'0'));
            return Some(Value::Number(integer.into()));
        }
        // The token is ASCII, so its ends are character boundaries.
        let text = &self.text[start..start + length];
        if is_short_decimal(token) {
            if !self.build {
                return Some(Value::Null);
            }
            // `serde_json` with `float_roundtrip` and the standard library both round a
            // decimal to the nearest double, so they make the same `f64` of it.
            if token.contains(&b'.') {
                return text
                    .parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number);
            }
        }
        match serde_json::from_str::<Number>(text) {
            Ok(number) => Some(Value::Number(number)),
            // A number beyond the range of a double, such as `1e999`, is the only valid token
            // that `serde_json` rejects. `JSON.parse` reads it as Infinity, which a `Value`
            // cannot hold, and `JSON.stringify` writes Infinity as `null`.
            Err(_) if is_json_number(token) => Some(Value::Null),
            Err(_) => None,
        }
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Option<Value> {
        if !self.bytes[self.position..].starts_with(word) {
            return None;
        }
        self.position += word.len();
        Some(value)
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.bytes.get(self.position) {
            self.position += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }
}

/// Returns `true` for a number token of the form `-?(0|[1-9][0-9]*)(\.[0-9]+)?` and at most
/// 300 bytes long. `serde_json` accepts every such token, because without an exponent its
/// value stays below 10^300, far from the largest double.
fn is_short_decimal(token: &[u8]) -> bool {
    token.len() <= 300
        && !token.iter().any(|byte| matches!(byte, b'e' | b'E'))
        && is_json_number(token)
}

/// Returns `true` for a number token of JSON's grammar:
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(token: &[u8]) -> bool {
    let digits = |bytes: &[u8]| {
        bytes
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count()
    };

    let unsigned = token.strip_prefix(b"-").unwrap_or(token);
    let integer = digits(unsigned);
    if integer == 0 || (unsigned[0] == b'0' && integer > 1) {
        return false;
    }
    let mut rest = &unsigned[integer..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let length = digits(fraction);
        if length == 0 {
            return false;
        }
        rest = &fraction[length..];
    }
    if let [b'e' | b'E', exponent @ ..] = rest {
        let exponent = exponent
            .strip_prefix(b"+")
            .or_else(|| exponent.strip_prefix(b"-"))
            .unwrap_or(exponent);
        let length = digits(exponent);
        if length == 0 {
            return false;
        }
        rest = &exponent[length..];
    }
    rest.is_empty()
}

/// Returns the length of the run of plain bytes at the start of `bytes`: those before the
/// first quote, backslash or control character, or all of them.
///
/// Most of a session payload is string contents, so this looks at eight bytes a step. For
/// each byte, `word - 0x01..` borrows into the high bit where the byte is 0, and
/// `word - 0x20..` where it is below 0x20; masking with `!word` drops bytes of 0x80 and above.
/// Borrows only make false hits above a true one, so the lowest hit is exact.
fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);
    let is_special = |byte: u8| matches!(byte, b'"' | b'\\' | 0x00..=0x1f);

    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let quotes = word ^ (ONES * u64::from(b'"'));
        let backslashes = word ^ (ONES * u64::from(b'\\'));
        let hits = (quotes.wrapping_sub(ONES) & !quotes
            | backslashes.wrapping_sub(ONES) & !backslashes
            | word.wrapping_sub(ONES * 0x20))
            & !word
            & HIGH_BITS;
        if hits != 0 {
            return offset + (hits.trailing_zeros() / 8) as usize;
        }
        offset += 8;
    }
    let tail = chunks.remainder();
    offset
        + tail
            .iter()
            .position(|&byte| is_special(byte))
            .unwrap_or(tail.len())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Returns what `serde_json` reads, with the escapes of lone surrogates, which it rejects,
    /// read as U+FFFD, and numbers beyond the range of a double, which it rejects too, read
    /// as `null`.
    fn reference(text: &str) -> Option<Value> {
        let text = overflowing_numbers_as_null(text);
        serde_json::from_str(&text).ok().or_else(|| {
            let replaced = string_literal::replace_lone_surrogates(&text)?;
            serde_json::from_str(&replaced).ok()
        })
    }

    /// Rewrites each number outside strings that `serde_json` rejects as out of range, and
    /// that the standard library reads as infinite, as `null`.
    fn overflowing_numbers_as_null(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut output = String::with_capacity(text.len());
        let mut copied = 0;
        let mut index = 0;
        let mut in_string = false;
        while let Some(&byte) = bytes.get(index) {
            if in_string {
                match byte {
                    b'\\' => index += 1,
                    b'"' => in_string = false,
                    _ => {}
                }
                index += 1;
                continue;
            }
            if !(byte == b'-' || byte.is_ascii_digit()) {
                in_string = byte == b'"';
                index += 1;
                continue;
            }
            let length = bytes[index..]
                .iter()
                .take_while(|byte| matches!(byte, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                .count();
            let token = &text[index..index + length];
            let out_of_range = serde_json::from_str::<Number>(token)
                .is_err_and(|error| error.to_string().starts_with("number out of range"));
            if out_of_range && token.parse::<f64>().is_ok_and(f64::is_infinite) {
                output.push_str(&text[copied..index]);
                output.push_str("null");
                copied = index + length;
            }
            index += length;
        }
        output.push_str(&text[copied..]);
        output
    }

    #[test]
    fn numbers_beyond_double_range_read_as_null() {
        let text = r#"{"a":-1e999,"b":2,"c":[1E400,1e-400],"d":"1e999"}"#;
        let expected = serde_json::json!({"a": null, "b": 2, "c": [null, 0.0], "d": "1e999"});
        assert_eq!(parse(text), Some(expected.clone()));
        assert_eq!(reference(text), Some(expected));
        check_agrees(text).unwrap();

        let long_integer = "9".repeat(400);
        assert_eq!(parse(&long_integer), Some(Value::Null));
        for invalid in ["01e999", "1.e999", "1e999.5", "-e999", "1e+-999"] {
            assert_eq!(parse(invalid), None, "{invalid}");
        }
    }

    #[test]
    fn long_fraction_beyond_range_reads_as_null() {
        // 310 integer digits exceed the largest double, about 1.8e308. At over 300 bytes the
        // text skips the decimal fast path, so `serde_json` finds it out of range.
        let huge = format!("1{}.5", "0".repeat(309));
        let text = format!(r#"{{"n":{huge},"m":-{huge}}}"#);
        let expected = serde_json::json!({"n": null, "m": null});
        assert_eq!(parse(&huge), Some(Value::Null));
        assert_eq!(parse(&text), Some(expected.clone()));
        assert_eq!(reference(&text), Some(expected));
        check_agrees(&text).unwrap();

        // As long, but within range: read as the nearest double.
        let long_small = format!("0.{}1", "0".repeat(309));
        assert_eq!(parse(&long_small), reference(&long_small));
        assert_eq!(parse(&long_small), Some(serde_json::json!(1e-310)));
    }

    #[test]
    fn fraction_with_huge_exponent_reads_as_null() {
        // Fractions with an exponent are read by `serde_json`, which finds these out of range.
        for text in ["1.5e999", "-1.5E+400", "0.5e999", "-0.5e400"] {
            assert_eq!(parse(text), Some(Value::Null), "{text}");
            assert_eq!(reference(text), Some(Value::Null), "{text}");
            check_agrees(text).unwrap();
        }
        assert_eq!(parse("0.5e-999"), Some(serde_json::json!(0.0)));
    }

    #[test]
    fn lone_surrogate_escapes_read_as_replacement_character() {
        let text = r#"{"user":"alice","bio":"\ud83c","\udc00":[1,"a\ud800"]}"#;
        let expected = serde_json::json!({
            "user": "alice",
            "bio": "\u{FFFD}",
            "\u{FFFD}": [1, "a\u{FFFD}"],
        });
        assert_eq!(parse(text), Some(expected));
        check_agrees(text).unwrap();
    }

    /// Checks that `check_object` accepts what `parse` accepts, and that its member spans
    /// rebuild the object `parse` returns.
    fn check_agrees(text: &str) -> Result<(), String> {
        match (parse(text), check_object(text)) {
            (None, Checked::Invalid) => Ok(()),
            (Some(Value::Object(expected)), Checked::Object(members)) => {
                let mut rebuilt = Map::new();
                for member in members {
                    let Some(Value::String(key)) = parse(&text[member.key.clone()]) else {
                        return Err(format!("key span {:?} of {text:?}", member.key));
                    };
                    let Some(value) = parse(&text[member.value.clone()]) else {
                        return Err(format!("value span {:?} of {text:?}", member.value));
                    };
                    rebuilt.insert(key, value);
                }
                let same_order = rebuilt.keys().eq(expected.keys());
                if rebuilt == expected && same_order {
                    Ok(())
                } else {
                    Err(format!(
                        "spans rebuild {rebuilt:?}, parse gives {expected:?}"
                    ))
                }
            }
            (Some(value), Checked::OtherValue) if !value.is_object() => Ok(()),
            (parsed, checked) => Err(format!("{text:?}: parse {parsed:?}, check {checked:?}")),
        }
    }

    #[test]
    fn edge_cases_match_serde_json() {
        let cases = [
            "",
            " ",
            "0",
            "-0",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "1e400",
            "-1e400",
            "1e-400",
            "18446744073709551615",
            "18446744073709551616",
            "9999999999999999999",
            "-9223372036854775808",
            "-9223372036854775809",
            "1.0",
            "-0.0",
            "0.30000000000000004",
            "123456789012345678901234567890.5",
            "-1.7976931348623157",
            "00.5",
            "-.5",
            "1.5.5",
            "2.2250738585072011e-308",
            "1E2",
            "0.1e1",
            "  1  ",
            "1 2",
            "\"\\ud800\"",
            "\"\\udc00\\ud800\"",
            "{\"\\ud800\":\"\\udfff\",\"\\ud800\":2}",
            "\"\\ud83d\\ude00\"",
            "\"\\u00e9\"",
            "\"\\x\"",
            "\"\\\u{e9}\"",
            "\"a\u{7f}\"",
            "\"\t\"",
            "\"\\/\"",
            "\"abc",
            "\"\\",
            "[1,]",
            "[,1]",
            "[1 2]",
            "[]",
            "[ ]",
            "{}",
            "{ }",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "{\"a\":1,\"a\":2,\"b\":3}",
            "{\"b\":1,\"a\":2,\"b\":3}",
            "{\"\\u0061\":1,\"a\":2}",
            " {\"a\" : [1, {\"b\": {}}] ,\"c\":\"d\"} ",
            "truex",
            "[true,false,null]",
            "tru",
            "nul",
            "{\"a\":[1,{\"b\":\"c\"}]}",
            "[1-2]",
            "[1e5e5]",
            "\u{feff}1",
            "[\"é日\"]",
            "1\n",
            "\r\n[\t1 ]",
        ];
        for text in cases {
            assert_eq!(parse(text), reference(text), "text {text:?}");
            check_agrees(text).unwrap();
        }
    }

    #[test]
    fn nesting_limit_matches_serde_json() {
        for levels in 120..=135 {
            let arrays = format!("{}0{}", "[".repeat(levels), "]".repeat(levels));
            assert_eq!(parse(&arrays), reference(&arrays), "{levels} arrays");
            let objects = format!("{}0{}", "{\"a\":".repeat(levels), "}".repeat(levels));
            assert_eq!(parse(&objects), reference(&objects), "{levels} objects");
            check_agrees(&arrays).unwrap();
            check_agrees(&objects).unwrap();
        }
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[a-z\"\\\\\u{0}-\u{1f}é日😀]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-c0-2\"]{0,3}", inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn plain_run_stops_at_special_byte(
            plain in "[ -~é]{0,30}",
            rest in prop::collection::vec(
                prop_oneof![any::<u8>(), Just(b'"'), Just(b'\\'), 0x1eu8..=0x24, 0x7eu8..=0x82],
                0..20,
            ),
        ) {
            let bytes = [plain.as_bytes(), &rest].concat();
            let expected = bytes
                .iter()
                .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
                .unwrap_or(bytes.len());
            prop_assert_eq!(plain_run(&bytes), expected);
        }

        #[test]
        fn decimal_texts_match_serde_json(text in "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,25})?") {
            prop_assert_eq!(parse(&text), reference(&text));
            prop_assert_eq!(check_agrees(&text), Ok(()));
        }

        #[test]
        fn generated_texts_match_serde_json(value in any_value()) {
            let text = serde_json::to_string(&value).unwrap();
            prop_assert_eq!(parse(&text), reference(&text));
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            prop_assert_eq!(parse(&pretty), reference(&pretty));
            prop_assert_eq!(check_agrees(&text), Ok(()));
            prop_assert_eq!(check_agrees(&pretty), Ok(()));
        }

        #[test]
        fn escaped_code_units_read_as_lossy_utf16(
            units in prop::collection::vec(prop_oneof![0xD7F0u16..=0xE010, any::<u16>()], 0..8),
            uppercase in any::<bool>(),
        ) {
            let escaped: String = units
                .iter()
                .map(|unit| {
                    if uppercase {
                        format!("\\u{unit:04X}")
                    } else {
                        format!("\\u{unit:04x}")
                    }
                })
                .collect();
            let text = format!("{{\"{escaped}\":[\"{escaped}\"]}}");
            let expected = String::from_utf16_lossy(&units);
            let mut object = Map::new();
            object.insert(expected.clone(), Value::Array(vec![Value::String(expected)]));
            prop_assert_eq!(parse(&text), Some(Value::Object(object)));
            prop_assert_eq!(check_agrees(&text), Ok(()));
        }

        #[test]
        fn damaged_texts_match_serde_json(
            value in any_value(),
            position in any::<prop::sample::Index>(),
            insert in prop::sample::select(vec!["", "\"", "\\", ",", "]", "}", "{", "[", ":", "-", "0", "e", ".", " ", "\\u", "\u{1}"]),
            remove in 0usize..3,
        ) {
            let text = serde_json::to_string(&value).unwrap();
            let mut at = position.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = at;
            for _ in 0..remove {
                if let Some(character) = text[end..].chars().next() {
                    end += character.len_utf8();
                }
            }
            let damaged = format!("{}{insert}{}", &text[..at], &text[end..]);
            prop_assert_eq!(parse(&damaged), reference(&damaged), "text {:?}", damaged);
            prop_assert_eq!(check_agrees(&damaged), Ok(()));
        }
    }
}
