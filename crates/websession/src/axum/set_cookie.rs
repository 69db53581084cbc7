//! [`SetSessionCookie`], the response part that sends a committed or destroyed session.

use std::fmt;

use axum::http::header::SET_COOKIE;
use axum::http::HeaderValue;
use axum::response::{IntoResponseParts, ResponseParts};

use super::error::SessionError;
use super::private::mark_private;

/// A `Set-Cookie` value from a commit or a destroy, to be returned from the handler.
///
/// As a response part it appends the `Set-Cookie` header, keeping any other cookies, and
/// marks the response as personal: `Vary: Cookie` unless `Vary` already names `Cookie` or
/// `*`, and `Cache-Control: private` unless the response already has a `Cache-Control`
/// header. Put it after the handler's own headers in a response tuple, so those headers are
/// seen.
///
/// # Examples
///
/// ```
/// use axum::response::IntoResponse;
/// use websession::axum::SetSessionCookie;
///
/// let part = SetSessionCookie::new("__session=e30%3D.sig; Path=/")?;
/// let response = (part, "hello").into_response();
/// assert_eq!(response.headers()["set-cookie"], "__session=e30%3D.sig; Path=/");
/// assert_eq!(response.headers()["vary"], "Cookie");
/// assert_eq!(response.headers()["cache-control"], "private");
/// # Ok::<(), websession::axum::SessionError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use = "the browser keeps its old cookie unless the handler returns this Set-Cookie value"]
pub struct SetSessionCookie {
    value: HeaderValue,
}

/// Shows the cookie's name and the length of the whole `Set-Cookie` value, but not the value,
/// which would let anyone who reads a log line replay the session.
impl fmt::Debug for SetSessionCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.value.as_bytes();
        let name_end = bytes.iter().position(|&byte| byte == b'=').unwrap_or(0);
        f.debug_struct("SetSessionCookie")
            .field("name", &String::from_utf8_lossy(&bytes[..name_end]))
            .field("value", &format_args!("[redacted]"))
            .field("bytes", &bytes.len())
            .finish()
    }
}

impl SetSessionCookie {
    /// Wraps a `Set-Cookie` value returned by a [`SessionStorage`](crate::SessionStorage).
    ///
    /// # Errors
    ///
    /// [`SessionError::InvalidSetCookie`] when `value` contains bytes not allowed in a header,
    /// such as a line break.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::axum::SetSessionCookie;
    ///
    /// assert!(SetSessionCookie::new("a=1").is_ok());
    /// let error = SetSessionCookie::new("a=1\r\nX-Evil: 1").unwrap_err();
    /// assert!(error.to_string().contains("a control character such as a line break"));
    /// ```
    pub fn new(value: impl AsRef<str>) -> Result<Self, SessionError> {
        Ok(Self {
            value: HeaderValue::from_str(value.as_ref())?,
        })
    }

    /// Returns the `Set-Cookie` value.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::axum::SetSessionCookie;
    ///
    /// let part = SetSessionCookie::new("a=1; Path=/")?;
    /// assert_eq!(part.value(), "a=1; Path=/");
    /// # Ok::<(), websession::axum::SessionError>(())
    /// ```
    pub fn value(&self) -> &HeaderValue {
        &self.value
    }
}

impl IntoResponseParts for SetSessionCookie {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, Self::Error> {
        parts.headers_mut().append(SET_COOKIE, self.value);
        mark_private(parts.headers_mut());
        Ok(parts)
    }
}
