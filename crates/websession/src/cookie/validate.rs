//! Checks that a cookie's name and attributes can be written safely.

use std::time::{SystemTime, UNIX_EPOCH};

use super::attributes::{CookieOptions, SameSite};

/// Seconds from 1970 to the end of 9999, the last year an HTTP date can carry.
const MAX_EXPIRES_SECS: u64 = 253_402_300_799;

/// Error from invalid cookie configuration, raised when the cookie is built or when
/// per-call options are applied.
///
/// # Examples
///
/// ```
/// use websession::{ConfigError, Cookie};
///
/// let error = Cookie::builder("__session").domain("my_host.example").build().unwrap_err();
/// assert_eq!(error, ConfigError::InvalidDomain { domain: "my_host.example".into() });
/// assert!(error.to_string().starts_with("invalid cookie domain \"my_host.example\""));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The cookie name is not an RFC 7230 token.
    #[error(
        "invalid cookie name {name:?}: use a non-empty name of ASCII letters, digits and \
         !#$%&'*+-.^_`|~ only"
    )]
    InvalidName {
        /// The rejected name.
        name: String,
    },
    /// The `Path` has a `;`, a `<`, a control character or a character outside ASCII.
    #[error("invalid cookie path {path:?}: remove ';', '<', control and non-ASCII characters")]
    InvalidPath {
        /// The rejected path.
        path: String,
    },
    /// The `Domain` is not shaped like a host name.
    #[error(
        "invalid cookie domain {domain:?}: expected a host name such as \"example.com\" \
         (letters, digits, '-' and '.', optionally a leading '.')"
    )]
    InvalidDomain {
        /// The rejected domain.
        domain: String,
    },
    /// A secret is empty, which would make signatures forgeable by anyone.
    #[error(
        "secret at index {index} of the list is empty: give every secret at least 32 random bytes"
    )]
    EmptySecret {
        /// Index of the empty secret in the list, from 0.
        index: usize,
    },
    /// A constructor that signs was given no secrets at all.
    #[error(
        "no secrets given: pass at least one secret of 32 or more random bytes, or, if \
         clients may be allowed to change the data, build an unsigned cookie with \
         Cookie::builder and pass it to CookieSessionStorage::new"
    )]
    NoSecrets,
    /// `SameSite=None` without `Secure`, which browsers reject.
    #[error(
        "cookie {name:?} has SameSite=None without Secure; browsers drop such cookies, so set \
         secure(true) on the builder or secure: Some(true) in the options"
    )]
    SameSiteNoneWithoutSecure {
        /// The cookie name.
        name: String,
    },
    /// A `__Secure-` or `__Host-` cookie lacks an attribute that browsers require of it.
    #[error("cookie {name:?} has the {prefix} prefix, which requires {requirement}")]
    PrefixRequirement {
        /// The cookie name.
        name: String,
        /// `__Secure-` or `__Host-`.
        prefix: &'static str,
        /// The attributes that the prefix requires, in words.
        requirement: &'static str,
    },
    /// The `Expires` time is before 1970 or after 9999, which an HTTP date cannot express.
    #[error(
        "cookie expires at Unix time {}, outside 1970 to 9999: choose a time in that range",
        unix_seconds(*expires)
    )]
    ExpiresOutOfRange {
        /// The rejected time.
        expires: SystemTime,
    },
}

/// Returns `time` as whole seconds from 1970, negative before it.
fn unix_seconds(time: SystemTime) -> i128 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::from(after.as_secs()),
        Err(before) => -i128::from(before.duration().as_secs()),
    }
}

/// Checks that `name` is an RFC 7230 token, which cookie names must be.
pub(crate) fn check_name(name: &str) -> Result<(), ConfigError> {
    let is_token_byte =
        |byte: &u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(byte);
    if name.is_empty() || !name.bytes().all(|byte| is_token_byte(&byte)) {
        return Err(ConfigError::InvalidName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// Checks the attributes that `name` will be written with.
pub(crate) fn check_options(name: &str, options: &CookieOptions) -> Result<(), ConfigError> {
    if let Some(path) = &options.path {
        check_path(path)?;
    }
    if let Some(domain) = &options.domain {
        check_domain(domain)?;
    }
    if let Some(expires) = options.expires {
        check_expires(expires)?;
    }
    if options.same_site == Some(SameSite::None) && !options.is_secure() {
        return Err(ConfigError::SameSiteNoneWithoutSecure {
            name: name.to_owned(),
        });
    }
    check_prefix(name, options)
}

/// Accepts the characters that the `cookie` npm package (0.7 and 1.x) accepts in a path:
/// printable ASCII and space, except `;` and `<`.
fn check_path(path: &str) -> Result<(), ConfigError> {
    if path
        .bytes()
        .any(|byte| matches!(byte, b';' | b'<') || !(0x20..0x7f).contains(&byte))
    {
        return Err(ConfigError::InvalidPath {
            path: path.to_owned(),
        });
    }
    Ok(())
}

/// Accepts dot-separated labels of ASCII letters, digits and inner hyphens, at most 63
/// characters each, with an optional leading dot: the shape that the `cookie` npm package
/// (0.7) accepts.
fn check_domain(domain: &str) -> Result<(), ConfigError> {
    if domain.is_empty() {
        return Ok(());
    }
    let labels = domain.strip_prefix('.').unwrap_or(domain);
    let is_label = |label: &str| {
        let bytes = label.as_bytes();
        (1..=63).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && bytes[0] != b'-'
            && bytes[bytes.len() - 1] != b'-'
    };
    if !labels.split('.').all(is_label) {
        return Err(ConfigError::InvalidDomain {
            domain: domain.to_owned(),
        });
    }
    Ok(())
}

fn check_expires(expires: SystemTime) -> Result<(), ConfigError> {
    // `Expires` is written in whole seconds, so the fraction of the last second counts.
    match expires.duration_since(UNIX_EPOCH) {
        Ok(since_epoch) if since_epoch.as_secs() <= MAX_EXPIRES_SECS => Ok(()),
        _ => Err(ConfigError::ExpiresOutOfRange { expires }),
    }
}

/// Cookie name prefixes that browsers enforce, from RFC 6265bis section 4.1.3. Since its
/// draft 11, user agents match the prefixes without regard to case, so `__host-` counts too.
fn check_prefix(name: &str, options: &CookieOptions) -> Result<(), ConfigError> {
    let requirement = |prefix, requirement| ConfigError::PrefixRequirement {
        name: name.to_owned(),
        prefix,
        requirement,
    };
    if has_prefix(name, "__Secure-") && !options.is_secure() {
        return Err(requirement("__Secure-", "secure(true)"));
    }
    if has_prefix(name, "__Host-") {
        let has_domain = options
            .domain
            .as_deref()
            .is_some_and(|domain| !domain.is_empty());
        if !options.is_secure() || options.path.as_deref() != Some("/") || has_domain {
            return Err(requirement(
                "__Host-",
                "secure(true), path \"/\" and no domain",
            ));
        }
    }
    Ok(())
}

/// Returns `true` when `name` starts with `prefix` in any mix of upper and lower case.
fn has_prefix(name: &str, prefix: &str) -> bool {
    name.as_bytes()
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn names_must_be_tokens() {
        for good in ["__session", "my-cookie.v2", "a!#$%&'*+-.^_`|~z"] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in ["", "bad name", "a;b", "a=b", "a,b", "é", "a\tb", "a\"b"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn name_error_names_value_and_fix() {
        let message = check_name("a b").unwrap_err().to_string();
        assert!(message.contains("\"a b\""), "{message}");
        assert!(message.contains("letters, digits"), "{message}");
    }

    #[test]
    fn expires_error_gives_unix_seconds() {
        let before = UNIX_EPOCH - Duration::from_secs(315_360_000);
        let message = check_expires(before).unwrap_err().to_string();
        assert!(message.contains("Unix time -315360000,"), "{message}");
        let after = UNIX_EPOCH + Duration::from_secs(MAX_EXPIRES_SECS + 1);
        let message = check_expires(after).unwrap_err().to_string();
        assert!(message.contains("Unix time 253402300800,"), "{message}");
        assert!(message.contains("choose a time in that range"), "{message}");
    }

    #[test]
    fn paths_reject_separators_and_controls() {
        let with_path = |path: &str| CookieOptions {
            path: Some(path.into()),
            ..Default::default()
        };
        assert!(check_options("s", &with_path("/app/x-y_z")).is_ok());
        assert!(check_options("s", &with_path("")).is_ok());
        assert!(check_options("s", &with_path("/a b>c:d=e~")).is_ok());
        for bad in ["/a;b", "/a<b", "/a\nb", "/a\u{1f}", "/a\u{7f}", "/é"] {
            assert!(check_options("s", &with_path(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn domains_must_look_like_host_names() {
        let with_domain = |domain: &str| CookieOptions {
            domain: Some(domain.into()),
            ..Default::default()
        };
        for good in ["example.com", ".example.com", "a-b.c1", "localhost", ""] {
            assert!(check_options("s", &with_domain(good)).is_ok(), "{good}");
        }
        for bad in [
            "exa mple.com",
            "my_host.example",
            "a..b",
            "-a.com",
            "a-.com",
            "a.com;x=y",
            "a.",
            ".",
        ] {
            assert!(check_options("s", &with_domain(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn domain_labels_at_most_63_characters() {
        let with_domain = |domain: String| CookieOptions {
            domain: Some(domain),
            ..Default::default()
        };
        let longest = format!("{}.example.com", "a".repeat(63));
        assert_eq!(check_options("s", &with_domain(longest)), Ok(()));

        let too_long = format!("{}.example.com", "a".repeat(64));
        assert_eq!(
            check_options("s", &with_domain(too_long.clone())),
            Err(ConfigError::InvalidDomain { domain: too_long })
        );
    }

    #[test]
    fn same_site_none_requires_secure() {
        let mut options = CookieOptions {
            same_site: Some(SameSite::None),
            ..Default::default()
        };
        assert!(matches!(
            check_options("s", &options),
            Err(ConfigError::SameSiteNoneWithoutSecure { .. })
        ));
        options.secure = Some(true);
        assert_eq!(check_options("s", &options), Ok(()));
    }

    #[test]
    fn prefixes_require_their_attributes() {
        let mut options = CookieOptions {
            path: Some("/".into()),
            ..Default::default()
        };
        assert!(check_options("__Secure-s", &options).is_err());
        assert!(check_options("__Host-s", &options).is_err());
        options.secure = Some(true);
        assert!(check_options("__Secure-s", &options).is_ok());
        assert!(check_options("__Host-s", &options).is_ok());
        options.domain = Some("example.com".into());
        assert!(check_options("__Host-s", &options).is_err());
        options.domain = None;
        options.path = Some("/app".into());
        assert!(check_options("__Host-s", &options).is_err());
    }

    #[test]
    fn prefixes_match_in_any_case() {
        let options = CookieOptions {
            path: Some("/".into()),
            ..Default::default()
        };
        for name in ["__secure-s", "__SECURE-s", "__host-s", "__HoSt-s"] {
            assert!(check_options(name, &options).is_err(), "{name}");
        }
        assert!(check_options("__secures", &options).is_ok());
        assert!(check_options("__hosts", &options).is_ok());
    }

    #[test]
    fn expires_must_fit_an_http_date() {
        let at = |expires| CookieOptions {
            expires: Some(expires),
            ..Default::default()
        };
        assert!(check_options("s", &at(UNIX_EPOCH)).is_ok());
        assert!(check_options("s", &at(UNIX_EPOCH - Duration::from_secs(1))).is_err());
        let year_10000 = UNIX_EPOCH + Duration::from_secs(MAX_EXPIRES_SECS + 1);
        assert!(check_options("s", &at(year_10000)).is_err());
        let last_millisecond = UNIX_EPOCH + Duration::from_millis(MAX_EXPIRES_SECS * 1000 + 999);
        assert!(check_options("s", &at(last_millisecond)).is_ok());
    }
}
