//! Shared code of the command-line tests: running the built binary, loading the JavaScript
//! vectors and turning their inputs into command-line arguments and library configuration.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;
use websession::{CookieBuilder, PayloadEncoding, Priority, SameSite};

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Run {
    /// Exit status.
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Returns standard output parsed as JSON, failing the test when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}): {self:?}"))
    }
}

/// Runs the `websession` binary with `args`, `stdin` and extra environment variables.
pub fn run(args: &[String], stdin: Option<&str>, envs: &[(String, String)]) -> Run {
    let mut command = assert_cmd::cargo::cargo_bin_cmd!("websession");
    command.args(args);
    command.env_remove("NO_COLOR");
    command.env_remove("CLICOLOR_FORCE");
    for (key, value) in envs {
        command.env(key, value);
    }
    command.write_stdin(stdin.unwrap_or_default());
    let output = command.output().expect("the binary runs");
    Run {
        status: output
            .status
            .code()
            .expect("the binary exits with a status"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Turns string slices into owned arguments.
/// Checks exit status 2, nothing on standard output, and one error line on standard error
/// containing every part of `expected`, without a panic or backtrace hint.
pub fn assert_usage_error(result: &Run, expected: &[&str]) {
    assert_eq!(result.status, 2, "{result:?}");
    assert_eq!(result.stdout, "", "{result:?}");
    let lines: Vec<&str> = result.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{result:?}");
    assert!(lines[0].starts_with("error: "), "{result:?}");
    for part in expected {
        assert!(lines[0].contains(part), "missing {part:?} in {result:?}");
    }
    assert!(!result.stderr.contains("panicked"), "{result:?}");
    assert!(!result.stderr.contains("RUST_BACKTRACE"), "{result:?}");
}

pub fn args(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

/// Directory of the vectors recorded from the JavaScript libraries.
pub fn vectors_dir() -> PathBuf {
    // The directory that contains the repository, resolved so that messages show a plain path
    // even when `shared/vectors` is missing.
    let beside_repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    beside_repository
        .canonicalize()
        .unwrap_or(beside_repository)
        .join("shared/vectors")
}

/// Loads every `*.json` vector file, sorted by name, as (file stem, vectors).
pub fn load_vector_files() -> Vec<(String, Vec<Value>)> {
    let dir = vectors_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|error| {
        panic!(
            "cannot read the vector directory {}: {error}. It holds the cases recorded by \
             running the JavaScript session libraries, and these tests expect it as \
             shared/vectors beside the repository's top directory; put a copy or a link there. \
             No environment variable points these tests at another copy.",
            dir.display()
        )
    });
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();

    let mut files = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("vector file is readable");
        let parsed: Value = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()));
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if let Value::Array(vectors) = parsed {
            files.push((stem, vectors));
        }
    }
    assert!(
        files.len() >= 3,
        "expected the remix, react-router and solid-start vector files in {}",
        dir.display()
    );
    files
}

/// How the library and the tool are configured to match one JavaScript implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Remix and React Router: UTF-8 payloads, SameSite=Lax by default.
    Utf8Lax,
    /// solid-start 0.2: Latin-1 payloads, no SameSite by default.
    Latin1NoSameSite,
}

impl Profile {
    /// Returns the profile of a vector's `impl` field.
    pub fn of(vector: &Value) -> Profile {
        match vector["impl"].as_str() {
            Some("solid-start") => Profile::Latin1NoSameSite,
            _ => Profile::Utf8Lax,
        }
    }

    /// Returns the payload encoding.
    pub fn encoding(self) -> PayloadEncoding {
        match self {
            Profile::Utf8Lax => PayloadEncoding::Utf8,
            Profile::Latin1NoSameSite => PayloadEncoding::Latin1,
        }
    }

    /// Returns the `--encoding` value.
    pub fn encoding_arg(self) -> &'static str {
        match self {
            Profile::Utf8Lax => "utf8",
            Profile::Latin1NoSameSite => "latin1",
        }
    }
}

/// Secrets handed to the binary through an environment variable or a file.
pub struct SecretSource {
    /// Arguments that name the source.
    pub args: Vec<String>,
    /// Environment variables to set.
    pub envs: Vec<(String, String)>,
    /// A file to remove after the run.
    file: Option<PathBuf>,
}

static FILE_COUNTER: AtomicUsize = AtomicUsize::new(0);

impl SecretSource {
    /// Prepares `secrets` for the binary: in the variable `WS_TEST_SECRETS` when `via_file`
    /// is false and no secret has a comma, else in a file, one a line. Returns `None` for
    /// secrets that neither can carry (empty, or with a line break).
    pub fn new(secrets: &[String], via_file: bool) -> Option<SecretSource> {
        if secrets
            .iter()
            .any(|secret| secret.is_empty() || secret.contains(['\n', '\r']))
        {
            return None;
        }
        if secrets.is_empty() {
            return Some(SecretSource {
                args: Vec::new(),
                envs: Vec::new(),
                file: None,
            });
        }
        if !via_file && !secrets.iter().any(|secret| secret.contains(',')) {
            return Some(SecretSource {
                args: args(&["--secret-env", "WS_TEST_SECRETS"]),
                envs: vec![("WS_TEST_SECRETS".to_owned(), secrets.join(","))],
                file: None,
            });
        }
        let path = temp_path("secrets");
        std::fs::write(&path, secrets.join("\n") + "\n").expect("temp file is writable");
        Some(SecretSource {
            args: vec!["--secret-file".to_owned(), path.display().to_string()],
            envs: Vec::new(),
            file: Some(path),
        })
    }
}

impl Drop for SecretSource {
    fn drop(&mut self) {
        if let Some(path) = &self.file {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Returns a fresh path in the temporary directory, unique to this process and call.
pub fn temp_path(stem: &str) -> PathBuf {
    let count = FILE_COUNTER.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "websession-cli-{stem}-{}-{count}.txt",
        std::process::id()
    ))
}

/// Returns the secrets of a vector input, or `None` when one is not a string.
pub fn secrets_of(input: &Value) -> Option<Vec<String>> {
    input["secrets"]
        .as_array()?
        .iter()
        .map(|secret| secret.as_str().map(str::to_owned))
        .collect()
}

/// Returns the value of a `cookie.serialize` input, with `valueJson` taking precedence.
pub fn value_of(input: &Value) -> Option<Value> {
    match input["valueJson"].as_str() {
        Some(text) => serde_json::from_str(text).ok(),
        None => input.get("value").cloned(),
    }
}

/// Maps the JavaScript cookie options of a vector to `sign` arguments and to the same
/// settings on a library builder. Returns `None` for options the tool has no flag for.
pub fn options_to_sign(
    options: &Value,
    profile: Profile,
    mut builder: CookieBuilder,
) -> Option<(Vec<String>, CookieBuilder)> {
    let mut cli = vec!["--encoding".to_owned(), profile.encoding_arg().to_owned()];
    builder = builder.payload_encoding(profile.encoding());
    if profile == Profile::Latin1NoSameSite && options.get("sameSite").is_none() {
        cli.extend(args(&["--same-site", "omit"]));
        builder = builder.without_same_site();
    }

    for (key, value) in options.as_object()? {
        match (key.as_str(), value) {
            ("path", Value::String(path)) => {
                cli.extend(["--path".to_owned(), path.clone()]);
                builder = builder.path(path.as_str());
            }
            ("domain", Value::String(domain)) => {
                cli.extend(["--domain".to_owned(), domain.clone()]);
                builder = builder.domain(domain.as_str());
            }
            ("maxAge", Value::Number(number)) => {
                // Fractional seconds are rounded down, as remix and solid-start do.
                let seconds = number.as_f64()?.floor() as i64;
                cli.push(format!("--max-age={seconds}"));
                builder = builder.max_age(seconds);
            }
            ("expires", date) => {
                let millis = date["$date"].as_u64().filter(|ms| ms % 1000 == 0)?;
                let seconds = millis / 1000;
                cli.extend(["--expires".to_owned(), seconds.to_string()]);
                builder = builder.expires(UNIX_EPOCH + Duration::from_secs(seconds));
            }
            ("httpOnly", Value::Bool(enabled)) => {
                if *enabled {
                    cli.push("--http-only".to_owned());
                    builder = builder.http_only(true);
                }
            }
            ("secure", Value::Bool(enabled)) => {
                if *enabled {
                    cli.push("--secure".to_owned());
                    builder = builder.secure(true);
                }
            }
            ("partitioned", Value::Bool(enabled)) => {
                if *enabled {
                    cli.push("--partitioned".to_owned());
                    builder = builder.partitioned(true);
                }
            }
            ("sameSite", Value::Bool(true)) => {
                cli.extend(args(&["--same-site", "strict"]));
                builder = builder.same_site(SameSite::Strict);
            }
            ("sameSite", Value::Bool(false)) => {
                cli.extend(args(&["--same-site", "omit"]));
                builder = builder.without_same_site();
            }
            ("sameSite", Value::String(text)) => {
                let same_site: SameSite = text.parse().ok()?;
                cli.extend(["--same-site".to_owned(), text.to_ascii_lowercase()]);
                builder = builder.same_site(same_site);
            }
            ("priority", Value::String(text)) => {
                let priority: Priority = text.parse().ok()?;
                cli.extend(["--priority".to_owned(), text.to_ascii_lowercase()]);
                builder = builder.priority(priority);
            }
            _ => return None,
        }
    }
    Some((cli, builder))
}

/// Returns the JSON text that JavaScript writes for `value`, for comparing values whose
/// numbers serde_json keeps in different forms (`1` and `1.0`).
pub fn js_text(value: &Value) -> String {
    websession::json::stringify(value).expect("value can be written as JSON")
}
