//! The cookie payload: JSON text of the value, in bytes of the chosen text encoding, in
//! base64.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde_json::Value;

use crate::json::{self, StringifyError};

/// The text encoding of the JSON text inside the cookie.
///
/// # Examples
///
/// ```
/// use serde_json::json;
/// use websession::{Cookie, CookieOptions, PayloadEncoding};
///
/// // solid-start 0.2 writes Latin-1 and no SameSite attribute.
/// let solid = Cookie::builder("s")
///     .payload_encoding(PayloadEncoding::Latin1)
///     .without_same_site()
///     .build()?;
/// assert_eq!(solid.serialize(&json!("é"), &CookieOptions::default())?, "s=Iuki; Path=/");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PayloadEncoding {
    /// UTF-8, as Remix and React Router 7 write. Reading falls back to Latin-1 when the bytes
    /// are not valid UTF-8, so cookies written by solid-start 0.2 still read back.
    #[default]
    Utf8,
    /// Latin-1, one byte a character, as solid-start 0.2 writes with `btoa`. Characters above
    /// U+00FF cannot be written in this encoding, except U+FFFD, which is written as the
    /// JSON escape `\ufffd`.
    Latin1,
}

/// Error from encoding a value into a cookie.
///
/// # Examples
///
/// ```
/// use websession::{Cookie, CookieOptions, EncodeError, PayloadEncoding, SerializeError};
///
/// let cookie = Cookie::builder("s").payload_encoding(PayloadEncoding::Latin1).build()?;
/// let error = cookie.serialize(&serde_json::json!("日本"), &CookieOptions::default()).unwrap_err();
/// assert_eq!(error, SerializeError::Encode(EncodeError::NotLatin1 { character: '日' }));
/// # Ok::<(), websession::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The value's JSON text has a character that Latin-1 cannot represent.
    #[error(
        "character {character:?} (U+{code:04X}) cannot be written with the Latin-1 payload \
         encoding; use PayloadEncoding::Utf8 or remove the character",
        code = u32::from(*character)
    )]
    NotLatin1 {
        /// The first character above U+00FF, other than U+FFFD.
        character: char,
    },
    /// The value cannot be written as JSON.
    #[error(transparent)]
    Json(#[from] StringifyError),
}

/// Base64 without padding, with spare bits ignored, as `atob` decodes once it has removed
/// the padding.
const UNPADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Appends the base64 payload of `value` to `out`.
pub(crate) fn encode_value(
    value: &Value,
    encoding: PayloadEncoding,
    out: &mut String,
) -> Result<(), EncodeError> {
    encode_json(&json::stringify(value)?, encoding, out)
}

/// Appends the base64 payload of the JSON text `json` to `out`.
pub(crate) fn encode_json(
    json: &str,
    encoding: PayloadEncoding,
    out: &mut String,
) -> Result<(), EncodeError> {
    match encoding {
        PayloadEncoding::Utf8 => STANDARD.encode_string(json, out),
        PayloadEncoding::Latin1 => {
            let bytes = latin1_bytes(json)?;
            STANDARD.encode_string(bytes, out);
        }
    }
    Ok(())
}

/// Returns the Latin-1 bytes of the JSON text `text`, as `btoa` takes them (`btoa` itself
/// rejects U+FFFD).
///
/// U+FFFD is written as the escape `\ufffd`, which `JSON.parse` reads as the same character.
/// It stands for an escaped lone surrogate read from a cookie, which a JavaScript writer
/// escapes too, so such a session can be committed again. Outside strings JSON text is
/// ASCII, so the character is always inside a string literal.
fn latin1_bytes(text: &str) -> Result<Vec<u8>, EncodeError> {
    let mut bytes = Vec::with_capacity(text.len());
    for character in text.chars() {
        match u8::try_from(character) {
            Ok(byte) => bytes.push(byte),
            Err(_) if character == char::REPLACEMENT_CHARACTER => {
                bytes.extend_from_slice(b"\\ufffd");
            }
            Err(_) => return Err(EncodeError::NotLatin1 { character }),
        }
    }
    Ok(bytes)
}

/// Decodes a payload as the JavaScript libraries do; `None` when it is not base64 text of a
/// JSON value. The libraries turn that case into an empty object.
pub(crate) fn decode(payload: &str, encoding: PayloadEncoding) -> Option<Value> {
    json::parse(&decode_text(payload, encoding)?)
}

/// Decodes a payload into its JSON text without parsing it, or returns `None` when it is not
/// base64.
pub(crate) fn decode_text(payload: &str, encoding: PayloadEncoding) -> Option<String> {
    let bytes = decode_base64(payload)?;
    Some(match encoding {
        PayloadEncoding::Utf8 => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => latin1_text(error.as_bytes()),
        },
        PayloadEncoding::Latin1 => latin1_text(&bytes),
    })
}

/// Like `atob`: ASCII whitespace is ignored and padding is optional.
fn decode_base64(payload: &str) -> Option<Vec<u8>> {
    const WHITESPACE: [char; 5] = [' ', '\t', '\n', '\x0c', '\r'];
    // Whitespace is not base64, so a payload with whitespace fails this first decoding and
    // only then pays for removing it.
    if let Some(bytes) = decode_forgiving(payload) {
        return Some(bytes);
    }
    if !payload.contains(WHITESPACE) {
        return None;
    }
    let compact: String = payload
        .chars()
        .filter(|c| !WHITESPACE.contains(c))
        .collect();
    decode_forgiving(&compact)
}

/// Decodes base64 text without whitespace by the forgiving-base64 rules of the WHATWG Infra
/// standard, which `atob` follows. One or two `=` are padding only when they complete a
/// length that is a multiple of 4. Any other `=` makes the text invalid.
fn decode_forgiving(text: &str) -> Option<Vec<u8>> {
    let unpadded = if text.len().is_multiple_of(4) {
        text.strip_suffix("==")
            .or_else(|| text.strip_suffix('='))
            .unwrap_or(text)
    } else {
        text
    };
    UNPADDED.decode(unpadded).ok()
}

fn latin1_text(bytes: &[u8]) -> String {
    bytes.iter().map(|&byte| char::from(byte)).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn encoded(value: Value, encoding: PayloadEncoding) -> Result<String, EncodeError> {
        let mut out = String::new();
        encode_value(&value, encoding, &mut out).map(|()| out)
    }

    #[test]
    fn utf8_and_latin1_differ_above_ascii() {
        assert_eq!(
            encoded(json!("é"), PayloadEncoding::Utf8).unwrap(),
            "IsOpIg=="
        );
        assert_eq!(
            encoded(json!("é"), PayloadEncoding::Latin1).unwrap(),
            "Iuki"
        );
    }

    #[test]
    fn latin1_rejects_characters_above_u00ff() {
        assert_eq!(
            encoded(json!({"a": "日"}), PayloadEncoding::Latin1),
            Err(EncodeError::NotLatin1 { character: '日' })
        );
        let message = encoded(json!("\u{2028}"), PayloadEncoding::Latin1)
            .unwrap_err()
            .to_string();
        assert!(message.contains("U+2028"), "{message}");
    }

    #[test]
    fn latin1_escapes_replacement_character() {
        let payload = encoded(json!({"bio": "a\u{FFFD}"}), PayloadEncoding::Latin1).unwrap();
        // Base64 of `{"bio":"a\ufffd"}`.
        assert_eq!(payload, "eyJiaW8iOiJhXHVmZmZkIn0=");
        assert_eq!(
            decode(&payload, PayloadEncoding::Latin1),
            Some(json!({"bio": "a\u{FFFD}"}))
        );
    }

    #[test]
    fn decode_is_forgiving_like_atob() {
        let expected = Some(json!({"user": "alice"}));
        assert_eq!(
            decode("eyJ1c2VyIjoiYWxpY2UifQ==", PayloadEncoding::Utf8),
            expected
        );
        assert_eq!(
            decode("eyJ1c2VyIjoiYWxpY2UifQ", PayloadEncoding::Utf8),
            expected
        );
        assert_eq!(
            decode("eyJ1c2Vy IjoiYWxp\nY2UifQ", PayloadEncoding::Utf8),
            expected
        );
        assert_eq!(decode("not*base64", PayloadEncoding::Utf8), None);
        // Padding that does not complete a multiple of 4 characters is invalid for `atob`.
        assert_eq!(
            decode("eyJhIjoxfQ==", PayloadEncoding::Utf8),
            Some(json!({"a": 1}))
        );
        for partly_padded in ["eyJhIjoxfQ=", "eyJhIjoxfQ===", "eyJhIjox=fQ=="] {
            assert_eq!(
                decode(partly_padded, PayloadEncoding::Utf8),
                None,
                "{partly_padded}"
            );
        }
        assert_eq!(
            decode("eyJh IjoxfQ =\n=", PayloadEncoding::Utf8),
            Some(json!({"a": 1})),
            "whitespace goes before the padding is counted"
        );
        for whitespace in [' ', '\t', '\n', '\x0c', '\r'] {
            let spaced = format!("eyJh{whitespace}IjoxfQ==");
            assert_eq!(
                decode(&spaced, PayloadEncoding::Utf8),
                Some(json!({"a": 1})),
                "{spaced:?}"
            );
        }
        assert_eq!(
            decode("eyJhIjoxfR", PayloadEncoding::Utf8),
            Some(json!({"a": 1})),
            "`atob` ignores set bits after the last whole byte"
        );
        assert_eq!(
            decode("aGVsbG8=", PayloadEncoding::Utf8),
            None,
            "base64 of non-JSON"
        );
    }

    #[test]
    fn utf8_decode_falls_back_to_latin1() {
        // {"msg":"é"} written by solid-start 0.2 in Latin-1.
        assert_eq!(
            decode("eyJtc2ciOiLpIn0=", PayloadEncoding::Utf8),
            Some(json!({"msg": "é"}))
        );
        // The same in UTF-8, read in Latin-1 mode, is mojibake as in solid-start.
        assert_eq!(
            decode("eyJtc2ciOiLDqSJ9", PayloadEncoding::Latin1),
            Some(json!({"msg": "Ã©"}))
        );
    }
}
