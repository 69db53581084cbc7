//! Taking a cookie value apart without secrets, for tools that show what a cookie carries.

use serde_json::Value;

use super::header;
use super::payload::{self, PayloadEncoding};
use crate::json;

/// A cookie value taken apart without checking its signature.
///
/// A signed cookie is readable by anyone who has it: the payload is base64 of JSON text, not
/// encrypted. This type shows that payload and the signature text as a debugging tool would.
/// Nothing in it shows that the value is authentic, because only [`Cookie::parse_fields`]
/// with the secrets can check that.
///
/// [`Cookie::parse_fields`]: crate::Cookie::parse_fields
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InspectedValue {
    /// The value as a server reads it: one pair of surrounding double quotes removed, then
    /// percent-decoded as `decodeURIComponent` does.
    pub text: String,
    /// `true` when the value has a `%` that does not start two hex digits, or escapes whose
    /// bytes are not UTF-8. `text` is then the raw text, which is also what servers read.
    pub invalid_percent_encoding: bool,
    /// The text before the last `.`, or all of `text` when it has no `.`.
    pub payload: String,
    /// The text after the last `.`, which is the signature when the cookie is signed.
    pub signature: Option<String>,
    /// The text that the payload's base64 carries, read with the chosen encoding, or `None`
    /// when the payload is not base64. It is there even when it is not JSON that `data` can
    /// hold, for example JSON nested deeper than [`json::MAX_DEPTH`](crate::json::MAX_DEPTH).
    pub json_text: Option<String>,
    /// The payload decoded from base64 of JSON text, or `None` when it is not that.
    pub data: Option<Value>,
}

/// Takes apart the raw value of one cookie pair, the text after `=` as it appears in a
/// header, and decodes its payload with `encoding`, without secrets.
///
/// The value is read as a `Cookie` header would carry it: a `;` ends it, and spaces and tabs
/// around it are ignored. With [`PayloadEncoding::Utf8`], payload bytes that are not UTF-8
/// are read as Latin-1, so cookies written by solid-start 0.2 decode too.
///
/// # Examples
///
/// ```
/// use serde_json::json;
/// use websession::{inspect_value, PayloadEncoding};
///
/// let raw = "eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU";
/// let inspected = inspect_value(raw, PayloadEncoding::Utf8);
/// assert_eq!(inspected.payload, "eyJ1c2VyIjoiYWxpY2UifQ==");
/// assert_eq!(
///     inspected.signature.as_deref(),
///     Some("ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS+f0tjIJPiXU")
/// );
/// assert_eq!(inspected.data, Some(json!({"user": "alice"})));
/// assert!(!inspected.invalid_percent_encoding);
/// ```
pub fn inspect_value(raw: &str, encoding: PayloadEncoding) -> InspectedValue {
    // The header parser owns quoting and percent-decoding, so the value goes through it as
    // the only pair of a one-pair header.
    let field = format!("v={raw}");
    let text = header::find([field.as_bytes()], "v")
        .map(|text| text.into_owned())
        .unwrap_or_default();

    // A successful decoding of any `%XX` escape shortens the text, so an unchanged text that
    // still has a `%` means that decoding failed and the raw text was kept.
    let unquoted = unquote(trim(raw.split(';').next().unwrap_or_default()));
    let invalid_percent_encoding = unquoted.contains('%') && text == unquoted;

    let (payload, signature) = match text.rsplit_once('.') {
        Some((payload, signature)) => (payload.to_owned(), Some(signature.to_owned())),
        None => (text.clone(), None),
    };
    let json_text = payload::decode_text(&payload, encoding);
    let data = json_text.as_deref().and_then(json::parse);
    InspectedValue {
        text,
        invalid_percent_encoding,
        payload,
        signature,
        json_text,
        data,
    }
}

fn trim(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

fn unquote(text: &str) -> &str {
    text.strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use serde_json::json;

    use super::*;

    #[test]
    fn unsigned_value_has_no_signature() {
        let inspected = inspect_value("eyJ1c2VyIjoiYWxpY2UifQ%3D%3D", PayloadEncoding::Utf8);
        assert_eq!(inspected.text, "eyJ1c2VyIjoiYWxpY2UifQ==");
        assert_eq!(inspected.payload, "eyJ1c2VyIjoiYWxpY2UifQ==");
        assert_eq!(inspected.signature, None);
        assert_eq!(inspected.data, Some(json!({"user": "alice"})));
    }

    #[test]
    fn quotes_and_surrounding_blanks_removed() {
        let inspected = inspect_value(" \"MQ==\"\t", PayloadEncoding::Utf8);
        assert_eq!(inspected.text, "MQ==");
        assert_eq!(inspected.data, Some(json!(1)));
    }

    #[test]
    fn semicolon_ends_value() {
        let inspected = inspect_value("MQ==; Path=/", PayloadEncoding::Utf8);
        assert_eq!(inspected.text, "MQ==");
        assert_eq!(inspected.data, Some(json!(1)));
    }

    #[test]
    fn invalid_percent_encoding_keeps_raw_text() {
        for raw in ["MQ%3", "%zz", "MQ%FF", "\"a%4\""] {
            let inspected = inspect_value(raw, PayloadEncoding::Utf8);
            assert!(inspected.invalid_percent_encoding, "{raw}");
            assert_eq!(inspected.text, unquote(raw), "{raw}");
        }
    }

    #[test]
    fn valid_percent_encoding_is_not_flagged() {
        for raw in ["MQ%3D%3D", "%25", "\"%2B\"", "plain"] {
            let inspected = inspect_value(raw, PayloadEncoding::Utf8);
            assert!(!inspected.invalid_percent_encoding, "{raw}");
        }
        assert_eq!(inspect_value("%25", PayloadEncoding::Utf8).text, "%");
    }

    #[test]
    fn signature_split_at_last_dot() {
        let inspected = inspect_value("a.b.c", PayloadEncoding::Utf8);
        assert_eq!(inspected.payload, "a.b");
        assert_eq!(inspected.signature.as_deref(), Some("c"));
        assert_eq!(inspected.data, None, "a.b is not base64");
    }

    #[test]
    fn latin1_payload_decodes_in_both_modes() {
        // {"msg":"é"} with "é" as the single byte 0xE9, as solid-start 0.2 writes it.
        for encoding in [PayloadEncoding::Utf8, PayloadEncoding::Latin1] {
            let inspected = inspect_value("eyJtc2ciOiLpIn0%3D", encoding);
            assert_eq!(inspected.data, Some(json!({"msg": "é"})), "{encoding:?}");
        }
    }

    #[test]
    fn empty_and_non_json_values() {
        let empty = inspect_value("", PayloadEncoding::Utf8);
        assert_eq!(empty.text, "");
        assert_eq!(empty.signature, None);
        assert_eq!(empty.data, None);

        let not_json = inspect_value("aGVsbG8=", PayloadEncoding::Utf8);
        assert_eq!(not_json.text, "aGVsbG8=");
        assert_eq!(not_json.json_text.as_deref(), Some("hello"));
        assert_eq!(not_json.data, None);
    }

    #[test]
    fn json_text_kept_when_too_deep() {
        let deep = format!("{}0{}", "[".repeat(200), "]".repeat(200));
        let payload = STANDARD.encode(&deep);
        let inspected = inspect_value(&payload, PayloadEncoding::Utf8);
        assert_eq!(inspected.json_text, Some(deep));
        assert_eq!(inspected.data, None);

        let partly_padded = inspect_value("eyJhIjoxfQ=", PayloadEncoding::Utf8);
        assert_eq!(partly_padded.json_text, None, "not base64 for `atob`");
    }
}
