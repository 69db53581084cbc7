//! Loading signing secrets from environment variables, files and arguments, in command-line
//! order. Secret bytes never reach output: errors and reports name only where a secret came
//! from.

use std::convert::Infallible;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use clap::ArgMatches;

use crate::cli::SecretArgs;
use crate::error::CliError;

/// The UTF-8 byte order mark, which some editors write at the start of a text file.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// One secret with a description of its origin, such as "environment variable KEYS, entry 2".
pub struct Secret {
    bytes: Vec<u8>,
    origin: String,
}

impl Secret {
    /// Returns the secret bytes, for the HMAC key only.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Returns where the secret came from, safe to print.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("bytes", &"[redacted]")
            .field("origin", &self.origin)
            .finish()
    }
}

/// A secret given with `--secret`, kept out of `Debug` output.
#[derive(Clone)]
pub struct SecretText(String);

impl FromStr for SecretText {
    type Err = Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self(text.to_owned()))
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText([redacted])")
    }
}

/// Origin of one group of secrets.
enum Source<'a> {
    Env(&'a str),
    File(&'a Path),
    Argument(usize, &'a SecretText),
}

/// Loads every secret named by `args`, in the order their options appear on the command
/// line (`matches` are the matches of the subcommand, which record that order).
///
/// Prints a warning on standard error for each `--secret`, whose value other users of the
/// machine can read in the process list, and for each secret that starts or ends with
/// whitespace.
///
/// # Errors
///
/// An empty variable name or one with `=`, a missing or non-UTF-8 variable, an empty entry
/// in a variable, an unreadable file, a file without secrets, or an empty `--secret`.
pub fn load(args: &SecretArgs, matches: &ArgMatches) -> Result<Vec<Secret>, CliError> {
    let mut sources: Vec<(usize, Source<'_>)> = Vec::new();
    let indices = |id: &str| -> Vec<usize> {
        matches
            .indices_of(id)
            .map(Iterator::collect)
            .unwrap_or_default()
    };
    for (index, name) in indices("secret_env").into_iter().zip(&args.secret_env) {
        sources.push((index, Source::Env(name)));
    }
    for (index, path) in indices("secret_file").into_iter().zip(&args.secret_file) {
        sources.push((index, Source::File(path)));
    }
    let values = indices("secret_value").into_iter().zip(&args.secret_value);
    for (position, (index, value)) in values.enumerate() {
        sources.push((index, Source::Argument(position + 1, value)));
    }
    sources.sort_by_key(|(index, _)| *index);

    let mut secrets = Vec::new();
    for (_, source) in sources {
        match source {
            Source::Env(name) => secrets.extend(from_env(name)?),
            Source::File(path) => secrets.extend(from_file(path)?),
            Source::Argument(position, value) => secrets.push(from_argument(position, value)?),
        }
    }
    for secret in &secrets {
        warn_if_padded(secret);
    }
    Ok(secrets)
}

/// Prints a warning for a secret that starts or ends with whitespace, such as the second
/// entry of `KEYS="new, old"` or a line feed left at the end of an environment variable. Such
/// a character is part of the secret, so the secret differs from the application's when the
/// application's has no such character.
fn warn_if_padded(secret: &Secret) {
    // A secret of raw bytes that is not UTF-8 is checked for ASCII whitespace only.
    let padded = match std::str::from_utf8(&secret.bytes) {
        Ok(text) => text.trim() != text,
        Err(_) => {
            let is_padding = |byte: &u8| byte.is_ascii_whitespace();
            secret.bytes.first().is_some_and(is_padding)
                || secret.bytes.last().is_some_and(is_padding)
        }
    };
    if padded {
        crate::output::warn(&format!(
            "the secret from {} starts or ends with whitespace (such as a space, tab or line \
             break), which is part of the secret; remove it unless the application's secret has \
             it too",
            secret.origin
        ));
    }
}

fn from_env(name: &str) -> Result<Vec<Secret>, CliError> {
    if name.is_empty() {
        return Err(CliError::SecretEnvNameEmpty);
    }
    if name.contains('=') {
        return Err(CliError::SecretEnvNameHasEquals);
    }

    let text = std::env::var(name).map_err(|error| match error {
        std::env::VarError::NotPresent => CliError::SecretEnvMissing {
            name: name.to_owned(),
        },
        std::env::VarError::NotUnicode(_) => CliError::SecretEnvNotUnicode {
            name: name.to_owned(),
        },
    })?;

    if text.is_empty() {
        return Err(CliError::SecretEnvEmpty {
            name: name.to_owned(),
        });
    }

    // Commas separate secrets, so a secret that contains a comma must come from a file.
    let mut secrets = Vec::new();
    for (position, entry) in text.split(',').enumerate() {
        let entry_number = position + 1;
        if entry.is_empty() {
            return Err(CliError::EmptySecretInEnv {
                name: name.to_owned(),
                entry: entry_number,
            });
        }
        secrets.push(Secret {
            bytes: entry.as_bytes().to_vec(),
            origin: format!("environment variable {name}, entry {entry_number}"),
        });
    }
    Ok(secrets)
}

fn from_file(path: &Path) -> Result<Vec<Secret>, CliError> {
    let contents = std::fs::read(path).map_err(|source| CliError::ReadSecretFile {
        path: path.to_owned(),
        source,
    })?;

    // Some editors write a byte order mark and CRLF line endings, and neither belongs to a
    // secret. A line of only whitespace is a blank line, not a secret.
    let contents = contents.strip_prefix(UTF8_BOM).unwrap_or(&contents);
    let mut secrets = Vec::new();
    for (position, line) in contents.split(|&byte| byte == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if is_blank(line) {
            continue;
        }
        secrets.push(Secret {
            bytes: line.to_vec(),
            origin: format!("file {}, line {}", path.display(), position + 1),
        });
    }
    if secrets.is_empty() {
        return Err(CliError::EmptySecretFile {
            path: path.to_owned(),
        });
    }
    Ok(secrets)
}

/// Returns `true` for a line that is empty or only Unicode whitespace. A line that is not
/// UTF-8 is a secret of raw bytes.
fn is_blank(line: &[u8]) -> bool {
    std::str::from_utf8(line).is_ok_and(|text| text.trim().is_empty())
}

fn from_argument(position: usize, value: &SecretText) -> Result<Secret, CliError> {
    if value.0.is_empty() {
        return Err(CliError::EmptySecretArgument);
    }
    crate::output::warn(
        "--secret puts the secret on the command line, where other users of this machine \
         can read it; prefer --secret-env NAME or --secret-file PATH",
    );
    // `--secret` takes the next argument even when it starts with '-', so `--secret --json`
    // uses "--json" as the secret and the option has no effect.
    if is_option_name(&value.0) {
        crate::output::warn(&format!(
            "--secret argument {position} has the name of an option of this tool, which is \
             used as the secret and not as the option; put the secret value right after \
             --secret if you meant the option"
        ));
    }
    Ok(Secret {
        bytes: value.0.as_bytes().to_vec(),
        origin: format!("--secret argument {position}"),
    })
}

/// Returns `true` for text that names an option of any subcommand, such as `--json` or `-h`.
fn is_option_name(text: &str) -> bool {
    use clap::CommandFactory;

    if matches!(text, "-h" | "--help" | "-V" | "--version") {
        return true;
    }
    let command = crate::cli::Cli::command();
    let arguments = command.get_arguments().chain(
        command
            .get_subcommands()
            .flat_map(clap::Command::get_arguments),
    );
    for argument in arguments {
        let long = argument.get_long().map(|long| format!("--{long}"));
        let short = argument.get_short().map(|short| format!("-{short}"));
        if long.as_deref() == Some(text) || short.as_deref() == Some(text) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secret_bytes() {
        let secret = Secret {
            bytes: b"hunter2-very-secret".to_vec(),
            origin: "file keys, line 1".into(),
        };
        let text = format!("{secret:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("file keys, line 1"), "{text}");

        let argument: SecretText = "hunter2-very-secret".parse().unwrap();
        assert!(!format!("{argument:?}").contains("hunter2"));
    }

    #[test]
    fn secret_text_debug_is_redacted() {
        let argument: SecretText = "hunter2".parse().unwrap();
        assert_eq!(format!("{argument:?}"), "SecretText([redacted])");
    }

    #[test]
    fn file_lines_become_secrets() {
        let dir = std::env::temp_dir().join(format!("websession-cli-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secrets.txt");
        std::fs::write(&path, "new\r\n\nold\n").unwrap();

        let secrets = from_file(&path).unwrap();
        let bytes: Vec<&[u8]> = secrets.iter().map(Secret::bytes).collect();
        assert_eq!(bytes, [b"new".as_slice(), b"old".as_slice()]);
        assert_eq!(
            secrets[1].origin(),
            format!("file {}, line 3", path.display())
        );

        std::fs::write(&path, "\n\n").unwrap();
        assert!(matches!(
            from_file(&path),
            Err(CliError::EmptySecretFile { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
