//! The `sign` command: a `Set-Cookie` value from JSON data and cookie options.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use websession::{ConfigError, Cookie, CookieOptions, EncodeError, SerializeError, MAX_COOKIE_LEN};

use crate::cli::{SameSiteChoice, SignArgs, SignOutput};
use crate::error::{shorten, CliError};
use crate::output;
use crate::secrets::Secret;

/// Seconds from 1970 to the end of 9999, the last year an HTTP date can carry.
const MAX_EXPIRES_SECS: u64 = 253_402_300_799;

/// Signs `data_text` (JSON) as `args` describe, and returns the text to print.
///
/// # Errors
///
/// Invalid JSON, an invalid `--expires`, invalid cookie options, or data that the chosen
/// payload encoding cannot carry.
pub fn run(args: &SignArgs, data_text: &str, secrets: &[Secret]) -> Result<String, CliError> {
    let data: Value = serde_json::from_str(data_text).map_err(|source| CliError::InvalidJson {
        input: shorten(data_text),
        source,
    })?;
    let cookie = build_cookie(args, secrets).map_err(|error| cli_config_error(error, args))?;
    let set_cookie = cookie
        .serialize(&data, &CookieOptions::default())
        .map_err(|error| cli_serialize_error(error, args))?;

    if secrets.is_empty() {
        output::warn("no secrets given, so the cookie is unsigned and anyone can change it");
    }
    if set_cookie.len() > MAX_COOKIE_LEN {
        output::warn(&format!(
            "the Set-Cookie value is {} bytes, more than the {MAX_COOKIE_LEN} that browsers \
             keep; store less data in the cookie",
            set_cookie.len()
        ));
    }

    let pair = set_cookie.split(';').next().unwrap_or_default();
    if args.json {
        let report = json!({
            "name": args.name,
            "set_cookie": set_cookie,
            "cookie": pair,
            "signed": !secrets.is_empty(),
            "length": set_cookie.len(),
        });
        return Ok(format!("{report}\n"));
    }
    Ok(match args.output {
        SignOutput::SetCookie => format!("{set_cookie}\n"),
        SignOutput::Cookie => format!("{pair}\n"),
    })
}

fn build_cookie(args: &SignArgs, secrets: &[Secret]) -> Result<Cookie, BuildError> {
    let mut builder = Cookie::builder(args.name.as_str())
        .secrets(secrets.iter().map(Secret::bytes))
        .path(args.path.as_str())
        .payload_encoding(args.encoding.into());
    if let Some(domain) = &args.domain {
        builder = builder.domain(domain.as_str());
    }
    if let Some(seconds) = args.max_age {
        builder = builder.max_age(seconds);
    }
    if let Some(text) = &args.expires {
        builder = builder.expires(parse_expires(text).map_err(BuildError::Cli)?);
    }
    if args.http_only {
        builder = builder.http_only(true);
    }
    if args.secure {
        builder = builder.secure(true);
    }
    if args.partitioned {
        builder = builder.partitioned(true);
    }
    builder = match args.same_site {
        SameSiteChoice::Strict => builder.same_site(websession::SameSite::Strict),
        SameSiteChoice::Lax => builder.same_site(websession::SameSite::Lax),
        SameSiteChoice::None => builder.same_site(websession::SameSite::None),
        SameSiteChoice::Omit => builder.without_same_site(),
    };
    if let Some(priority) = args.priority {
        builder = builder.priority(priority.into());
    }
    builder.build().map_err(BuildError::Config)
}

/// Error from building the cookie: a bad option of this tool or of the library.
enum BuildError {
    Cli(CliError),
    Config(ConfigError),
}

/// Parses Unix seconds or an HTTP date.
fn parse_expires(text: &str) -> Result<SystemTime, CliError> {
    let invalid = || CliError::InvalidExpires {
        value: shorten(text),
    };
    let time = if text.bytes().all(|byte| byte.is_ascii_digit()) {
        let seconds: u64 = text.parse().map_err(|_| invalid())?;
        UNIX_EPOCH + Duration::from_secs(seconds.min(MAX_EXPIRES_SECS + 1))
    } else {
        httpdate::parse_http_date(text).map_err(|_| invalid())?
    };
    let in_range = time
        .duration_since(UNIX_EPOCH)
        .is_ok_and(|since| since.as_secs() <= MAX_EXPIRES_SECS);
    if !in_range {
        return Err(CliError::ExpiresOutOfRange {
            value: shorten(text),
        });
    }
    Ok(time)
}

/// Rewords the library's configuration errors that name builder methods with the
/// command-line options that set them.
fn cli_config_error(error: BuildError, args: &SignArgs) -> CliError {
    let error = match error {
        BuildError::Cli(error) => return error,
        BuildError::Config(error) => error,
    };
    match error {
        ConfigError::SameSiteNoneWithoutSecure { .. } => CliError::SameSiteNoneWithoutSecure {
            name: args.name.clone(),
        },
        ConfigError::PrefixRequirement { prefix, .. } => CliError::PrefixRequirement {
            name: args.name.clone(),
            prefix,
            requirement: if prefix == "__Host-" {
                "--secure, --path / and no --domain"
            } else {
                "--secure"
            },
        },
        other => CliError::Config(other),
    }
}

fn cli_serialize_error(error: SerializeError, args: &SignArgs) -> CliError {
    match error {
        SerializeError::Encode(EncodeError::NotLatin1 { character }) => {
            CliError::NotLatin1 { character }
        }
        SerializeError::Config(error) => cli_config_error(BuildError::Config(error), args),
        other => CliError::Serialize(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_accepts_unix_seconds_and_http_dates() {
        let expected = UNIX_EPOCH + Duration::from_secs(1_700_086_400);
        assert_eq!(parse_expires("1700086400").unwrap(), expected);
        assert_eq!(
            parse_expires("Wed, 15 Nov 2023 22:13:20 GMT").unwrap(),
            expected
        );
    }

    #[test]
    fn expires_rejects_other_text_and_far_future() {
        assert!(matches!(
            parse_expires("tomorrow"),
            Err(CliError::InvalidExpires { .. })
        ));
        assert!(matches!(
            parse_expires("-5"),
            Err(CliError::InvalidExpires { .. })
        ));
        assert!(matches!(
            parse_expires("99999999999999999999999"),
            Err(CliError::InvalidExpires { .. })
        ));
        assert!(matches!(
            parse_expires("253402300800"),
            Err(CliError::ExpiresOutOfRange { .. })
        ));
        assert!(parse_expires("253402300799").is_ok());
    }
}
