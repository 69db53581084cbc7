//! Session data as the session page shows it: the text of JavaScript's
//! `JSON.stringify(data, null, 2)`.

use serde_json::Value;

/// Returns `value` as `JSON.stringify(value, null, 2)` writes it, numbers and key order
/// included, so that the page shows what a JavaScript app sharing the cookie reads.
///
/// # Errors
///
/// Returns the library's error for data nested too deeply to write.
pub fn indented(value: &Value) -> Result<String, websession::json::StringifyError> {
    Ok(indent(&websession::json::stringify(value)?))
}

/// Indents compact JSON text by two spaces a level, as `JSON.stringify` does with an indent
/// of 2: a line for each member and element, `": "` after keys, and empty arrays and objects
/// kept as `[]` and `{}`.
fn indent(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' if matches!(chars.peek(), Some('}' | ']')) => {
                out.push(c);
                out.extend(chars.next());
            }
            '{' | '[' => {
                depth += 1;
                out.push(c);
                new_line(&mut out, depth);
            }
            '}' | ']' => {
                depth -= 1;
                new_line(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                new_line(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

fn new_line(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nested_values_indent_like_javascript() {
        let value = json!({"user": "a:b,{c}", "list": [1, {"k": []}], "empty": {}});
        let expected = "{\n  \"user\": \"a:b,{c}\",\n  \"list\": [\n    1,\n    {\n      \"k\": []\n    }\n  ],\n  \"empty\": {}\n}";
        assert_eq!(indented(&value).unwrap(), expected);
    }

    #[test]
    fn numbers_use_javascript_format() {
        let value = json!({"small": 0.000001, "big": 1e20, "huge": 1.2345678901234568e20});
        let expected = "{\n  \"small\": 0.000001,\n  \"big\": 100000000000000000000,\n  \"huge\": 123456789012345680000\n}";
        assert_eq!(indented(&value).unwrap(), expected);
    }

    #[test]
    fn escaped_quotes_stay_inside_strings() {
        let value = json!({"q": "say \"hi\", then [go]\\"});
        let expected = "{\n  \"q\": \"say \\\"hi\\\", then [go]\\\\\"\n}";
        assert_eq!(indented(&value).unwrap(), expected);
    }

    #[test]
    fn empty_object_stays_on_one_line() {
        assert_eq!(indented(&json!({})).unwrap(), "{}");
    }

    #[test]
    fn index_keys_come_first() {
        let value = json!({"b": 1, "2": 2});
        assert_eq!(indented(&value).unwrap(), "{\n  \"2\": 2,\n  \"b\": 1\n}");
    }
}
