//! Errors of the tool. Each one ends the run with exit status 2 and a one-line message that
//! names the input or the failure, and the fix. No message contains a secret.

use std::io;
use std::path::PathBuf;

use websession::{ConfigError, SerializeError};

/// An error that stops a command: bad input, a missing file or variable, invalid options, a
/// failed write to standard output.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Nothing to read: no argument, and standard input is a terminal.
    #[error("no {input_name} given: pass it as an argument, or pipe it on standard input")]
    NoInput {
        /// Name of the expected input, such as "cookie".
        input_name: &'static str,
    },
    /// The argument is empty or only whitespace.
    #[error(
        "the {input_name} argument is empty: pass the {input_name} itself, or - to read it \
         from standard input"
    )]
    EmptyArgument {
        /// Name of the expected input, such as "cookie".
        input_name: &'static str,
    },
    /// Standard input is empty or only whitespace.
    #[error("standard input is empty: pipe the {input_name} into it, or pass it as an argument")]
    EmptyStdin {
        /// Name of the expected input, such as "cookie".
        input_name: &'static str,
    },
    /// Standard input could not be read.
    #[error("cannot read the {input_name} from standard input: {source}; give it as an argument instead")]
    ReadStdin {
        /// Name of the expected input, such as "cookie".
        input_name: &'static str,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// Writing to standard output failed for a reason other than a closed pipe.
    #[error(
        "cannot write to standard output: {source}; check the file or program that standard \
         output goes to"
    )]
    WriteStdout {
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// Standard input is not UTF-8 text.
    #[error("standard input is not UTF-8 text: give the {input_name} as text")]
    StdinNotUtf8 {
        /// Name of the expected input, such as "cookie".
        input_name: &'static str,
    },
    /// The cookie input has a line break or another control character inside it.
    #[error(
        "the cookie input has {} at character {position}: pass one header line, without \
         control characters such as line breaks",
        describe_control(*character)
    )]
    ControlCharacter {
        /// The first control character, other than a tab.
        character: char,
        /// Position of the character in the input, in characters from 1.
        position: usize,
    },
    /// The input has neither a `name=value` pair nor the shape of a cookie value.
    #[error(
        "input {input:?} is not a cookie: give a Cookie header, a Set-Cookie header, a \
         name=value pair or a cookie value"
    )]
    NotACookie {
        /// The input, shortened.
        input: String,
    },
    /// A `Cookie` header carries several cookies and `--name` does not choose one.
    #[error("the Cookie header carries {count} cookies ({names}): choose one with --name NAME")]
    SeveralCookies {
        /// How many distinct cookie names the header has.
        count: usize,
        /// The first names, comma-separated, and how many more there are.
        names: String,
    },
    /// The cookie named by `--name` is not in the input.
    #[error("cookie {name:?} is not in {location}: {fix}")]
    CookieNotFound {
        /// The requested name.
        name: String,
        /// The place the cookie was looked for, with the names there, such as "the Cookie
        /// header, which has a, b".
        location: String,
        /// The next step to suggest: check `--name`, or read the input as another type.
        fix: &'static str,
    },
    /// The cookie value has a `%` that is not a valid escape.
    #[error(
        "cookie {name:?} has invalid percent-encoding in its value {value:?}: every '%' must \
         start two hex digits that decode to UTF-8; copy the value again in full"
    )]
    InvalidPercentEncoding {
        /// The cookie name, or "(value)" for a bare value.
        name: String,
        /// The raw value, shortened.
        value: String,
    },
    /// `verify` was run without secrets.
    #[error("verify needs at least one secret: pass --secret-env NAME or --secret-file PATH")]
    NoSecrets,
    /// `--secret-env` was given an empty string.
    #[error(
        "--secret-env was given an empty name: give the name of an environment variable \
         that holds the secrets, such as --secret-env SESSION_SECRET"
    )]
    SecretEnvNameEmpty,
    /// `--secret-env` was given text with `=`, which may be `NAME=secret`, so the message
    /// does not quote it.
    #[error(
        "--secret-env was given a name that contains '=', which no environment variable \
         name can contain: give only the name, such as --secret-env SESSION_SECRET, and \
         export the secrets in that variable"
    )]
    SecretEnvNameHasEquals,
    /// An environment variable named by `--secret-env` is not set.
    #[error(
        "environment variable {name} (from --secret-env) is not set: export it with one \
         secret, or several separated by commas"
    )]
    SecretEnvMissing {
        /// The variable name.
        name: String,
    },
    /// An environment variable named by `--secret-env` is not UTF-8.
    #[error(
        "environment variable {name} (from --secret-env) is not UTF-8: put the secrets in a \
         file and pass --secret-file PATH"
    )]
    SecretEnvNotUnicode {
        /// The variable name.
        name: String,
    },
    /// An environment variable named by `--secret-env` is set to the empty string.
    #[error(
        "environment variable {name} (from --secret-env) is empty: set it to one secret, or \
         several separated by commas"
    )]
    SecretEnvEmpty {
        /// The variable name.
        name: String,
    },
    /// A comma-separated list of secrets has an empty entry.
    #[error(
        "environment variable {name} has an empty secret at entry {entry}: remove the extra \
         comma"
    )]
    EmptySecretInEnv {
        /// The variable name.
        name: String,
        /// Position of the empty entry, from 1.
        entry: usize,
    },
    /// A secret file cannot be read.
    #[error("cannot read secret file {}: {source}; check the path given to --secret-file", path.display())]
    ReadSecretFile {
        /// The file path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A secret file has no non-empty line.
    #[error("secret file {} has no secrets: write one secret per line", path.display())]
    EmptySecretFile {
        /// The file path.
        path: PathBuf,
    },
    /// `--secret` was given an empty string.
    #[error("--secret was given an empty value: give a secret of at least 32 random bytes")]
    EmptySecretArgument,
    /// The data for `sign` is not JSON.
    #[error(
        "invalid JSON data {input:?}: {source}; give one JSON value, such as \
         '{{\"user\":\"alice\"}}'"
    )]
    InvalidJson {
        /// The data, shortened.
        input: String,
        /// The parse error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// The `--expires` value is not a time.
    #[error(
        "invalid --expires value {value:?}: give an HTTP date such as \"Wed, 15 Nov 2023 \
         22:13:20 GMT\" or Unix time in seconds such as 1700086400"
    )]
    InvalidExpires {
        /// The rejected value.
        value: String,
    },
    /// The `--expires` time is after 9999, which an HTTP date cannot carry.
    #[error("--expires value {value:?} is after the year 9999: choose an earlier time")]
    ExpiresOutOfRange {
        /// The rejected value.
        value: String,
    },
    /// `--same-site none` without `--secure`.
    #[error(
        "cookie {name:?} has --same-site none without --secure; browsers drop such cookies, \
         so add --secure"
    )]
    SameSiteNoneWithoutSecure {
        /// The cookie name.
        name: String,
    },
    /// A `__Secure-` or `__Host-` name without the attributes that browsers require of it.
    #[error("cookie {name:?} has the {prefix} prefix, which requires {requirement}")]
    PrefixRequirement {
        /// The cookie name.
        name: String,
        /// `__Secure-` or `__Host-`.
        prefix: &'static str,
        /// The options that the prefix requires.
        requirement: &'static str,
    },
    /// A character cannot be written with `--encoding latin1`.
    #[error(
        "character {character:?} (U+{code:04X}) in the data cannot be written with \
         --encoding latin1: use --encoding utf8 or remove the character",
        code = u32::from(*character)
    )]
    NotLatin1 {
        /// The first character above U+00FF, other than U+FFFD.
        character: char,
    },
    /// The cookie options are invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The data cannot be written into a cookie.
    #[error(transparent)]
    Serialize(SerializeError),
}

/// Returns the name and code point of a control character, such as "a line feed (U+000A)".
fn describe_control(character: char) -> String {
    let code = u32::from(character);
    match character {
        '\n' => format!("a line feed (U+{code:04X})"),
        '\r' => format!("a carriage return (U+{code:04X})"),
        '\0' => format!("a NUL character (U+{code:04X})"),
        _ => format!("the control character U+{code:04X}"),
    }
}

/// Maximum number of characters of user input that an error message quotes.
const QUOTED_MAX_CHARS: usize = 60;

/// Returns `text` cut to [`QUOTED_MAX_CHARS`] characters, with `...` when it was cut.
pub fn shorten(text: &str) -> String {
    match text.char_indices().nth(QUOTED_MAX_CHARS) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_cuts_on_char_boundary() {
        assert_eq!(shorten("short"), "short");
        let long = "é".repeat(70);
        let cut = shorten(&long);
        assert_eq!(cut, format!("{}...", "é".repeat(60)));
    }

    #[test]
    fn messages_are_one_line() {
        let errors = [
            CliError::NotACookie {
                input: "hello world".into(),
            },
            CliError::SeveralCookies {
                count: 2,
                names: "a, b".into(),
            },
            CliError::InvalidExpires {
                value: "soon".into(),
            },
            CliError::NotLatin1 { character: '日' },
            CliError::ControlCharacter {
                character: '\n',
                position: 12,
            },
        ];
        for error in errors {
            let message = error.to_string();
            assert!(!message.contains('\n'), "{message}");
            assert!(
                message.starts_with(|c: char| !c.is_uppercase()),
                "{message}"
            );
        }
    }
}
