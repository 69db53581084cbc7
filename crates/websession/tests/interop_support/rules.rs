//! Decides from a vector's input whether a documented compatibility rule covers a difference.
//!
//! These checks read the input independently of the library's parser, so a bug in the parser
//! cannot excuse itself.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use websession::ConfigError;

/// Property names that plain JavaScript objects inherit, which the JavaScript libraries look
/// up by mistake (rule 2).
const INHERITED_NAMES: [&str; 12] = [
    "constructor",
    "__proto__",
    "toString",
    "toLocaleString",
    "valueOf",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
];

pub fn is_inherited_property_name(name: &str) -> bool {
    INHERITED_NAMES.contains(&name)
}

/// The pair for `name` as a lenient reader sees it: trimmed of all Unicode whitespace.
struct Pair<'a> {
    value_untrimmed: &'a str,
}

fn first_pair<'a>(header: &'a str, name: &str) -> Option<Pair<'a>> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key.trim() == name).then_some(Pair {
            value_untrimmed: value,
        })
    })
}

/// Rule 5: the name or value of the cookie is surrounded by whitespace other than space and
/// tab, which only a Unicode-aware trim removes.
pub fn has_non_ascii_padding(header: &str, name: &str) -> bool {
    header.split(';').any(|pair| {
        let Some((key, value)) = pair.split_once('=') else {
            return false;
        };
        let narrow = |text: &str| text.trim_matches([' ', '\t']).len() != text.trim().len();
        key.trim() == name && (narrow(key) || narrow(value))
    })
}

/// Rule 4: the cookie value starts with a double quote.
pub fn is_quoted(header: &str, name: &str) -> bool {
    first_pair(header, name).is_some_and(|pair| pair.value_untrimmed.trim().starts_with('"'))
}

/// Returns the value after trimming, unquoting and percent-decoding, as leniently as possible.
fn decoded_value(header: &str, name: &str) -> Option<String> {
    let pair = first_pair(header, name)?;
    let value = pair.value_untrimmed.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(value);
    Some(
        percent_encoding::percent_decode_str(value)
            .decode_utf8()
            .map(|decoded| decoded.into_owned())
            .unwrap_or_else(|_| value.to_owned()),
    )
}

/// Rule 3: the signature text is not what signing produces, that is unpadded canonical base64
/// of 32 bytes.
pub fn has_non_canonical_signature(header: &str, name: &str) -> bool {
    let Some(value) = decoded_value(header, name) else {
        return false;
    };
    let Some((_, signature)) = value.rsplit_once('.') else {
        return true;
    };
    match STANDARD_NO_PAD.decode(signature) {
        Ok(bytes) => bytes.len() != 32,
        Err(_) => true,
    }
}

const FORGIVING: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Returns `true` when the payload's bytes are not valid UTF-8, so UTF-8 reading falls back to
/// Latin-1.
pub fn payload_is_not_utf8(header: &str, name: &str) -> bool {
    let Some(value) = decoded_value(header, name) else {
        return false;
    };
    let payload = value
        .rsplit_once('.')
        .map_or(value.as_str(), |(payload, _)| payload);
    FORGIVING
        .decode(payload)
        .is_ok_and(|bytes| std::str::from_utf8(&bytes).is_err())
}

/// Rule 2 for sessions: the payload is valid JSON but not an object.
pub fn payload_is_non_object_json(header: &str, name: &str) -> bool {
    let Some(value) = decoded_value(header, name) else {
        return false;
    };
    let payload = value
        .rsplit_once('.')
        .map_or(value.as_str(), |(payload, _)| payload);
    let Ok(bytes) = FORGIVING.decode(payload) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&bytes).is_ok_and(|json| !json.is_object())
}

/// Returns whether rule 6 covers a configuration that the library rejected.
///
/// The rule covers a name that is not an RFC 7230 token, and a `Path` or `Domain` with `;` or
/// a control character. It also covers a domain not shaped like a host name, an empty secret,
/// `SameSite=None` without `Secure`, and a `__Secure-` or `__Host-` name without the
/// attributes that browsers require. Other rejections, such as a `<` in a path, are not in it.
pub fn rule_6_covers(error: &ConfigError) -> bool {
    match error {
        ConfigError::InvalidName { name } => !is_token(name),
        ConfigError::InvalidPath { path } => has_semicolon_or_control(path),
        ConfigError::InvalidDomain { domain } => {
            has_semicolon_or_control(domain) || !is_host_name(domain)
        }
        ConfigError::EmptySecret { .. }
        | ConfigError::SameSiteNoneWithoutSecure { .. }
        | ConfigError::PrefixRequirement { .. } => true,
        _ => false,
    }
}

/// Returns whether `name` is an RFC 7230 `token`: one or more visible ASCII characters other
/// than separators.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}

fn has_semicolon_or_control(text: &str) -> bool {
    text.chars().any(|c| c == ';' || c.is_control())
}

/// Returns whether `domain` is a host name, optionally with a leading dot: labels of 1 to 63
/// letters, digits and `-`, neither starting nor ending with `-`.
fn is_host_name(domain: &str) -> bool {
    let host = domain.strip_prefix('.').unwrap_or(domain);
    !host.is_empty()
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        })
}
