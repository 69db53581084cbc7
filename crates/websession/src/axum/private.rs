//! Response headers for responses that depend on session data.

use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::header::{CACHE_CONTROL, EXPIRES, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponseParts, ResponseParts};

/// A response part that marks a response as depending on the visitor's session, as
/// [`SetSessionCookie`](super::SetSessionCookie) and [`SessionLayer`](super::SessionLayer)
/// do: `Vary: Cookie` unless `Vary` already names `Cookie` or `*`, and
/// `Cache-Control: private` unless the response already has a `Cache-Control` header.
///
/// Return it from handlers that show session data and may send no cookie, such as pages
/// that read a [`LoadedSession`](super::LoadedSession) and end with
/// [`commit_if_needed`](super::LoadedSession::commit_if_needed). Next to a
/// [`SetSessionCookie`](super::SetSessionCookie), it adds no header twice. Without these
/// headers, a shared cache could store one visitor's page and serve it to another.
///
/// Put it after the handler's own headers in a response tuple: a header array such as
/// `[(VARY, "Accept-Encoding")]` replaces the values its headers already have, so placed
/// after this part it would drop `Cookie` from `Vary`. A `Cache-Control` header that the
/// handler set stays as it is, even one that lets shared caches store the page, such as
/// `max-age=60` without `private`.
///
/// # Examples
///
/// ```
/// use axum::http::header::VARY;
/// use axum::response::IntoResponse;
/// use websession::axum::PrivateResponse;
///
/// let response = ([(VARY, "Accept-Encoding")], PrivateResponse, "hello").into_response();
/// let vary: Vec<_> = response.headers().get_all("vary").iter().collect();
/// assert_eq!(vary, ["Accept-Encoding", "Cookie"]);
/// assert_eq!(response.headers()["cache-control"], "private");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrivateResponse;

impl IntoResponseParts for PrivateResponse {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, Self::Error> {
        mark_private(parts.headers_mut());
        Ok(parts)
    }
}

/// Marks a response as personal: adds `Vary: Cookie` unless `Vary` already names `Cookie` or
/// `*`, and `Cache-Control: private` unless the response has its own `Cache-Control`.
///
/// Without these, a shared cache could store one visitor's page and serve it to another.
pub(crate) fn mark_private(headers: &mut HeaderMap) {
    if !varies_on_cookie(headers) {
        headers.append(VARY, HeaderValue::from_static("Cookie"));
    }
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("private"));
    }
}

/// Logs a warning, once per process, when a response that sets the session cookie lets
/// shared caches store it. A cache could then hand the cookie to other visitors.
pub(crate) fn warn_if_shared_cacheable(headers: &HeaderMap, cookie_name: &str) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if allows_shared_caching(headers) && !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            cookie = cookie_name,
            "a response that sets the session cookie lets shared caches store it \
             (Cache-Control public, s-maxage or max-age, or an Expires header, without \
             private or no-store), so a cache may serve the cookie to other visitors; remove \
             those headers from routes that change the session, or add private (logged once)"
        );
    }
}

/// Returns `true` when the headers let a shared cache store the response with its
/// `Set-Cookie` (RFC 9111, section 3). That is the case when `Cache-Control` names `public`,
/// `s-maxage` or `max-age`, or there is an `Expires` header, and `Cache-Control` names neither
/// `no-store` nor a `private` that covers `Set-Cookie`. A `private` with a list of fields,
/// such as `private="X-Id"`, keeps only those fields out of shared caches (section 5.2.2.7).
///
/// It runs on every response that sets the session cookie, so it reads the directives in
/// place, in one pass, instead of collecting them.
fn allows_shared_caching(headers: &HeaderMap) -> bool {
    let mut cacheable = headers.contains_key(EXPIRES);
    let directives = headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Directives::new);
    for directive in directives {
        if directive.is("no-store") || (directive.is("private") && directive.covers_set_cookie()) {
            return false;
        }
        cacheable |= directive.is("public") || directive.is("s-maxage") || directive.is("max-age");
    }
    cacheable
}

/// One `Cache-Control` directive: its name, and its argument without quotes when it has one.
struct Directive<'a> {
    name: &'a str,
    argument: Option<&'a str>,
}

impl Directive<'_> {
    /// Returns whether the directive is `name`, ignoring ASCII case as directive names do.
    fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// Returns whether a `private` directive keeps `Set-Cookie` out of shared caches: a plain
    /// `private` does, and one with a list of fields does when the list names it.
    fn covers_set_cookie(&self) -> bool {
        self.argument.is_none_or(|fields| {
            fields
                .split(',')
                .any(|field| field.trim().eq_ignore_ascii_case("set-cookie"))
        })
    }
}

/// The directives of one `Cache-Control` value. Commas inside a quoted argument, as in
/// `private="Set-Cookie, X-Id"`, do not end the directive.
struct Directives<'a> {
    rest: Option<&'a str>,
}

impl<'a> Directives<'a> {
    fn new(value: &'a str) -> Self {
        Self { rest: Some(value) }
    }
}

impl<'a> Iterator for Directives<'a> {
    type Item = Directive<'a>;

    fn next(&mut self) -> Option<Directive<'a>> {
        let value = self.rest?;
        let end = unquoted_comma(value);
        let part = &value[..end.unwrap_or(value.len())];
        self.rest = end.map(|comma| &value[comma + 1..]);
        Some(match part.split_once('=') {
            Some((name, argument)) => Directive {
                name: name.trim(),
                argument: Some(argument.trim().trim_matches('"')),
            },
            None => Directive {
                name: part.trim(),
                argument: None,
            },
        })
    }
}

/// Returns the index of the first comma outside a quoted string, where `\` escapes the next
/// character.
fn unquoted_comma(value: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (index, byte) in value.bytes().enumerate() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b',' if !quoted => return Some(index),
            _ => {}
        }
    }
    None
}

fn varies_on_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(VARY)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|name| name == "*" || name.eq_ignore_ascii_case("cookie"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        mark_private(&mut headers);
        headers
    }

    fn values(headers: &HeaderMap, name: &str) -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn empty_response_gets_both_headers() {
        let headers = marked(&[]);
        assert_eq!(values(&headers, "vary"), ["Cookie"]);
        assert_eq!(values(&headers, "cache-control"), ["private"]);
    }

    #[test]
    fn existing_vary_is_extended() {
        let headers = marked(&[("vary", "Accept-Encoding")]);
        assert_eq!(values(&headers, "vary"), ["Accept-Encoding", "Cookie"]);
    }

    #[test]
    fn vary_naming_cookie_is_kept() {
        let headers = marked(&[("vary", "accept, COOKIE")]);
        assert_eq!(values(&headers, "vary"), ["accept, COOKIE"]);
        let headers = marked(&[("vary", "*")]);
        assert_eq!(values(&headers, "vary"), ["*"]);
    }

    #[test]
    fn own_cache_control_is_kept() {
        let headers = marked(&[("cache-control", "no-store")]);
        assert_eq!(values(&headers, "cache-control"), ["no-store"]);
    }

    #[test]
    fn shared_caching_is_detected() {
        let cases = [
            (vec!["public, max-age=600"], true),
            (vec!["public"], true),
            (vec!["s-maxage=600"], true),
            (vec!["max-age=60, S-MAXAGE=600"], true),
            (vec!["public", "no-store"], false),
            (vec!["public, private"], false),
            (vec!["max-age=600"], true),
            (vec!["max-age=600, private"], false),
            (vec!["public, private=\"X-Id\""], true),
            (vec!["public, private=\"X-Id, Set-Cookie\""], false),
            (vec!["public, PRIVATE=set-cookie"], false),
            (vec!["public, private=\"Set-Cookie\" , max-age=60"], false),
            (vec!["public, private=\"X-Id, no-store\""], true),
            (vec!["max-age=60, no-cache=\"X-A\\\", private, X-B\""], true),
            (vec!["no-cache"], false),
            (vec![], false),
        ];
        for (values, expected) in cases {
            let mut headers = HeaderMap::new();
            for value in &values {
                headers.append(CACHE_CONTROL, HeaderValue::from_str(value).unwrap());
            }
            assert_eq!(allows_shared_caching(&headers), expected, "{values:?}");
        }
    }

    #[test]
    fn marked_expires_is_private() {
        let headers = marked(&[("expires", "Thu, 01 Jan 2099 00:00:00 GMT")]);
        assert!(!allows_shared_caching(&headers));
    }

    #[test]
    fn expires_header_allows_shared_caching() {
        let mut headers = HeaderMap::new();
        headers.insert(
            EXPIRES,
            HeaderValue::from_static("Thu, 01 Jan 2099 00:00:00 GMT"),
        );
        assert!(allows_shared_caching(&headers));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        assert!(!allows_shared_caching(&headers));
    }
}
