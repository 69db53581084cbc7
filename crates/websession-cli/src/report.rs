//! The report of `decode` and `verify`: the data a cookie carries and its signature status.

use serde_json::{json, Value};
use websession::json::MAX_DEPTH;
use websession::{
    inspect_value, is_valid_session_id, Cookie, PayloadEncoding, Signature,
    MAX_COOKIE_NAME_VALUE_LEN,
};

use crate::error::{shorten, CliError};
use crate::input::{Attribute, FoundCookie, Source};
use crate::nesting::text_depth;
use crate::secrets::Secret;

/// Name of the cookie built to verify values; the HMAC covers only the value, so any valid
/// name gives the same result.
const VERIFY_NAME: &str = "v";

/// Result of checking a cookie's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The value is empty: a deleted cookie or an empty session.
    Empty,
    /// The value has no signature.
    Unsigned,
    /// The value has a signature but no secrets were given to check it.
    Unchecked,
    /// The secret with this number (from 1, in command-line order) verifies the value.
    Verified {
        /// Position of the secret, from 1.
        number: usize,
        /// Origin of that secret, safe to print.
        origin: String,
    },
    /// No secret verifies the value.
    Invalid,
}

impl Status {
    /// Returns the name used in JSON output.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Empty => "empty",
            Status::Unsigned => "unsigned",
            Status::Unchecked => "unchecked",
            Status::Verified { .. } => "verified",
            Status::Invalid => "invalid",
        }
    }
}

/// Everything `decode` and `verify` print about one cookie.
#[derive(Debug, Clone)]
pub struct Report {
    /// The cookie as found in the input.
    pub found: FoundCookie,
    /// The value after quotes were removed and percent-decoding.
    pub value: String,
    /// The signature status.
    pub status: Status,
    /// How many secrets were given.
    pub secret_count: usize,
    /// The payload decoded from base64 of JSON, or `None` when it is not that.
    pub data: Option<Value>,
    /// Nesting depth of the payload's JSON when it is valid but deeper than [`MAX_DEPTH`]
    /// levels, so websession does not read it; `None` otherwise.
    pub too_deep_levels: Option<usize>,
}

impl Report {
    /// Decodes `found` and checks its signature with `secrets`, in order.
    ///
    /// # Errors
    ///
    /// [`CliError::InvalidPercentEncoding`] when the value has an invalid `%` escape, since
    /// the user most likely copied it incompletely.
    pub fn new(
        found: FoundCookie,
        secrets: &[Secret],
        encoding: PayloadEncoding,
    ) -> Result<Self, CliError> {
        let inspected = inspect_value(&found.raw_value, encoding);
        if inspected.invalid_percent_encoding {
            return Err(CliError::InvalidPercentEncoding {
                name: found.name.clone().unwrap_or_else(|| "(value)".to_owned()),
                value: shorten(&found.raw_value),
            });
        }

        let status = if inspected.text.is_empty() {
            Status::Empty
        } else if secrets.is_empty() {
            match inspected.signature {
                Some(_) => Status::Unchecked,
                None => Status::Unsigned,
            }
        } else {
            match verify(&found.raw_value, secrets, encoding)? {
                Some(index) => Status::Verified {
                    number: index + 1,
                    origin: secrets[index].origin().to_owned(),
                },
                None if inspected.signature.is_none() => Status::Unsigned,
                None => Status::Invalid,
            }
        };
        let too_deep_levels = match inspected.data {
            Some(_) => None,
            None => inspected
                .json_text
                .as_deref()
                .and_then(text_depth)
                .filter(|&depth| depth > MAX_DEPTH),
        };
        Ok(Self {
            found,
            value: inspected.text,
            status,
            secret_count: secrets.len(),
            data: inspected.data,
            too_deep_levels,
        })
    }

    /// Returns how many bytes the cookie's name and raw value take together, as a `Cookie`
    /// header carries them. A bare value without `--name` counts one byte for the name,
    /// because a websession cookie name is never empty.
    pub fn name_value_bytes(&self) -> usize {
        self.found.name.as_deref().map_or(1, str::len) + self.found.raw_value.len()
    }

    /// Returns `true` when the name and value are longer than browsers keep, so that no
    /// browser sends the cookie and websession's cookie storage reads it as a new session.
    pub fn is_longer_than_browsers_send(&self) -> bool {
        self.name_value_bytes() > MAX_COOKIE_NAME_VALUE_LEN
    }

    /// Returns `true` when one of the secrets verifies the value.
    pub fn is_verified(&self) -> bool {
        matches!(self.status, Status::Verified { .. })
    }

    /// Returns `true` when the data is a session id, which a storage that keeps the
    /// session data in a server-side store puts in the cookie in place of the data.
    pub fn is_session_id(&self) -> bool {
        matches!(&self.data, Some(Value::String(id)) if is_valid_session_id(id))
    }

    /// Returns why websession's session storages read the data as a new, empty session, or
    /// `None` when the data is a JSON object or a session id, or was not decoded.
    pub fn empty_session_reason(&self) -> Option<String> {
        let kind = match self.data.as_ref()? {
            Value::Object(_) => return None,
            Value::String(id) if is_valid_session_id(id) => return None,
            Value::String(_) => "a string that is not a valid session id",
            Value::Array(_) => "an array",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Null => "null",
        };
        let mut reason = format!(
            "the data is {kind}. The cookie storage of websession reads only a JSON object, and \
             its server-side storage only a valid session id, so both read this cookie as a \
             new, empty session"
        );
        if read_by_index_in_javascript(self.data.as_ref()?) {
            reason.push_str(
                ". The cookie storages of Remix and React Router read it as an object keyed by \
                 index, such as {\"0\": ...}",
            );
        }
        Some(reason)
    }

    /// Returns the names of the flash entries in the data (keys `__flash_<name>__`).
    pub fn flash_names(&self) -> Vec<&str> {
        let Some(Value::Object(map)) = &self.data else {
            return Vec::new();
        };
        map.keys()
            .filter_map(|key| key.strip_prefix("__flash_")?.strip_suffix("__"))
            .collect()
    }

    /// Returns the report as one JSON object.
    pub fn to_json(&self) -> Value {
        let (secret_number, signing_secret) = match &self.status {
            Status::Verified { number, .. } => (json!(number), json!(*number == 1)),
            _ => (Value::Null, Value::Null),
        };
        let mut object = json!({
            "name": self.found.name,
            "source": self.found.source.as_str(),
            "value": self.value,
            "status": self.status.as_str(),
            "verified": self.is_verified(),
            "secret_number": secret_number,
            "signing_secret": signing_secret,
            "secrets_given": self.secret_count,
            "data_decoded": self.data.is_some(),
            "data": self.data,
            "data_too_deep": self.too_deep_levels.is_some(),
            "session_id": self.is_session_id(),
            "empty_session_reason": self.empty_session_reason(),
            "flash": self.flash_names(),
            "ignored_duplicates": self.found.ignored_duplicates,
            "longer_than_browsers_send": self.is_longer_than_browsers_send(),
        });
        if self.found.source == Source::SetCookie {
            object["attributes"] = self.found.attributes.iter().map(attribute_json).collect();
        }
        object
    }
}

/// Returns the position (from 0) of the first secret that verifies `raw_value`.
fn verify(
    raw_value: &str,
    secrets: &[Secret],
    encoding: PayloadEncoding,
) -> Result<Option<usize>, CliError> {
    let cookie = Cookie::builder(VERIFY_NAME)
        .secrets(secrets.iter().map(Secret::bytes))
        .payload_encoding(encoding)
        .build()?;
    let field = format!("{VERIFY_NAME}={raw_value}");
    let parsed = cookie.parse_fields([field.as_bytes()]);
    Ok(match parsed.map(|parsed| parsed.signature) {
        Some(Signature::Verified { secret_index }) => Some(secret_index),
        Some(Signature::Unsigned) | None => None,
    })
}

fn attribute_json(attribute: &Attribute) -> Value {
    json!({"name": attribute.name, "value": attribute.value})
}

/// Returns `true` for data that `Object.entries` turns into index keys: a non-empty array
/// or string. Remix and React Router build a cookie session from those entries.
fn read_by_index_in_javascript(data: &Value) -> bool {
    match data {
        Value::Array(items) => !items.is_empty(),
        Value::String(text) => !text.is_empty(),
        _ => false,
    }
}
