//! Fuzzes the cookie value decoder: percent-decoding, signature check, base64 and JSON.
//!
//! The input becomes the payload of a cookie value, written as the library writes values
//! (`encodeURIComponent`), and is read three ways: unsigned, signed with a valid HMAC made
//! here, and signed with a signature that does not verify. A valid signature must not
//! change what the payload decodes to, and an invalid one must read as absent. The unsigned
//! result must equal a reference decoding made here with the `base64` crate and
//! `serde_json::from_str`, key order included, where escapes of lone UTF-16 surrogates read
//! as U+FFFD and numbers beyond the range of a double as `null`.

#![no_main]

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use sha2::Sha256;
use websession::{Cookie, CookieOptions, PayloadEncoding, Signature};
use websession_fuzz::{CURRENT_SECRET, OLDER_SECRET};

/// Returns the unpadded base64 HMAC-SHA256 of `payload`, the signature format of the
/// JavaScript libraries.
fn signature(secret: &str, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(payload.as_bytes());
    STANDARD_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Base64 without padding and with spare bits ignored, which is how `atob` decodes once the
/// padding is removed.
const UNPADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes base64 as `atob` does after removing whitespace: `=` is padding only at the end of
/// a text whose length is a multiple of 4, and at most two of them.
fn atob(text: &str) -> Option<Vec<u8>> {
    let padding = if text.len() % 4 == 0 {
        text.bytes()
            .rev()
            .take(2)
            .take_while(|&byte| byte == b'=')
            .count()
    } else {
        0
    };
    UNPADDED.decode(&text[..text.len() - padding]).ok()
}

/// Decodes a non-empty payload as the JavaScript libraries do: `atob` without ASCII
/// whitespace, the bytes as UTF-8 (falling back to Latin-1) or as Latin-1, then `JSON.parse`;
/// any failure gives an empty object.
fn reference_decode(payload: &str, encoding: PayloadEncoding) -> Value {
    let compact: String = payload
        .chars()
        .filter(|character| !matches!(character, ' ' | '\t' | '\n' | '\x0c' | '\r'))
        .collect();
    let Some(bytes) = atob(&compact) else {
        return json!({});
    };
    let latin1 = |bytes: &[u8]| {
        bytes
            .iter()
            .map(|&byte| char::from(byte))
            .collect::<String>()
    };
    let text = match encoding {
        PayloadEncoding::Latin1 => latin1(&bytes),
        _ => String::from_utf8(bytes.clone()).unwrap_or_else(|_| latin1(&bytes)),
    };
    let text = with_overflowing_numbers_as_null(&with_lone_surrogates_replaced(&text));
    serde_json::from_str(&text).unwrap_or_else(|_| json!({}))
}

/// Rewrites each number outside strings that overflows a double as `null`: `JSON.parse`
/// reads it as Infinity, which `JSON.stringify` writes as `null`, and `serde_json` rejects
/// it with "number out of range".
fn with_overflowing_numbers_as_null(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    let mut characters = text.chars().peekable();
    let mut in_string = false;
    while let Some(character) = characters.next() {
        let starts_number = !in_string && (character == '-' || character.is_ascii_digit());
        if !starts_number {
            output.push(character);
            match character {
                '"' => in_string = !in_string,
                '\\' if in_string => output.extend(characters.next()),
                _ => {}
            }
            continue;
        }
        let mut token = String::from(character);
        while let Some(&next) = characters.peek() {
            if !matches!(next, '0'..='9' | '-' | '+' | '.' | 'e' | 'E') {
                break;
            }
            token.push(next);
            characters.next();
        }
        let out_of_range = serde_json::from_str::<serde_json::Number>(&token)
            .is_err_and(|error| error.to_string().starts_with("number out of range"));
        if out_of_range && token.parse::<f64>().is_ok_and(f64::is_infinite) {
            output.push_str("null");
        } else {
            output.push_str(&token);
        }
    }
    output
}

/// Rewrites each run of `\uXXXX` escapes as the escapes of what `char::decode_utf16` makes of
/// its code units, so that a lone surrogate, which `JSON.parse` reads and `serde_json`
/// rejects, becomes U+FFFD as the library reads it.
fn with_lone_surrogates_replaced(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    let mut units = Vec::new();
    let mut rest = text;
    loop {
        let unit = rest
            .strip_prefix("\\u")
            .and_then(|after| after.get(..4))
            .filter(|digits| digits.bytes().all(|byte| byte.is_ascii_hexdigit()))
            .map(|digits| u16::from_str_radix(digits, 16).unwrap());
        if let Some(unit) = unit {
            units.push(unit);
            rest = &rest[6..];
            continue;
        }
        for character in char::decode_utf16(units.drain(..)) {
            let character = character.unwrap_or(char::REPLACEMENT_CHARACTER);
            for unit in character.encode_utf16(&mut [0; 2]) {
                output.push_str(&format!("\\u{unit:04x}"));
            }
        }
        let mut characters = rest.chars();
        match characters.next() {
            None => return output,
            // Any other escape is copied whole, so that an escaped backslash is not taken
            // for the start of an escape.
            Some('\\') => {
                output.push('\\');
                output.extend(characters.next());
            }
            Some(character) => output.push(character),
        }
        rest = characters.as_str();
    }
}

fn header(value: &str) -> String {
    format!("s={}", utf8_percent_encode(value, NON_ALPHANUMERIC))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let payload = String::from_utf8_lossy(payload);
    let encoding = if selector & 1 == 0 {
        PayloadEncoding::Utf8
    } else {
        PayloadEncoding::Latin1
    };
    let (secret, secret_index) = if selector & 2 == 0 {
        (CURRENT_SECRET, 0)
    } else {
        (OLDER_SECRET, 1)
    };

    let unsigned = Cookie::builder("s")
        .payload_encoding(encoding)
        .build()
        .expect("fixed configuration is valid");
    let signed = Cookie::builder("s")
        .payload_encoding(encoding)
        .secrets([CURRENT_SECRET, OLDER_SECRET])
        .build()
        .expect("fixed configuration is valid");

    // Unsigned: the payload is decoded as it is.
    let plain = unsigned.parse_fields([header(&payload).as_bytes()]);
    let plain = plain.expect("a present cookie always reads as some value when unsigned");
    assert_eq!(plain.signature, Signature::Unsigned);
    if !payload.is_empty() {
        let expected = reference_decode(&payload, encoding);
        assert_eq!(
            plain.value, expected,
            "decoded value differs from the reference"
        );
        assert_eq!(
            serde_json::to_string(&plain.value).unwrap(),
            serde_json::to_string(&expected).unwrap(),
            "key order differs from the reference"
        );
    }

    // Signed with a valid signature: same value, and the secret that signed it is reported.
    let signed_value = format!("{payload}.{}", signature(secret, &payload));
    let verified = signed
        .parse_fields([header(&signed_value).as_bytes()])
        .expect("a correctly signed value verifies");
    assert_eq!(verified.signature, Signature::Verified { secret_index });
    if !payload.is_empty() {
        assert_eq!(
            verified.value, plain.value,
            "signature changed the decoded value"
        );
    }

    // Signed with a secret not in the list: absent.
    let forged = format!(
        "{payload}.{}",
        signature("not-a-configured-secret", &payload)
    );
    assert_eq!(signed.parse_fields([header(&forged).as_bytes()]), None);

    // Whatever a UTF-8 cookie decodes to can be written again.
    if encoding == PayloadEncoding::Utf8 {
        unsigned
            .serialize(&plain.value, &CookieOptions::default())
            .expect("a decoded value can be serialized again");
    }
});
