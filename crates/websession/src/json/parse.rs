//! `JSON.parse` for session payloads, into `serde_json` values.
//!
//! The result is the same as `serde_json::from_str::<Value>` for every input: the same value,
//! or `None` where `serde_json` returns an error. The tests compare the two on generated and
//! damaged texts. The parser is faster because it builds each array and object at its final
//! size from shared stacks, and copies strings without escapes straight from the input.
//! Strings with escapes and numbers other than small non-negative integers are handed to
//! `serde_json`, so their rules (surrogates, rounding, range) are exactly its own.

use serde_json::{Map, Number, Value};

/// Nesting of arrays and objects at which `serde_json` rejects text: it reads at most 127
/// levels, and so does this parser.
const MAX_NESTING: usize = 128;

/// Parses `text` as one JSON value with optional surrounding whitespace.
pub(crate) fn parse(text: &str) -> Option<Value> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        position: 0,
        depth: 0,
        entries: Vec::new(),
        items: Vec::new(),
    };
    let value = parser.value()?;
    parser.skip_whitespace();
    (parser.position == parser.bytes.len()).then_some(value)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
    depth: usize,
    /// Entries of the objects being parsed, innermost last; an object takes its own off the
    /// end when it closes.
    entries: Vec<(String, Value)>,
    /// Items of the arrays being parsed, in the same way.
    items: Vec<Value>,
}

impl Parser<'_> {
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
                let key = self.string()?;
                self.skip_whitespace();
                if self.peek()? != b':' {
                    return None;
                }
                self.position += 1;
                let value = self.value()?;
                self.entries.push((key, value));
                if self.after_item(b'}')? {
                    break;
                }
            }
        }
        self.depth -= 1;

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
                self.items.push(item);
                if self.after_item(b']')? {
                    break;
                }
            }
        }
        self.depth -= 1;
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
        for (offset, &byte) in self.bytes[start..].iter().enumerate() {
            match byte {
                b'"' => {
                    let end = start + offset;
                    self.position = end + 1;
                    // Both ends are ASCII quotes, so they are character boundaries.
                    return Some(self.text[start..end].to_owned());
                }
                b'\\' => return self.escaped_string(),
                0x00..=0x1f => return None,
                _ => {}
            }
        }
        None
    }

    /// Finds the end of a string literal with escapes and lets `serde_json` decode it.
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
        serde_json::from_str(self.text.get(start..=index)?).ok()
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
            let integer = token
                .iter()
                .fold(0u64, |total, digit| total * 10 + u64::from(digit - b'0'));
            return Some(Value::Number(integer.into()));
        }
        // The token is ASCII, so its ends are character boundaries.
        serde_json::from_str::<Number>(&self.text[start..start + length])
            .ok()
            .map(Value::Number)
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn reference(text: &str) -> Option<Value> {
        serde_json::from_str(text).ok()
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
            "1E2",
            "0.1e1",
            "  1  ",
            "1 2",
            "\"\\ud800\"",
            "\"\\udc00\\ud800\"",
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
        }
    }

    #[test]
    fn nesting_limit_matches_serde_json() {
        for levels in 120..=135 {
            let arrays = format!("{}0{}", "[".repeat(levels), "]".repeat(levels));
            assert_eq!(parse(&arrays), reference(&arrays), "{levels} arrays");
            let objects = format!("{}0{}", "{\"a\":".repeat(levels), "}".repeat(levels));
            assert_eq!(parse(&objects), reference(&objects), "{levels} objects");
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
        fn generated_texts_match_serde_json(value in any_value()) {
            let text = serde_json::to_string(&value).unwrap();
            prop_assert_eq!(parse(&text), reference(&text));
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            prop_assert_eq!(parse(&pretty), reference(&pretty));
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
        }
    }
}
