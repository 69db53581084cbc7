//! [`CookieBuilder`], which validates a cookie's configuration once, up front.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use super::attributes::{CookieOptions, Priority, SameSite};
use super::codec::Cookie;
use super::payload::PayloadEncoding;
use super::signing::Signer;
use super::validate::{check_name, check_options, ConfigError};
use crate::clock::{Clock, SystemClock};

/// Builder of a [`Cookie`]; created by [`Cookie::builder`].
///
/// # Examples
///
/// ```
/// use websession::{Cookie, SameSite};
///
/// let cookie = Cookie::builder("__session")
///     .secrets(["current-secret", "previous-secret"])
///     .max_age(7 * 24 * 3600)
///     .http_only(true)
///     .secure(true)
///     .same_site(SameSite::Strict)
///     .build()?;
/// assert!(cookie.is_signed());
/// # Ok::<(), websession::ConfigError>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct CookieBuilder {
    name: String,
    options: CookieOptions,
    secrets: Vec<Vec<u8>>,
    encoding: PayloadEncoding,
    clock: Arc<dyn Clock>,
}

impl CookieBuilder {
    pub(super) fn new(name: String) -> Self {
        Self {
            name,
            options: CookieOptions {
                path: Some("/".to_owned()),
                same_site: Some(SameSite::Lax),
                ..CookieOptions::default()
            },
            secrets: Vec::new(),
            encoding: PayloadEncoding::Utf8,
            clock: Arc::new(SystemClock),
        }
    }

    /// Sets the secrets: the first signs, all verify, in order. Replaces earlier secrets.
    ///
    /// The signature covers the value and not the cookie's name, as in the JavaScript
    /// libraries, so a value signed for one cookie verifies as any other cookie with the same
    /// secrets. Give the session cookie secrets of its own when another cookie carries values
    /// that visitors choose.
    ///
    /// An empty list leaves the cookie unsigned, as a cookie built without secrets is, and
    /// clients can then change its value. Check [`Cookie::is_signed`] when the list comes
    /// from configuration, or use [`CookieSessionStorage::with_secrets`](crate::CookieSessionStorage::with_secrets),
    /// which rejects an empty list.
    ///
    /// # Examples
    ///
    /// ```
    /// let cookie = websession::Cookie::builder("s").secrets(["a", "b"]).build()?;
    /// assert!(cookie.is_signed());
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn secrets<I, S>(mut self, secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        self.secrets = secrets
            .into_iter()
            .map(|secret| secret.as_ref().to_vec())
            .collect();
        self
    }

    /// Sets every attribute that is `Some` in `options`, keeping the others.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, CookieOptions};
    ///
    /// let options = CookieOptions { path: Some("/app".into()), ..Default::default() };
    /// let cookie = Cookie::builder("s").options(&options).build()?;
    /// assert_eq!(cookie.options().path.as_deref(), Some("/app"));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn options(mut self, options: &CookieOptions) -> Self {
        self.options = self.options.merged(options);
        self
    }

    /// Sets `Path`; the default is `/`, and an empty path writes no attribute.
    ///
    /// # Examples
    ///
    /// ```
    /// let cookie = websession::Cookie::builder("s").path("/app").build()?;
    /// assert_eq!(cookie.options().path.as_deref(), Some("/app"));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.options.path = Some(path.into());
        self
    }

    /// Sets `Domain`.
    ///
    /// # Examples
    ///
    /// ```
    /// let cookie = websession::Cookie::builder("s").domain("example.com").build()?;
    /// assert_eq!(cookie.options().domain.as_deref(), Some("example.com"));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.options.domain = Some(domain.into());
        self
    }

    /// Sets `Max-Age` in seconds.
    ///
    /// # Examples
    ///
    /// ```
    /// let cookie = websession::Cookie::builder("s").max_age(3600).build()?;
    /// assert_eq!(cookie.options().max_age, Some(3600));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn max_age(mut self, seconds: i64) -> Self {
        self.options.max_age = Some(seconds);
        self
    }

    /// Sets `Expires` to a fixed point in time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// let at = UNIX_EPOCH + Duration::from_secs(1_700_086_400);
    /// let cookie = websession::Cookie::builder("s").expires(at).build()?;
    /// assert_eq!(cookie.expires(), Some(at));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn expires(mut self, at: SystemTime) -> Self {
        self.options.expires = Some(at);
        self
    }

    /// Sets `HttpOnly`.
    ///
    /// # Examples
    ///
    /// ```
    /// let cookie = websession::Cookie::builder("s").http_only(true).build()?;
    /// assert_eq!(cookie.options().http_only, Some(true));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn http_only(mut self, enabled: bool) -> Self {
        self.options.http_only = Some(enabled);
        self
    }

    /// Sets `Secure`.
    ///
    /// # Examples
    ///
    /// ```
    /// let cookie = websession::Cookie::builder("s").secure(true).build()?;
    /// assert_eq!(cookie.options().secure, Some(true));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn secure(mut self, enabled: bool) -> Self {
        self.options.secure = Some(enabled);
        self
    }

    /// Sets `SameSite`; the default is `Lax`.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, SameSite};
    ///
    /// let cookie = Cookie::builder("s").same_site(SameSite::Strict).build()?;
    /// assert_eq!(cookie.options().same_site, Some(SameSite::Strict));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.options.same_site = Some(same_site);
        self
    }

    /// Writes no `SameSite` attribute, as solid-start 0.2 does by default.
    ///
    /// # Warning
    ///
    /// Browsers then apply their own default, which differs between browsers and versions.
    ///
    /// # Examples
    ///
    /// ```
    /// let cookie = websession::Cookie::builder("s").without_same_site().build()?;
    /// assert_eq!(cookie.options().same_site, None);
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn without_same_site(mut self) -> Self {
        self.options.same_site = None;
        self
    }

    /// Sets `Priority`.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, Priority};
    ///
    /// let cookie = Cookie::builder("s").priority(Priority::High).build()?;
    /// assert_eq!(cookie.options().priority, Some(Priority::High));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn priority(mut self, priority: Priority) -> Self {
        self.options.priority = Some(priority);
        self
    }

    /// Sets `Partitioned`.
    ///
    /// Browsers that support partitioned cookies accept them only with `Secure`, so set
    /// [`secure(true)`](Self::secure) as well. The build does not check this, as the
    /// JavaScript libraries do not.
    ///
    /// # Examples
    ///
    /// ```
    /// let cookie = websession::Cookie::builder("s").secure(true).partitioned(true).build()?;
    /// assert_eq!(cookie.options().partitioned, Some(true));
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn partitioned(mut self, enabled: bool) -> Self {
        self.options.partitioned = Some(enabled);
        self
    }

    /// Sets the text encoding of the payload; the default is UTF-8.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{Cookie, PayloadEncoding};
    ///
    /// let cookie = Cookie::builder("s").payload_encoding(PayloadEncoding::Latin1).build()?;
    /// assert_eq!(cookie.payload_encoding(), PayloadEncoding::Latin1);
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn payload_encoding(mut self, encoding: PayloadEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Sets the clock that expiry is computed with; the default is the system clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::UNIX_EPOCH;
    /// use websession::{Cookie, ManualClock};
    ///
    /// let cookie = Cookie::builder("s").clock(Arc::new(ManualClock::new(UNIX_EPOCH))).build()?;
    /// assert_eq!(cookie.clock().now(), UNIX_EPOCH);
    /// # Ok::<(), websession::ConfigError>(())
    /// ```
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Validates the configuration and builds the cookie.
    ///
    /// # Errors
    ///
    /// - [`ConfigError::InvalidName`] when the name is not an RFC 7230 token.
    /// - [`ConfigError::InvalidPath`], [`ConfigError::InvalidDomain`] and
    ///   [`ConfigError::ExpiresOutOfRange`] for attributes that cannot be written.
    /// - [`ConfigError::EmptySecret`] when a secret is empty.
    /// - [`ConfigError::SameSiteNoneWithoutSecure`] and [`ConfigError::PrefixRequirement`]
    ///   for attribute combinations that browsers reject.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::{ConfigError, Cookie};
    ///
    /// let error = Cookie::builder("bad name").build().unwrap_err();
    /// assert!(matches!(error, ConfigError::InvalidName { .. }));
    /// ```
    pub fn build(self) -> Result<Cookie, ConfigError> {
        check_name(&self.name)?;
        check_options(&self.name, &self.options)?;
        if let Some(index) = self.secrets.iter().position(Vec::is_empty) {
            return Err(ConfigError::EmptySecret { index });
        }
        Ok(Cookie {
            signer: Signer::new(&self.secrets),
            name: self.name,
            options: self.options,
            encoding: self.encoding,
            clock: self.clock,
        })
    }
}

impl fmt::Debug for CookieBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieBuilder")
            .field("name", &self.name)
            .field("options", &self.options)
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("encoding", &self.encoding)
            .finish_non_exhaustive()
    }
}
