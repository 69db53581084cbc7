//! Cookie attributes: the options of a cookie and the per-call overrides.

use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

/// The `SameSite` attribute.
///
/// # Examples
///
/// ```
/// use websession::SameSite;
///
/// let same_site: SameSite = "strict".parse()?;
/// assert_eq!(same_site, SameSite::Strict);
/// assert_eq!(same_site.to_string(), "Strict");
/// # Ok::<(), websession::UnknownAttributeValue>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// Sent only with requests from the same site.
    Strict,
    /// Sent with same-site requests and top-level navigations from other sites.
    Lax,
    /// Sent with every request; browsers require `Secure` with it.
    None,
}

impl SameSite {
    /// Returns the attribute value as written in `Set-Cookie`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(websession::SameSite::Lax.as_str(), "Lax");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

impl FromStr for SameSite {
    type Err = UnknownAttributeValue;

    /// Parses `strict`, `lax` or `none` in any letter case, as the JavaScript libraries do.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "strict" => Ok(SameSite::Strict),
            "lax" => Ok(SameSite::Lax),
            "none" => Ok(SameSite::None),
            _ => Err(UnknownAttributeValue::new(
                "SameSite",
                text,
                "strict, lax or none",
            )),
        }
    }
}

impl fmt::Display for SameSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `Priority` attribute, a Chromium extension that orders cookie eviction.
///
/// # Examples
///
/// ```
/// use websession::Priority;
///
/// assert_eq!("HIGH".parse::<Priority>()?, Priority::High);
/// # Ok::<(), websession::UnknownAttributeValue>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priority {
    /// Evicted first.
    Low,
    /// The browser's default.
    Medium,
    /// Evicted last.
    High,
}

impl Priority {
    /// Returns the attribute value as written in `Set-Cookie`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(websession::Priority::High.as_str(), "High");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Medium => "Medium",
            Priority::High => "High",
        }
    }
}

impl FromStr for Priority {
    type Err = UnknownAttributeValue;

    /// Parses `low`, `medium` or `high` in any letter case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "low" => Ok(Priority::Low),
            "medium" => Ok(Priority::Medium),
            "high" => Ok(Priority::High),
            _ => Err(UnknownAttributeValue::new(
                "Priority",
                text,
                "low, medium or high",
            )),
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error from parsing a [`SameSite`] or [`Priority`] value.
///
/// # Examples
///
/// ```
/// let error = "urgent".parse::<websession::Priority>().unwrap_err();
/// assert_eq!(error.to_string(), "invalid Priority value \"urgent\": expected low, medium or high");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {attribute} value {value:?}: expected {expected}")]
pub struct UnknownAttributeValue {
    attribute: &'static str,
    value: String,
    expected: &'static str,
}

impl UnknownAttributeValue {
    fn new(attribute: &'static str, value: &str, expected: &'static str) -> Self {
        Self {
            attribute,
            value: value.to_owned(),
            expected,
        }
    }
}

/// Attributes of a `Set-Cookie` header; each field left `None` takes the cookie's own value.
///
/// A [`Cookie`](crate::Cookie) keeps one of these as its defaults. Passed to
/// [`Cookie::serialize`](crate::Cookie::serialize) or to a storage's commit, its `Some`
/// fields override those defaults for that one call. `Some(false)` removes `HttpOnly`,
/// `Secure` or `Partitioned`, and `Some(String::new())` removes `Path` or `Domain`. No
/// override removes a `Max-Age`, `Expires`, `SameSite` or `Priority` that the cookie sets,
/// which the JavaScript libraries do with `maxAge: undefined` or `sameSite: false`. Leave
/// such an attribute out of the cookie and set it per call instead, for example `max_age`
/// only for visitors who choose to stay signed in.
///
/// # Examples
///
/// ```
/// use websession::{CookieOptions, SameSite};
///
/// let overrides = CookieOptions {
///     max_age: Some(60),
///     same_site: Some(SameSite::Strict),
///     ..CookieOptions::default()
/// };
/// assert_eq!(overrides.path, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CookieOptions {
    /// `Path`; an empty string writes no `Path` attribute.
    pub path: Option<String>,
    /// `Domain`; an empty string writes no `Domain` attribute.
    pub domain: Option<String>,
    /// `Max-Age` in seconds; zero and negative values are written as they are and tell the
    /// browser to delete the cookie.
    pub max_age: Option<i64>,
    /// `Expires`, a point in time written as an HTTP date; it must be between 1970 and 9999.
    pub expires: Option<SystemTime>,
    /// `HttpOnly`: hide the cookie from JavaScript in the page.
    pub http_only: Option<bool>,
    /// `Secure`: send the cookie only over HTTPS.
    pub secure: Option<bool>,
    /// `SameSite`.
    pub same_site: Option<SameSite>,
    /// `Priority`.
    pub priority: Option<Priority>,
    /// `Partitioned`: keep the cookie in a per-top-level-site jar (CHIPS).
    pub partitioned: Option<bool>,
}

impl CookieOptions {
    /// Returns these options with every `Some` field of `overrides` taking precedence.
    ///
    /// # Examples
    ///
    /// ```
    /// use websession::CookieOptions;
    ///
    /// let base = CookieOptions { path: Some("/".into()), max_age: Some(3600), ..Default::default() };
    /// let call = CookieOptions { max_age: Some(5), ..Default::default() };
    /// let merged = base.merged(&call);
    /// assert_eq!(merged.max_age, Some(5));
    /// assert_eq!(merged.path.as_deref(), Some("/"));
    /// ```
    #[must_use]
    pub fn merged(&self, overrides: &CookieOptions) -> CookieOptions {
        CookieOptions {
            path: overrides.path.clone().or_else(|| self.path.clone()),
            domain: overrides.domain.clone().or_else(|| self.domain.clone()),
            max_age: overrides.max_age.or(self.max_age),
            expires: overrides.expires.or(self.expires),
            http_only: overrides.http_only.or(self.http_only),
            secure: overrides.secure.or(self.secure),
            same_site: overrides.same_site.or(self.same_site),
            priority: overrides.priority.or(self.priority),
            partitioned: overrides.partitioned.or(self.partitioned),
        }
    }

    /// Returns `true` when no field is set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(websession::CookieOptions::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        *self == CookieOptions::default()
    }

    pub(crate) fn is_secure(&self) -> bool {
        self.secure == Some(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_site_parses_any_case() {
        assert_eq!("LAX".parse::<SameSite>(), Ok(SameSite::Lax));
        assert_eq!("Strict".parse::<SameSite>(), Ok(SameSite::Strict));
        assert_eq!("none".parse::<SameSite>(), Ok(SameSite::None));
        let error = "bogus".parse::<SameSite>().unwrap_err().to_string();
        assert_eq!(
            error,
            "invalid SameSite value \"bogus\": expected strict, lax or none"
        );
    }

    #[test]
    fn priority_parses_any_case() {
        assert_eq!("HIGH".parse::<Priority>(), Ok(Priority::High));
        assert!("urgent".parse::<Priority>().is_err());
    }

    #[test]
    fn merged_keeps_explicit_false() {
        let base = CookieOptions {
            http_only: Some(true),
            ..Default::default()
        };
        let call = CookieOptions {
            http_only: Some(false),
            ..Default::default()
        };
        assert_eq!(base.merged(&call).http_only, Some(false));
        assert_eq!(base.merged(&CookieOptions::default()).http_only, Some(true));
    }

    #[test]
    fn merged_overrides_win_every_field() {
        use std::time::{Duration, UNIX_EPOCH};

        let base = CookieOptions {
            path: Some("/base".into()),
            domain: Some("base.example".into()),
            max_age: Some(100),
            expires: Some(UNIX_EPOCH + Duration::from_secs(100)),
            http_only: Some(false),
            secure: Some(false),
            same_site: Some(SameSite::Strict),
            priority: Some(Priority::Low),
            partitioned: Some(false),
        };
        let overrides = CookieOptions {
            path: Some("/call".into()),
            domain: Some("call.example".into()),
            max_age: Some(5),
            expires: Some(UNIX_EPOCH + Duration::from_secs(5)),
            http_only: Some(true),
            secure: Some(true),
            same_site: Some(SameSite::None),
            priority: Some(Priority::High),
            partitioned: Some(true),
        };
        assert_eq!(base.merged(&overrides), overrides);
        assert_eq!(overrides.merged(&base), base);
        assert_eq!(base.merged(&CookieOptions::default()), base);
    }
}
