//! Reading the cookie argument and finding the cookie in it: a `Cookie` header, a
//! `Set-Cookie` header, a `name=value` pair or a bare value.

use std::collections::HashSet;
use std::io::{IsTerminal, Read};

use crate::cli::{InputArgs, InputType};
use crate::error::{shorten, CliError};

/// Attribute names of `Set-Cookie` (RFC 6265 and the `Priority` and `Partitioned`
/// extensions), lower-case. One of them after the first pair marks a `Set-Cookie` header.
const SET_COOKIE_ATTRIBUTES: [&str; 9] = [
    "expires",
    "max-age",
    "domain",
    "path",
    "secure",
    "httponly",
    "samesite",
    "priority",
    "partitioned",
];

/// The kind of text the cookie was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A `Cookie` request header or a single `name=value` pair.
    CookieHeader,
    /// A `Set-Cookie` response header.
    SetCookie,
    /// A bare value without name.
    Value,
}

impl Source {
    /// Returns the name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::CookieHeader => "cookie-header",
            Source::SetCookie => "set-cookie",
            Source::Value => "value",
        }
    }
}

/// One attribute of a `Set-Cookie` header, such as `Path=/` or `HttpOnly`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute name as written.
    pub name: String,
    /// The text after `=`, or `None` for a flag such as `Secure`.
    pub value: Option<String>,
}

/// The cookie found in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCookie {
    /// Kind of text it was found in.
    pub source: Source,
    /// The cookie name; `None` for a bare value without `--name`.
    pub name: Option<String>,
    /// The value as written, before quotes are removed and percent-decoding.
    pub raw_value: String,
    /// The attributes of a `Set-Cookie` header, in order; empty otherwise.
    pub attributes: Vec<Attribute>,
    /// How many later pairs of a `Cookie` header have the same name. Servers read only the
    /// first pair of a name, so they ignore these.
    pub ignored_duplicates: usize,
}

/// Returns the text of an argument, or of standard input when the argument is absent or
/// `-`, with surrounding whitespace removed.
///
/// # Errors
///
/// [`CliError::NoInput`] when there is no argument and standard input is a terminal,
/// [`CliError::EmptyArgument`] or [`CliError::EmptyStdin`] when the text is empty or only
/// whitespace, and the read errors of standard input.
pub fn read_argument(argument: Option<&str>, input_name: &'static str) -> Result<String, CliError> {
    Ok(read_untrimmed(argument, input_name)?.trim().to_owned())
}

/// Returns the cookie argument as [`read_argument`] does, after checking that it is one
/// line.
///
/// An HTTP field value cannot contain control characters other than a tab (RFC 9110,
/// section 5.5), so text with a line break or NUL inside is more than one header, or not a
/// header at all.
///
/// # Errors
///
/// The errors of [`read_argument`], and [`CliError::ControlCharacter`] for a control
/// character other than a tab between the first and the last character that is not
/// whitespace.
pub fn read_cookie_argument(argument: Option<&str>) -> Result<String, CliError> {
    let text = read_untrimmed(argument, "cookie")?;
    let leading_len = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let control = trimmed
        .char_indices()
        .find(|&(_, character)| character.is_control() && character != '\t');
    if let Some((offset, character)) = control {
        return Err(CliError::ControlCharacter {
            character,
            position: text[..leading_len + offset].chars().count() + 1,
        });
    }
    Ok(trimmed.to_owned())
}

/// Returns the text of an argument or of standard input, unchanged.
fn read_untrimmed(argument: Option<&str>, input_name: &'static str) -> Result<String, CliError> {
    let (text, empty_error) = match argument {
        Some(text) if text != "-" => (text.to_owned(), CliError::EmptyArgument { input_name }),
        _ => (read_stdin(input_name)?, CliError::EmptyStdin { input_name }),
    };
    if text.trim().is_empty() {
        return Err(empty_error);
    }
    Ok(text)
}

fn read_stdin(input_name: &'static str) -> Result<String, CliError> {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(CliError::NoInput { input_name });
    }
    let mut bytes = Vec::new();
    stdin
        .read_to_end(&mut bytes)
        .map_err(|source| CliError::ReadStdin { input_name, source })?;
    String::from_utf8(bytes).map_err(|_| CliError::StdinNotUtf8 { input_name })
}

/// Finds the cookie to inspect in `text`, as `args` describe it.
///
/// # Errors
///
/// [`CliError::NotACookie`] when `text` has no cookie, [`CliError::SeveralCookies`] when a
/// `Cookie` header has several and no `--name` chooses, and [`CliError::CookieNotFound`]
/// when the chosen name is absent.
pub fn find_cookie(text: &str, args: &InputArgs) -> Result<FoundCookie, CliError> {
    let name = args.name.as_deref();
    let (text, input_type) = match strip_header_name(text) {
        Some((rest, found_type)) if args.input_type == InputType::Auto => (rest, found_type),
        Some((rest, _)) => (rest, args.input_type),
        None => (text, args.input_type),
    };
    let input_type = match input_type {
        InputType::Auto => guess_type(text, name),
        chosen => chosen,
    };
    match input_type {
        InputType::Value => Ok(FoundCookie {
            source: Source::Value,
            name: name.map(str::to_owned),
            raw_value: text.to_owned(),
            attributes: Vec::new(),
            ignored_duplicates: 0,
        }),
        InputType::SetCookie => parse_set_cookie(text, name),
        InputType::Cookie | InputType::Auto => parse_cookie_header(text, name),
    }
}

/// Removes a leading `Cookie:` or `Set-Cookie:` header name, in any letter case.
fn strip_header_name(text: &str) -> Option<(&str, InputType)> {
    let (header, rest) = text.split_once(':')?;
    let input_type = match header.trim().to_ascii_lowercase().as_str() {
        "cookie" => InputType::Cookie,
        "set-cookie" => InputType::SetCookie,
        _ => return None,
    };
    Some((rest.trim(), input_type))
}

/// Chooses the kind of `text` for `--input-type auto`, as the help of `--input-type`
/// describes.
fn guess_type(text: &str, name: Option<&str>) -> InputType {
    if name.is_none() && looks_like_value(text) {
        return InputType::Value;
    }
    let mut parts = text.split(';');
    let first_is_pair = parts.next().is_some_and(|first| first.contains('='));
    let mut has_attribute = false;
    let mut has_other_pair = false;
    for part in parts {
        let (key, is_pair) = match part.split_once('=') {
            Some((key, _)) => (trim(key), true),
            None => (trim(part), false),
        };
        // A Set-Cookie header sets only its first pair, so a later pair with the requested
        // name makes the text a Cookie header, even when other pairs have attribute names.
        if is_pair && Some(key) == name {
            return InputType::Cookie;
        }
        if is_set_cookie_attribute(key) {
            has_attribute = true;
        } else if is_pair && !has_attribute {
            // Such as `session=…` after `theme=dark`: a second cookie, because a Set-Cookie
            // header has its attributes right after its pair. An unknown pair after a known
            // attribute, such as `Comment=x` after `Path=/`, is an attribute too.
            has_other_pair = true;
        }
    }
    if first_is_pair && has_attribute && !has_other_pair {
        InputType::SetCookie
    } else {
        InputType::Cookie
    }
}

fn is_set_cookie_attribute(key: &str) -> bool {
    SET_COOKIE_ATTRIBUTES
        .iter()
        .any(|attribute| attribute.eq_ignore_ascii_case(key))
}

/// Returns `true` for text shaped like a cookie value written by the session libraries.
/// Such text has base64 characters, `%` escapes and a `.` before the signature, optionally
/// in double quotes. Every `=` is padding: one or two at the end of a `.`-separated part
/// whose length is a multiple of 4.
///
/// A pair such as `s=` (a deleted cookie) fails the length test and reads as a pair, but
/// `abcdefg=` passes; `--name` or `--input-type` settle such cases.
fn looks_like_value(text: &str) -> bool {
    let text = text
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(text);
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '%' | '.' | '=');
    if text.is_empty() || !text.chars().all(allowed) {
        return false;
    }
    text.split('.').all(|part| {
        let unpadded = part.trim_end_matches('=');
        let padding = part.len() - unpadded.len();
        !unpadded.contains('=') && (padding == 0 || (padding <= 2 && part.len() % 4 == 0))
    })
}

fn parse_cookie_header(text: &str, name: Option<&str>) -> Result<FoundCookie, CliError> {
    // The same rules as the servers: split on ';', skip parts without '=', trim spaces and
    // tabs, and let the first pair of a name win.
    let pairs: Vec<(&str, &str)> = text
        .split(';')
        .filter_map(|part| part.split_once('='))
        .map(|(key, value)| (trim(key), trim(value)))
        .collect();
    if pairs.is_empty() {
        return Err(match name {
            Some(name) => CliError::CookieNotFound {
                name: name.to_owned(),
                location: "the input, which has no name=value pair".to_owned(),
                fix: cookie_header_fix(text),
            },
            None => CliError::NotACookie {
                input: shorten(text),
            },
        });
    }

    let chosen = match name {
        Some(name) => name,
        None => {
            let names = distinct_names(&pairs);
            if names.len() > 1 {
                return Err(CliError::SeveralCookies {
                    count: names.len(),
                    names: list_names(&names),
                });
            }
            names[0]
        }
    };
    let Some((key, value)) = pairs.iter().find(|(key, _)| *key == chosen) else {
        return Err(CliError::CookieNotFound {
            name: chosen.to_owned(),
            location: format!(
                "the Cookie header, which has {}",
                list_names(&distinct_names(&pairs))
            ),
            fix: cookie_header_fix(text),
        });
    };
    let same_name = pairs.iter().filter(|(other, _)| other == key).count();
    Ok(FoundCookie {
        source: Source::CookieHeader,
        name: Some((*key).to_owned()),
        raw_value: (*value).to_owned(),
        attributes: Vec::new(),
        ignored_duplicates: same_name - 1,
    })
}

/// Returns the names of `pairs` without repeats, in order of first appearance.
fn distinct_names<'a>(pairs: &[(&'a str, &str)]) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    pairs
        .iter()
        .map(|(key, _)| *key)
        .filter(|key| seen.insert(*key))
        .collect()
}

/// Maximum number of cookie names that an error message lists.
const LISTED_NAMES_MAX: usize = 10;

/// Returns up to [`LISTED_NAMES_MAX`] names, each shortened, comma-separated, followed by
/// "and N more" when there are more.
fn list_names(names: &[&str]) -> String {
    let listed: Vec<String> = names
        .iter()
        .take(LISTED_NAMES_MAX)
        .map(|name| shorten(name))
        .collect();
    let mut text = listed.join(", ");
    if names.len() > LISTED_NAMES_MAX {
        text.push_str(&format!(" and {} more", names.len() - LISTED_NAMES_MAX));
    }
    text
}

/// The fix that a not-found message suggests when no other `--input-type` would help.
const FIX_CHECK_NAME: &str = "check --name";
/// The fix for text shaped like a bare value, which auto mode reads as one only without
/// `--name`.
const FIX_TRY_VALUE: &str =
    "pass --input-type value if the input is the cookie value alone, or check --name";
/// The fix for a Set-Cookie header that has the requested name in a later pair.
const FIX_TRY_COOKIE: &str =
    "pass --input-type cookie if the input is a Cookie header, or check --name";

/// Returns the fix for a cookie not found in `text` read as a Cookie header.
fn cookie_header_fix(text: &str) -> &'static str {
    if looks_like_value(text) {
        FIX_TRY_VALUE
    } else {
        FIX_CHECK_NAME
    }
}

fn parse_set_cookie(text: &str, name: Option<&str>) -> Result<FoundCookie, CliError> {
    let mut parts = text.split(';');
    let first = parts.next().unwrap_or_default();
    let Some((key, value)) = first.split_once('=') else {
        return Err(CliError::NotACookie {
            input: shorten(text),
        });
    };
    let key = trim(key);
    if let Some(name) = name.filter(|name| *name != key) {
        let named_later = parts.any(|part| {
            part.split_once('=')
                .is_some_and(|(later_key, _)| trim(later_key) == name)
        });
        let location = if key.is_empty() {
            "the Set-Cookie header, which sets a cookie without a name".to_owned()
        } else {
            format!("the Set-Cookie header, which sets {}", shorten(key))
        };
        return Err(CliError::CookieNotFound {
            name: name.to_owned(),
            location,
            fix: if named_later {
                FIX_TRY_COOKIE
            } else {
                FIX_CHECK_NAME
            },
        });
    }

    let attributes = parts
        .map(trim)
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('=') {
            Some((name, value)) => Attribute {
                name: trim(name).to_owned(),
                value: Some(trim(value).to_owned()),
            },
            None => Attribute {
                name: part.to_owned(),
                value: None,
            },
        })
        .collect();
    Ok(FoundCookie {
        source: Source::SetCookie,
        name: Some(key.to_owned()),
        raw_value: trim(value).to_owned(),
        attributes,
        ignored_duplicates: 0,
    })
}

/// Removes spaces and tabs at both ends, as cookie parsers do.
fn trim(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Encoding;

    fn args(name: Option<&str>, input_type: InputType) -> InputArgs {
        InputArgs {
            cookie: None,
            name: name.map(str::to_owned),
            input_type,
            encoding: Encoding::Utf8,
        }
    }

    fn auto(text: &str) -> Result<FoundCookie, CliError> {
        find_cookie(text, &args(None, InputType::Auto))
    }

    #[test]
    fn bare_values_recognised() {
        for value in [
            "eyJ1c2VyIjoiYWxpY2UifQ==",
            "eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU",
            "eyJ1c2VyIjoiYWxpY2UifQ==.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS+f0tjIJPiXU",
            "\"MQ==\"",
        ] {
            let found = auto(value).unwrap();
            assert_eq!(found.source, Source::Value, "{value}");
            assert_eq!(found.raw_value, value);
            assert_eq!(found.name, None);
        }
    }

    #[test]
    fn deleted_cookie_pair_is_not_a_value() {
        let found = auto("s=").unwrap();
        assert_eq!(found.source, Source::CookieHeader);
        assert_eq!(found.name.as_deref(), Some("s"));
        assert_eq!(found.raw_value, "");
    }

    #[test]
    fn pair_is_a_cookie_header() {
        let found = auto("__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D").unwrap();
        assert_eq!(found.source, Source::CookieHeader);
        assert_eq!(found.name.as_deref(), Some("__session"));
        assert_eq!(found.raw_value, "eyJ1c2VyIjoiYWxpY2UifQ%3D%3D");
    }

    #[test]
    fn set_cookie_recognised_by_attribute() {
        let found = auto("s=MQ%3D%3D; Max-Age=60; Path=/; HttpOnly; SameSite=Lax").unwrap();
        assert_eq!(found.source, Source::SetCookie);
        assert_eq!(found.raw_value, "MQ%3D%3D");
        let names: Vec<&str> = found.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Max-Age", "Path", "HttpOnly", "SameSite"]);
        assert_eq!(found.attributes[0].value.as_deref(), Some("60"));
        assert_eq!(found.attributes[2].value, None);
    }

    #[test]
    fn header_names_stripped() {
        let found = auto("Set-Cookie: s=1; Secure").unwrap();
        assert_eq!(found.source, Source::SetCookie);
        let found = auto("cookie: a=1").unwrap();
        assert_eq!(found.source, Source::CookieHeader);
        assert_eq!(found.raw_value, "1");
    }

    #[test]
    fn several_cookies_need_a_name() {
        let error = auto("a=1; b=2; a=3").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the Cookie header carries 2 cookies (a, b): choose one with --name NAME"
        );
        let found = find_cookie("a=1; b=2; a=3", &args(Some("a"), InputType::Auto)).unwrap();
        assert_eq!(found.raw_value, "1", "first occurrence wins");
    }

    #[test]
    fn missing_name_reported_with_present_names() {
        let error = find_cookie("a=1; b=2", &args(Some("c"), InputType::Auto)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cookie \"c\" is not in the Cookie header, which has a, b: check --name"
        );
    }

    #[test]
    fn text_without_pair_is_not_a_cookie() {
        for text in ["hello world", "a; b", "{\"user\":1}"] {
            assert!(
                matches!(auto(text), Err(CliError::NotACookie { .. })),
                "{text}"
            );
        }
    }

    #[test]
    fn input_type_overrides_guess() {
        let found = find_cookie("YQ=", &args(None, InputType::Cookie)).unwrap();
        assert_eq!(found.name.as_deref(), Some("YQ"));
        assert_eq!(found.raw_value, "");
        let found = find_cookie("a=b; Path=/", &args(None, InputType::Value)).unwrap();
        assert_eq!(found.source, Source::Value);
    }
}
