//! Shared code of the interoperability tests: loading vector files and turning their
//! JavaScript-flavoured inputs into library configuration.

#![allow(dead_code)]

pub mod cases;
pub mod judge;
pub mod rules;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use websession::{
    ConfigError, Cookie, CookieOptions, ManualClock, PayloadEncoding, Priority, SameSite,
};

/// Directory of the vectors produced by running the JavaScript libraries.
pub fn shared_vectors_dir() -> PathBuf {
    // The directory that contains the repository, resolved so that messages show a plain path
    // even when `shared/vectors` is missing.
    let beside_repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    beside_repository
        .canonicalize()
        .unwrap_or(beside_repository)
        .join("shared/vectors")
}

/// Loads every `*.json` vector file (a JSON array of vectors) from the shared directory and
/// from `INTEROP_VECTORS_DIR` when that variable is set.
pub fn load_vector_files() -> Vec<(PathBuf, Vec<Value>)> {
    let mut dirs = vec![(shared_vectors_dir(), false)];
    if let Some(extra) = std::env::var_os("INTEROP_VECTORS_DIR") {
        dirs.push((PathBuf::from(extra), true));
    }
    let mut files = Vec::new();
    for (dir, from_variable) in dirs {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|error| {
            if from_variable {
                panic!(
                    "cannot read the vector directory {} named by INTEROP_VECTORS_DIR: {error}; \
                     set the variable to a directory of *.json vector files, or unset it",
                    dir.display()
                )
            }
            panic!(
                "cannot read the vector directory {}: {error}. It holds the cases recorded by \
                 running the JavaScript session libraries, and these tests expect it as \
                 shared/vectors beside the repository's top directory; put a copy or a link \
                 there. INTEROP_VECTORS_DIR adds a further directory of vectors but does not \
                 replace this one.",
                dir.display()
            )
        });
        let mut paths: Vec<PathBuf> = entries
            .map(|entry| entry.expect("directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).expect("vector file is readable");
            let parsed: Value = serde_json::from_str(&text)
                .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()));
            if let Value::Array(vectors) = parsed {
                files.push((path, vectors));
            }
        }
    }
    files
}

/// How the library is configured for one JavaScript implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Remix and React Router: UTF-8 payloads, `SameSite=Lax` by default.
    Default,
    /// solid-start 0.2: Latin-1 payloads, no default `SameSite`.
    SolidStart,
}

impl Profile {
    pub fn of(vector: &Value) -> Profile {
        match vector["impl"].as_str() {
            Some("solid-start") => Profile::SolidStart,
            _ => Profile::Default,
        }
    }
}

/// A JavaScript option value that the library's typed options cannot take.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionsError {
    /// Rejected by the library's validation.
    Config(ConfigError),
    /// A value the typed API cannot express (an unknown `SameSite` word, an invalid date…).
    Inexpressible(String),
}

/// Options converted from JavaScript, with the notes that the judge needs.
#[derive(Debug, Default)]
pub struct ConvertedOptions {
    pub options: CookieOptions,
    /// `maxAge` had a fraction, which the library's whole seconds cannot carry.
    pub fractional_max_age: bool,
}

/// Converts JavaScript cookie options (`path`, `domain`, `maxAge`, `expires`, `httpOnly`,
/// `secure`, `sameSite`, `priority`, `partitioned`) into [`CookieOptions`].
pub fn convert_options(js: &Value) -> Result<ConvertedOptions, OptionsError> {
    convert_options_for(Profile::Default, js)
}

/// Like [`convert_options`], for the options that `profile` supports.
pub fn convert_options_for(profile: Profile, js: &Value) -> Result<ConvertedOptions, OptionsError> {
    let mut converted = ConvertedOptions::default();
    let Some(map) = js.as_object() else {
        return Ok(converted);
    };
    let options = &mut converted.options;
    for (key, value) in map {
        match key.as_str() {
            "path" => options.path = value.as_str().map(str::to_owned),
            "domain" => options.domain = value.as_str().map(str::to_owned),
            "maxAge" => {
                let seconds = value
                    .as_f64()
                    .ok_or_else(|| inexpressible("maxAge", value))?;
                converted.fractional_max_age = seconds.fract() != 0.0;
                options.max_age = Some(seconds.floor() as i64);
            }
            "expires" => options.expires = Some(js_date(value)?),
            "httpOnly" => options.http_only = value.as_bool(),
            "secure" => options.secure = value.as_bool(),
            "partitioned" => options.partitioned = value.as_bool(),
            "sameSite" => options.same_site = js_same_site(value)?,
            "priority" if profile == Profile::SolidStart => {}
            "priority" => {
                let text = value
                    .as_str()
                    .ok_or_else(|| inexpressible("priority", value))?;
                let priority: Priority =
                    text.parse().map_err(|_| inexpressible("priority", value))?;
                options.priority = Some(priority);
            }
            "name" | "secrets" => {}
            other => panic!("vector uses an option this test does not know: {other}"),
        }
    }
    Ok(converted)
}

fn inexpressible(option: &str, value: &Value) -> OptionsError {
    OptionsError::Inexpressible(format!("{option} = {value}"))
}

fn js_same_site(value: &Value) -> Result<Option<SameSite>, OptionsError> {
    match value {
        Value::Bool(true) => Ok(Some(SameSite::Strict)),
        Value::Bool(false) | Value::Null => Ok(None),
        Value::String(text) => text
            .parse()
            .map(Some)
            .map_err(|_| inexpressible("sameSite", value)),
        _ => Err(inexpressible("sameSite", value)),
    }
}

/// Converts `{"$date": ms}` into a time; a date from a string is an invalid date.
pub fn js_date(value: &Value) -> Result<SystemTime, OptionsError> {
    let millis = value["$date"]
        .as_f64()
        .ok_or_else(|| inexpressible("expires", value))?;
    let magnitude = Duration::from_millis(millis.abs() as u64);
    Ok(if millis >= 0.0 {
        UNIX_EPOCH + magnitude
    } else {
        UNIX_EPOCH - magnitude
    })
}

pub fn millis_since_epoch(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_millis() as i64,
        Err(before) => -(before.duration().as_millis() as i64),
    }
}

/// Returns a clock frozen at the vector's `nowMs`.
pub fn clock_of(vector: &Value) -> ManualClock {
    let now_ms = vector["input"]["nowMs"]
        .as_u64()
        .expect("every vector has nowMs");
    ManualClock::new(UNIX_EPOCH + Duration::from_millis(now_ms))
}

/// Secrets of a cookie configuration, absent meaning none.
pub fn secrets_of(js: &Value) -> Vec<String> {
    js.as_array()
        .map(|secrets| {
            secrets
                .iter()
                .map(|secret| secret.as_str().expect("secrets are strings").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Builds the cookie for a profile, name, JavaScript options and secrets.
pub fn build_cookie(
    profile: Profile,
    name: &str,
    js_options: &Value,
    secrets: &[String],
    clock: &ManualClock,
) -> Result<(Cookie, ConvertedOptions), OptionsError> {
    let mut converted = convert_options_for(profile, js_options)?;
    let mut builder = Cookie::builder(name).clock(Arc::new(clock.clone()));
    if profile == Profile::SolidStart {
        builder = builder
            .without_same_site()
            .payload_encoding(PayloadEncoding::Latin1);
        // solid-start 0.2 has no Priority or Partitioned option and ignores them, so the
        // equivalent configuration here leaves them unset.
        converted.options.priority = None;
        converted.options.partitioned = None;
    }
    let cookie = builder
        .options(&converted.options)
        .secrets(secrets)
        .build()
        .map_err(OptionsError::Config)?;
    Ok((cookie, converted))
}

/// Parses `valueJson` when present (it keeps key order and `-0`), else takes `value`.
pub fn input_value(input: &Value) -> Value {
    match input["valueJson"].as_str() {
        Some(text) => serde_json::from_str(text).expect("valueJson is JSON"),
        None => input["value"].clone(),
    }
}

/// Compares two JSON values as JavaScript would after `JSON.parse`: numbers by value.
pub fn js_equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| js_equal(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, x)| b.get(key).is_some_and(|y| js_equal(x, y)))
        }
        _ => left == right,
    }
}

/// Runs `test` as a test binary without the libtest harness, so that its summary lines show
/// without `--nocapture`. Like libtest, it lists itself for `--list` and runs only when no
/// name filter is given or a filter is part of `name`.
pub fn run_unharnessed(name: &str, test: fn()) {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments.iter().any(|argument| argument == "--list") {
        println!("{name}: test");
        return;
    }
    let filters: Vec<&String> = arguments
        .iter()
        .filter(|argument| !argument.starts_with('-'))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|filter| name.contains(filter.as_str())) {
        return;
    }
    test();
    println!("test {name} ... ok");
}
