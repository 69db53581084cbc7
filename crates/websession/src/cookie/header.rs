//! Finding one cookie's value in `Cookie` request headers.
//!
//! Written by hand because the result must match the `cookie` npm package that the JavaScript
//! libraries use: pairs split on `;`, names and values trimmed of spaces and tabs, pairs
//! without `=` skipped, the first occurrence of a name winning, and a failed percent-decoding
//! keeping the raw text. The parser works on bytes, so a header that is not UTF-8 cannot
//! panic it or hide a well-formed cookie elsewhere in the header.

use std::borrow::Cow;

/// Maximum number of bytes that a cookie's name and value take together when a browser sends
/// them. RFC 6265bis has user agents ignore a `Set-Cookie` whose name and value are longer, so
/// a longer cookie does not come from a browser. The session storages read such a session
/// cookie as absent.
///
/// # Examples
///
/// ```
/// assert_eq!(websession::MAX_COOKIE_NAME_VALUE_LEN, 4096);
/// ```
pub const MAX_COOKIE_NAME_VALUE_LEN: usize = 4096;

/// Returns the value of the first cookie named `name` in the header fields, in order: quotes
/// removed and percent-decoded, as `cookie.parse` yields it.
///
/// HTTP/2 clients may send one `Cookie` field per cookie, so the fields are searched as if they
/// were joined with `; `.
pub(crate) fn find<'a, I>(fields: I, name: &str) -> Option<Cow<'a, str>>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    find_raw(fields, name).map(|raw| decode_value(unquote(raw)))
}

/// Returns the value as [`find`] does, or `None` when the first cookie named `name` takes
/// more than [`MAX_COOKIE_NAME_VALUE_LEN`] bytes with its name, because no browser sends one.
pub(crate) fn find_browser_sized<'a, I>(fields: I, name: &str) -> Option<Cow<'a, str>>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let raw = find_raw(fields, name)?;
    let bytes = name.len() + raw.len();
    if bytes > MAX_COOKIE_NAME_VALUE_LEN {
        // Debug level, because any client can send such values at any rate.
        tracing::debug!(
            cookie = name,
            bytes,
            "cookie is longer than browsers keep; reading it as absent"
        );
        return None;
    }
    Some(decode_value(unquote(raw)))
}

/// Returns the trimmed raw value of the first pair named `name` in the header fields.
fn find_raw<'a, I>(fields: I, name: &str) -> Option<&'a [u8]>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    fields
        .into_iter()
        .find_map(|field| raw_value(field, name.as_bytes()))
}

/// Returns the trimmed raw value of the first pair named `name` in one header field.
fn raw_value<'a>(field: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut rest = field;
    loop {
        // `memchr` scans a long session value for `;` much faster than a byte loop.
        let (pair, tail) = match memchr::memchr(b';', rest) {
            Some(end) => (&rest[..end], Some(&rest[end + 1..])),
            None => (rest, None),
        };
        if let Some(equals) = memchr::memchr(b'=', pair) {
            if trim(&pair[..equals]) == name {
                return Some(trim(&pair[equals + 1..]));
            }
        }
        rest = tail?;
    }
}

/// Removes spaces and tabs at both ends; other whitespace (such as U+00A0) is kept.
fn trim(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

/// Removes one pair of surrounding double quotes (an RFC 6265 quoted `cookie-value`).
fn unquote(value: &[u8]) -> &[u8] {
    match value {
        [b'"', inner @ .., b'"'] => inner,
        // The `cookie` npm package (0.7) treats a lone quote as both the opening and the
        // closing one, so Remix reads it as the empty value.
        [b'"'] => &[],
        _ => value,
    }
}

/// Percent-decodes as `decodeURIComponent`, keeping the raw text when that would fail.
fn decode_value(raw: &[u8]) -> Cow<'_, str> {
    if raw.contains(&b'%') {
        if let Some(decoded) = decode_uri_component(raw) {
            return Cow::Owned(decoded);
        }
    }
    String::from_utf8_lossy(raw)
}

/// `decodeURIComponent`: every `%` must start two hex digits, and the decoded bytes must be
/// UTF-8; otherwise the whole decoding fails.
fn decode_uri_component(raw: &[u8]) -> Option<String> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(percent) = memchr::memchr(b'%', rest) {
        bytes.extend_from_slice(&rest[..percent]);
        let [_, high, low, tail @ ..] = &rest[percent..] else {
            return None;
        };
        bytes.push(hex_value(*high)? << 4 | hex_value(*low)?);
        rest = tail;
    }
    bytes.extend_from_slice(rest);
    String::from_utf8(bytes).ok()
}

/// Returns the value of one hex digit, either case.
fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find_in(header: &str, name: &str) -> Option<String> {
        find([header.as_bytes()], name).map(Cow::into_owned)
    }

    #[test]
    fn semicolons_with_or_without_spaces() {
        assert_eq!(find_in("a=1;b=2; c=3", "b").as_deref(), Some("2"));
        assert_eq!(find_in("a=1;b=2; c=3", "c").as_deref(), Some("3"));
    }

    #[test]
    fn pairs_without_equals_are_skipped() {
        assert_eq!(find_in("flag; s=1", "s").as_deref(), Some("1"));
        assert_eq!(find_in("s; s=2", "s").as_deref(), Some("2"));
        assert_eq!(find_in("s", "s"), None);
    }

    #[test]
    fn browser_sized_limit_counts_name_and_raw_value() {
        let fits = format!("a=1; s={}", "%41".repeat(1364) + "xyz");
        assert_eq!(
            "s".len() + "%41".len() * 1364 + 3,
            MAX_COOKIE_NAME_VALUE_LEN
        );
        let found = find_browser_sized([fits.as_bytes()], "s").unwrap();
        assert_eq!(found.len(), 1364 + 3, "percent-decoded after the check");

        let over = format!("s={}; s=1", "%41".repeat(1364) + "wxyz");
        assert_eq!(find_browser_sized([over.as_bytes()], "s"), None);
        assert_eq!(find([over.as_bytes()], "s").unwrap().len(), 1364 + 4);
    }

    #[test]
    fn first_occurrence_wins() {
        assert_eq!(find_in("s=first; s=second", "s").as_deref(), Some("first"));
        assert_eq!(find_in("s=; s=second", "s").as_deref(), Some(""));
    }

    #[test]
    fn equals_inside_value_is_kept() {
        assert_eq!(find_in("s=YQ==.x=y", "s").as_deref(), Some("YQ==.x=y"));
    }

    #[test]
    fn names_match_exactly() {
        assert_eq!(find_in("S=1; s2=2; %73=3", "s"), None);
        assert_eq!(find_in("  s \t=\t v ", "s").as_deref(), Some("v"));
    }

    #[test]
    fn only_space_and_tab_are_trimmed() {
        assert_eq!(find_in("s=\u{a0}v", "s").as_deref(), Some("\u{a0}v"));
    }

    #[test]
    fn quotes_removed_only_when_balanced() {
        assert_eq!(find_in("s=\"abc\"", "s").as_deref(), Some("abc"));
        assert_eq!(find_in("s=\"abc", "s").as_deref(), Some("\"abc"));
        assert_eq!(find_in("s=abc\"", "s").as_deref(), Some("abc\""));
        assert_eq!(find_in("s=\"\"", "s").as_deref(), Some(""));
        assert_eq!(find_in("s=\"", "s").as_deref(), Some(""));
        assert_eq!(find_in("a=1; s=\"; b=2", "s").as_deref(), Some(""));
    }

    #[test]
    fn percent_decoding_and_invalid_escapes() {
        assert_eq!(find_in("s=a%3Db%2Bc", "s").as_deref(), Some("a=b+c"));
        assert_eq!(find_in("s=%E0%A4%A", "s").as_deref(), Some("%E0%A4%A"));
        assert_eq!(find_in("s=%zz", "s").as_deref(), Some("%zz"));
        assert_eq!(
            find_in("s=%FF", "s").as_deref(),
            Some("%FF"),
            "not UTF-8 once decoded"
        );
        assert_eq!(find_in("x=%E0%A4%A; s=ok%21", "s").as_deref(), Some("ok!"));
    }

    #[test]
    fn lower_case_percent_escapes_decode() {
        // `decodeURIComponent` accepts hex digits in either case.
        assert_eq!(find_in("s=a%3db%2bc", "s").as_deref(), Some("a=b+c"));
        assert_eq!(find_in("s=%c3%a9%E6%97%a5", "s").as_deref(), Some("é日"));
        let each_hex_letter = "s=%0a%1b%2c%2D%2e%2F%4a%5b%6c%7d%7e%7f";
        assert_eq!(
            find_in(each_hex_letter, "s").as_deref(),
            Some("\n\u{1b},-./J[l}~\u{7f}")
        );
    }

    #[test]
    fn non_utf8_bytes_do_not_hide_other_cookies() {
        let header: &[u8] = b"a=\xff\xfe; \xc3=1; s=good";
        assert_eq!(find([header], "s").as_deref(), Some("good"));
        let value: &[u8] = b"s=\xffab";
        assert_eq!(find([value], "s").as_deref(), Some("\u{fffd}ab"));
    }

    #[test]
    fn several_fields_read_as_one_header() {
        let fields: [&[u8]; 3] = [b"a=1", b"s=2; b=3", b"s=4"];
        assert_eq!(find(fields, "s").as_deref(), Some("2"));
        assert_eq!(find(fields, "b").as_deref(), Some("3"));
        assert_eq!(find(fields, "z"), None);
    }
}
