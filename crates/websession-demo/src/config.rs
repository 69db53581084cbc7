//! Command-line options and the session secrets from the environment.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use clap::Parser;
use rand::RngCore;

/// Environment variable that contains the signing secrets, comma-separated, the first signing.
pub const SECRET_VAR: &str = "SESSION_SECRET";

/// A small site that keeps its visitors' sessions with websession.
#[derive(Debug, Parser)]
#[command(name = "websession-demo", version)]
#[command(
    after_help = "The cookie secrets come from SESSION_SECRET: one or more secrets, \
    comma-separated; the first signs new cookies and all of them verify. Without it, a \
    random secret is generated and sessions end when the server stops."
)]
pub struct Args {
    /// Address and port to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Session storage: "cookie" (all data in the signed cookie, no server needed),
    /// "memory", "file:DIR" or "redis://HOST:PORT".
    #[arg(long, value_name = "STORE", default_value = "cookie")]
    pub store: StoreChoice,
}

/// The session storage chosen with `--store`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreChoice {
    /// All data in the signed cookie.
    Cookie,
    /// Records in this process's memory; the cookie carries the id.
    Memory,
    /// One file per record in this directory.
    File(PathBuf),
    /// Records in Redis at this URL.
    Redis(String),
}

/// Error from parsing a `--store` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreChoiceError {
    /// The value names no known storage.
    #[error("invalid store {value:?}: expected cookie, memory, file:DIR or redis://HOST:PORT")]
    Unknown {
        /// The rejected value, with the user name and password of a URL replaced by `***`.
        value: String,
    },
    /// `file:` without a directory.
    #[error("missing directory in store \"file:\": give one, such as file:./sessions")]
    MissingDirectory,
}

impl FromStr for StoreChoice {
    type Err = StoreChoiceError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        if value == "cookie" {
            return Ok(Self::Cookie);
        }
        if value == "memory" {
            return Ok(Self::Memory);
        }
        if let Some(directory) = value.strip_prefix("file:") {
            if directory.is_empty() {
                return Err(StoreChoiceError::MissingDirectory);
            }
            return Ok(Self::File(PathBuf::from(directory)));
        }
        if value.starts_with("redis://") && value.len() > "redis://".len() {
            return Ok(Self::Redis(value.to_owned()));
        }
        Err(StoreChoiceError::Unknown {
            value: without_credentials(value),
        })
    }
}

/// Returns `value` with the user name and password of a URL (`scheme://user:password@host`)
/// replaced by `***`, so that an error message does not show a password.
fn without_credentials(value: &str) -> String {
    let Some((scheme, rest)) = value.split_once("://") else {
        return value.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => value.to_owned(),
    }
}

impl StoreChoice {
    /// Returns a short name of the storage for pages and logs; a Redis URL's password, if
    /// any, is not part of it.
    pub fn label(&self) -> String {
        match self {
            Self::Cookie => "cookie".to_owned(),
            Self::Memory => "memory".to_owned(),
            Self::File(directory) => format!("file:{}", directory.display()),
            Self::Redis(_) => "redis".to_owned(),
        }
    }
}

/// The signing secrets and their source.
#[derive(PartialEq, Eq)]
pub enum Secrets {
    /// Read from `SESSION_SECRET`.
    FromEnv(Vec<String>),
    /// Generated at start because `SESSION_SECRET` is not set.
    Generated(String),
}

impl Secrets {
    /// Returns the secrets in order, the signing one first.
    pub fn list(&self) -> Vec<&str> {
        match self {
            Self::FromEnv(secrets) => secrets.iter().map(String::as_str).collect(),
            Self::Generated(secret) => vec![secret.as_str()],
        }
    }

    /// Returns the positions, from 1, of the secrets that start or end with whitespace, which
    /// is part of the secret, as in `new, old` where the second secret is " old".
    pub fn padded_entries(&self) -> Vec<usize> {
        self.list()
            .iter()
            .enumerate()
            .filter(|(_, secret)| secret.trim() != **secret)
            .map(|(index, _)| index + 1)
            .collect()
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::FromEnv(secrets) => write!(f, "FromEnv([{} redacted])", secrets.len()),
            Self::Generated(_) => f.write_str("Generated([redacted])"),
        }
    }
}

/// Error from reading `SESSION_SECRET`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The variable is not valid UTF-8.
    #[error("{SECRET_VAR} is not valid UTF-8: use printable text for the secrets")]
    NotUnicode,
    /// The variable is set to the empty string.
    #[error(
        "{SECRET_VAR} is empty: set it to one or more comma-separated secrets, or unset it \
         to use a random secret"
    )]
    Empty,
    /// One of the comma-separated secrets is empty.
    #[error(
        "{SECRET_VAR} has an empty secret at entry {entry}: remove the extra comma or \
         unset the variable to use a random secret"
    )]
    EmptySecret {
        /// Position of the empty secret, from 1.
        entry: usize,
    },
}

/// Reads the secrets from the value of `SESSION_SECRET`, or generates a random one when the
/// variable is unset.
pub fn secrets_from(value: Option<OsString>) -> Result<Secrets, SecretError> {
    let Some(value) = value else {
        return Ok(Secrets::Generated(random_secret()));
    };
    let value = value.into_string().map_err(|_| SecretError::NotUnicode)?;
    if value.is_empty() {
        return Err(SecretError::Empty);
    }
    let secrets: Vec<String> = value.split(',').map(str::to_owned).collect();
    if let Some(index) = secrets.iter().position(String::is_empty) {
        return Err(SecretError::EmptySecret { entry: index + 1 });
    }
    Ok(Secrets::FromEnv(secrets))
}

/// Returns 32 random bytes from the operating system's generator, as 64 hex digits.
fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_secrets_are_found() {
        let secrets = secrets_from(Some("new, old,\tthird,last\n,fine".into())).unwrap();
        assert_eq!(secrets.padded_entries(), [2, 3, 4]);
        let secrets = secrets_from(Some("new,old".into())).unwrap();
        assert_eq!(secrets.padded_entries(), Vec::<usize>::new());
    }

    #[test]
    fn store_choices_parse() {
        assert_eq!("cookie".parse(), Ok(StoreChoice::Cookie));
        assert_eq!("memory".parse(), Ok(StoreChoice::Memory));
        assert_eq!(
            "file:/tmp/sessions".parse(),
            Ok(StoreChoice::File("/tmp/sessions".into()))
        );
        assert_eq!(
            "redis://127.0.0.1:6379".parse(),
            Ok(StoreChoice::Redis("redis://127.0.0.1:6379".into()))
        );
    }

    #[test]
    fn store_choice_errors() {
        assert_eq!(
            "file:".parse::<StoreChoice>(),
            Err(StoreChoiceError::MissingDirectory)
        );
        assert_eq!(
            "postgres://x".parse::<StoreChoice>(),
            Err(StoreChoiceError::Unknown {
                value: "postgres://x".into()
            })
        );
        assert_eq!(
            "redis://".parse::<StoreChoice>(),
            Err(StoreChoiceError::Unknown {
                value: "redis://".into()
            })
        );
    }

    #[test]
    fn unknown_store_error_hides_password() {
        let error = "rediss://:Pa55word@cache.internal:6380/0"
            .parse::<StoreChoice>()
            .unwrap_err();
        assert_eq!(
            error,
            StoreChoiceError::Unknown {
                value: "rediss://***@cache.internal:6380/0".into()
            }
        );
        assert!(!error.to_string().contains("Pa55word"), "{error}");
        assert_eq!(
            without_credentials("postgres://app:secret@db/a@b"),
            "postgres://***@db/a@b"
        );
        assert_eq!(without_credentials("mysql://db:3306"), "mysql://db:3306");
        assert_eq!(without_credentials("file"), "file");
    }

    #[test]
    fn redis_label_hides_url() {
        let choice = StoreChoice::Redis("redis://:hunter2@127.0.0.1:6379".into());
        assert_eq!(choice.label(), "redis");
    }

    #[test]
    fn secrets_split_on_commas() {
        let secrets = secrets_from(Some("new,old".into())).unwrap();
        assert_eq!(secrets.list(), ["new", "old"]);
    }

    #[test]
    fn empty_secret_rejected() {
        assert_eq!(
            secrets_from(Some("new,,old".into())),
            Err(SecretError::EmptySecret { entry: 2 })
        );
        assert_eq!(
            secrets_from(Some(",new".into())),
            Err(SecretError::EmptySecret { entry: 1 })
        );
        assert_eq!(
            secrets_from(Some("new,".into())),
            Err(SecretError::EmptySecret { entry: 2 })
        );
    }

    #[test]
    fn empty_secret_message_counts_from_one() {
        let message = secrets_from(Some("new,,old".into()))
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "SESSION_SECRET has an empty secret at entry 2: remove the extra comma or unset \
             the variable to use a random secret"
        );
    }

    #[test]
    fn empty_variable_rejected() {
        let error = secrets_from(Some("".into())).unwrap_err();
        assert_eq!(error, SecretError::Empty);
        assert_eq!(
            error.to_string(),
            "SESSION_SECRET is empty: set it to one or more comma-separated secrets, or unset \
             it to use a random secret"
        );
    }

    #[test]
    fn missing_secret_generated() {
        let first = secrets_from(None).unwrap();
        let second = secrets_from(None).unwrap();
        let Secrets::Generated(secret) = &first else {
            panic!("expected a generated secret, got {first:?}");
        };
        assert_eq!(secret.len(), 64);
        assert!(secret.chars().all(|c| c.is_ascii_hexdigit()), "{secret}");
        assert_ne!(first, second);
    }

    #[test]
    fn debug_hides_secrets() {
        let secrets = secrets_from(Some("hunter2,old".into())).unwrap();
        let text = format!("{secrets:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert_eq!(text, "FromEnv([2 redacted])");
    }
}
