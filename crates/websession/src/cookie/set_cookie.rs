//! Writing the `Set-Cookie` header value.

use std::fmt::Write;

use super::attributes::CookieOptions;

/// For each byte, whether JavaScript's `encodeURIComponent` keeps it as it is: ASCII letters,
/// digits and `-_.!~*'()`.
const URI_UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = (byte as u8).is_ascii_alphanumeric();
        byte += 1;
    }
    let marks = b"-_.!~*'()";
    let mut index = 0;
    while index < marks.len() {
        table[marks[index] as usize] = true;
        index += 1;
    }
    table
};

/// Appends `value` percent-encoded as `encodeURIComponent` does: every other byte of its
/// UTF-8 form becomes `%` and two upper-case hex digits.
fn push_uri_component(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut start = 0;
    for (position, &byte) in value.as_bytes().iter().enumerate() {
        if URI_UNRESERVED[usize::from(byte)] {
            continue;
        }
        // The kept run is ASCII, so both ends are character boundaries and `get` succeeds.
        out.push_str(value.get(start..position).unwrap_or_default());
        out.push('%');
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
        start = position + 1;
    }
    out.push_str(value.get(start..).unwrap_or_default());
}

/// Writes `name=value` and the attributes, in the order and spelling of the `cookie` npm
/// package: `Max-Age`, `Domain`, `Path`, `Expires`, `HttpOnly`, `Secure`, `Partitioned`,
/// `Priority`, `SameSite`. The value is percent-encoded as `encodeURIComponent` does.
pub(crate) fn write(name: &str, value: &str, options: &CookieOptions) -> String {
    // In a signed base64 value about one byte in 16 is `+`, `/` or `=`, which grow to three
    // bytes each; the reserve covers that and the attributes, so the value is not copied again.
    let mut out = String::with_capacity(name.len() + value.len() + value.len() / 4 + 96);
    out.push_str(name);
    out.push('=');
    push_uri_component(&mut out, value);

    if let Some(max_age) = options.max_age {
        let _ = write!(out, "; Max-Age={max_age}");
    }
    if let Some(domain) = options
        .domain
        .as_deref()
        .filter(|domain| !domain.is_empty())
    {
        let _ = write!(out, "; Domain={domain}");
    }
    if let Some(path) = options.path.as_deref().filter(|path| !path.is_empty()) {
        let _ = write!(out, "; Path={path}");
    }
    if let Some(expires) = options.expires {
        let _ = write!(out, "; Expires={}", httpdate::fmt_http_date(expires));
    }
    let flags = [
        (options.http_only, "; HttpOnly"),
        (options.secure, "; Secure"),
        (options.partitioned, "; Partitioned"),
    ];
    for (_, flag) in flags.iter().filter(|(set, _)| *set == Some(true)) {
        out.push_str(flag);
    }
    if let Some(priority) = options.priority {
        let _ = write!(out, "; Priority={priority}");
    }
    if let Some(same_site) = options.same_site {
        let _ = write!(out, "; SameSite={same_site}");
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::{Priority, SameSite};

    #[test]
    fn value_is_encoded_like_encode_uri_component() {
        let header = write("s", "a+b/c=d.e-_!~*'() %é", &CookieOptions::default());
        assert_eq!(header, "s=a%2Bb%2Fc%3Dd.e-_!~*'()%20%25%C3%A9");
    }

    #[test]
    fn encoding_matches_percent_encoding_crate() {
        const URI_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'_')
            .remove(b'.')
            .remove(b'!')
            .remove(b'~')
            .remove(b'*')
            .remove(b'\'')
            .remove(b'(')
            .remove(b')');
        let all_ascii: String = (0u8..=127).map(char::from).collect();
        for value in [
            all_ascii.as_str(),
            "é日\u{10348}a%",
            "",
            "%%",
            "eyJhIjoxfQ==.x+y/z",
        ] {
            let mut ours = String::new();
            push_uri_component(&mut ours, value);
            let theirs = percent_encoding::utf8_percent_encode(value, URI_COMPONENT).to_string();
            assert_eq!(ours, theirs, "value {value:?}");
        }
    }

    #[test]
    fn attributes_in_fixed_order() {
        let options = CookieOptions {
            path: Some("/".into()),
            domain: Some("example.com".into()),
            max_age: Some(600),
            expires: Some(UNIX_EPOCH + Duration::from_secs(1_700_086_400)),
            http_only: Some(true),
            secure: Some(true),
            same_site: Some(SameSite::None),
            priority: Some(Priority::High),
            partitioned: Some(true),
        };
        assert_eq!(
            write("s", "v", &options),
            "s=v; Max-Age=600; Domain=example.com; Path=/; \
             Expires=Wed, 15 Nov 2023 22:13:20 GMT; HttpOnly; Secure; Partitioned; \
             Priority=High; SameSite=None"
        );
    }

    #[test]
    fn empty_path_and_false_flags_are_omitted() {
        let options = CookieOptions {
            path: Some(String::new()),
            http_only: Some(false),
            max_age: Some(-1),
            ..Default::default()
        };
        assert_eq!(write("s", "", &options), "s=; Max-Age=-1");
    }
}
