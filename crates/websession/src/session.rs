//! [`Session`], the data of one visitor.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::json::{LazyObject, StringifyError};

/// Error from converting a session value to or from a Rust type with serde.
///
/// The message names the value but leaves out `serde_json`'s description, which can quote
/// the stored data; [`source`](std::error::Error::source) returns it.
///
/// # Examples
///
/// ```
/// use websession::{Session, ValueError};
///
/// let mut session = Session::new();
/// session.set("count", "three");
/// let error = session.get_as::<u32>("count").unwrap_err();
/// assert!(matches!(&error, ValueError::Deserialize { name, .. } if name == "count"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// [`Session::set_serialized`] got a value that JSON cannot represent.
    #[error(
        "session value {name:?} cannot be written as JSON; use types that serialize to JSON, \
         with string keys in maps"
    )]
    Serialize {
        /// The name the value was to be stored under.
        name: String,
        /// The error from `serde_json`.
        #[source]
        source: serde_json::Error,
    },
    /// [`Session::get_as`] found a value of another shape than the requested type.
    #[error(
        "session value {name:?} does not have the requested type; read it as the type it was \
         stored as, or remove it (Session::unset, or Session::get for a flash value)"
    )]
    Deserialize {
        /// The name of the value.
        name: String,
        /// The error from `serde_json`.
        #[source]
        source: serde_json::Error,
    },
}

/// The data of one visitor, loaded by a [`SessionStorage`](crate::SessionStorage) and saved
/// back with its `commit_session`.
///
/// Data is a JSON object in insertion order. A flash value (see [`Session::flash`]) lives
/// until it is read once. The session tracks whether it changed since it was loaded, so a
/// server can skip writing a cookie that would not change.
///
/// A session that [`CookieSessionStorage`](crate::CookieSessionStorage) loads keeps the
/// cookie's JSON text, checked in full, and parses a value only when [`get`](Self::get) reads
/// it. A change keeps the other values as text, and the commit copies those already written
/// as `JSON.stringify` writes them. The whole object is parsed once, on first need: by
/// [`data`](Self::data), a comparison with `==`, `Debug`, or a commit that cannot copy the
/// text, such as one of data with a key that starts with a digit.
///
/// `Debug` shows the keys but not the values, so a session can be logged without its data.
///
/// # Examples
///
/// ```
/// use websession::Session;
///
/// let mut session = Session::new();
/// session.set("user", "alice");
/// session.flash("notice", "Welcome back");
/// assert_eq!(session.get("user"), Some("alice".into()));
/// assert_eq!(session.get("notice"), Some("Welcome back".into()));
/// assert_eq!(session.get("notice"), None);
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct Session {
    id: String,
    /// A cookie session keeps its checked JSON text and parses a value when it is read.
    data: LazyObject,
    changed: bool,
    needs_resign: bool,
}

impl Session {
    /// Creates an empty session with no id.
    ///
    /// # Examples
    ///
    /// ```
    /// let session = websession::Session::new();
    /// assert!(session.data().is_empty());
    /// assert_eq!(session.id(), "");
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates a session holding `data` under `id`, as loaded from a storage; it counts as
    /// unchanged. Cookie storage uses an empty id.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut data = serde_json::Map::new();
    /// data.insert("user".into(), "alice".into());
    /// let session = websession::Session::from_data("abc", data);
    /// assert_eq!(session.id(), "abc");
    /// assert!(!session.is_changed());
    /// ```
    pub fn from_data(id: impl Into<String>, data: Map<String, Value>) -> Self {
        Self::loaded(id.into(), LazyObject::from(data))
    }

    /// Creates an unchanged session, as loaded from a storage.
    pub(crate) fn loaded(id: String, data: LazyObject) -> Self {
        Self {
            id,
            data,
            changed: false,
            needs_resign: false,
        }
    }

    /// Returns the session id; empty for cookie storage and for sessions not yet stored.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(websession::Session::new().id(), "");
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Returns the value under `name`, or else the flash value under `name`, which is removed
    /// by this read.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = websession::Session::new();
    /// session.set("count", 3);
    /// assert_eq!(session.get("count"), Some(3.into()));
    /// assert_eq!(session.get("missing"), None);
    /// ```
    pub fn get(&mut self, name: &str) -> Option<Value> {
        if let Some(value) = self.data.get(name) {
            return Some(value);
        }
        let flash_key = flash_key(name);
        if !self.data.contains_key(&flash_key) {
            return None;
        }
        let flashed = self.data.shift_remove(&flash_key)?;
        self.changed = true;
        Some(flashed)
    }

    /// Returns the value under `name` (or the flash value) converted to `T` through serde.
    ///
    /// A flash value is removed only when the conversion succeeds, so a failed read leaves
    /// the session as it was.
    ///
    /// # Errors
    ///
    /// [`ValueError::Deserialize`] when the stored value does not have the shape of `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = websession::Session::new();
    /// session.set("count", 3);
    /// assert_eq!(session.get_as::<u32>("count")?, Some(3));
    /// assert!(session.get_as::<String>("count").is_err());
    ///
    /// session.flash("notice", "saved");
    /// assert!(session.get_as::<u32>("notice").is_err());
    /// assert_eq!(session.get_as::<String>("notice")?, Some("saved".to_owned()));
    /// assert!(!session.has("notice"));
    /// # Ok::<(), websession::ValueError>(())
    /// ```
    pub fn get_as<T: DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>, ValueError> {
        let convert = |value: Value| {
            serde_json::from_value(value).map_err(|source| ValueError::Deserialize {
                name: name.to_owned(),
                source,
            })
        };
        if let Some(value) = self.data.get(name) {
            return convert(value).map(Some);
        }
        let flash_key = flash_key(name);
        let Some(flashed) = self.data.get(&flash_key) else {
            return Ok(None);
        };
        let converted = convert(flashed)?;
        self.data.shift_remove(&flash_key);
        self.changed = true;
        Ok(Some(converted))
    }

    /// Stores `value` under `name`.
    ///
    /// The session keeps `value` as given, so `get_as` in the same request returns it exactly.
    /// A commit writes numbers as JavaScript's doubles: an integer beyond 2^53 in magnitude
    /// becomes the nearest double, so `1234567890123456789_u64` reads back from the cookie
    /// as `1234567890123456800`. Store ids that need all 64 bits as strings.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = websession::Session::new();
    /// session.set("theme", "dark");
    /// assert!(session.has("theme"));
    /// assert!(session.is_changed());
    /// ```
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.data.insert(name.into(), value.into());
        self.changed = true;
    }

    /// Stores any serializable value under `name`.
    ///
    /// # Errors
    ///
    /// [`ValueError::Serialize`] when `value` cannot be represented as JSON, such as a map
    /// with non-string keys. The session is then left as it was.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::BTreeMap;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    /// struct User { name: String }
    ///
    /// let mut session = websession::Session::new();
    /// session.set_serialized("user", &User { name: "alice".into() })?;
    /// assert_eq!(session.get_as::<User>("user")?, Some(User { name: "alice".into() }));
    ///
    /// let error = session.set_serialized("grid", &BTreeMap::from([((1, 2), 3)])).unwrap_err();
    /// assert!(error.to_string().starts_with("session value \"grid\" cannot be written as JSON"));
    /// # Ok::<(), websession::ValueError>(())
    /// ```
    pub fn set_serialized<T: Serialize + ?Sized>(
        &mut self,
        name: impl Into<String>,
        value: &T,
    ) -> Result<(), ValueError> {
        let name = name.into();
        match serde_json::to_value(value) {
            Ok(value) => {
                self.set(name, value);
                Ok(())
            }
            Err(source) => Err(ValueError::Serialize { name, source }),
        }
    }

    /// Returns `true` when the session has no data, flash values included.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = websession::Session::new();
    /// assert!(session.is_empty());
    /// session.flash("notice", "saved");
    /// assert!(!session.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Returns `true` when `name` has a value or a flash value; reading a flash value this way
    /// does not remove it.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = websession::Session::new();
    /// session.flash("notice", "saved");
    /// assert!(session.has("notice"));
    /// assert!(session.has("notice"));
    /// ```
    pub fn has(&self, name: &str) -> bool {
        self.data.contains_key(name) || self.data.contains_key(&flash_key(name))
    }

    /// Removes the value under `name`; a flash value under the same name stays.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = websession::Session::new();
    /// session.set("user", "alice");
    /// session.unset("user");
    /// assert!(!session.has("user"));
    /// ```
    pub fn unset(&mut self, name: &str) {
        if self.data.contains_key(name) && self.data.shift_remove(name).is_some() {
            self.changed = true;
        }
    }

    /// Stores a value that lives until it is read once with [`Session::get`], kept under the
    /// key `__flash_<name>__` as the JavaScript libraries do.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = websession::Session::new();
    /// session.flash("error", "Invalid password");
    /// assert!(session.data().contains_key("__flash_error__"));
    /// ```
    pub fn flash(&mut self, name: &str, value: impl Into<Value>) {
        self.set(flash_key(name), value);
    }

    /// Returns all data, flash values included under their `__flash_<name>__` keys.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = websession::Session::new();
    /// session.set("a", 1);
    /// assert_eq!(session.data().len(), 1);
    /// ```
    pub fn data(&self) -> &Map<String, Value> {
        self.data.map()
    }

    /// Writes the data as `JSON.stringify` does.
    pub(crate) fn data_json(&self) -> Result<String, StringifyError> {
        self.data.to_json()
    }

    /// Returns `true` when the data changed since the session was loaded: a value set or
    /// unset, or a flash value consumed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = websession::Session::new();
    /// assert!(!session.is_changed());
    /// session.set("a", 1);
    /// assert!(session.is_changed());
    /// ```
    pub fn is_changed(&self) -> bool {
        self.changed
    }

    /// Returns `true` when the session's cookie verified only with an older secret, so it
    /// should be committed again to be signed with the current one. The axum layer and
    /// `LoadedSession::commit_if_needed` do that.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!websession::Session::new().needs_resign());
    /// ```
    pub fn needs_resign(&self) -> bool {
        self.needs_resign
    }

    /// Records whether the session's cookie verified only with an older secret. A
    /// [`SessionStorage`](crate::SessionStorage) implementation calls it in `load_session`
    /// with [`ParsedCookie::is_signed_with_old_secret`](crate::ParsedCookie::is_signed_with_old_secret),
    /// so that the axum layer re-signs such cookies.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = websession::Session::new();
    /// session.set_needs_resign(true);
    /// assert!(session.needs_resign());
    /// ```
    pub fn set_needs_resign(&mut self, needs_resign: bool) {
        self.needs_resign = needs_resign;
    }

    /// Replaces the id, as a server-side [`SessionStorage`](crate::SessionStorage) does when
    /// it creates or rotates a record.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = websession::Session::new();
    /// session.set_id("oN3aZ1xYkQ8wR2vT5uB7cD".to_owned());
    /// assert_eq!(session.id(), "oN3aZ1xYkQ8wR2vT5uB7cD");
    /// ```
    pub fn set_id(&mut self, id: String) {
        self.id = id;
    }

    /// Marks the session as saved: unchanged and signed with the current secret. A
    /// [`SessionStorage`](crate::SessionStorage) implementation calls it at the end of a
    /// successful `commit_session`. Application code does not: the axum layer saves only
    /// changed sessions, so a handler that calls it loses its changes.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = websession::Session::new();
    /// session.set("user", "alice");
    /// session.set_needs_resign(true);
    /// session.mark_saved();
    /// assert!(!session.is_changed());
    /// assert!(!session.needs_resign());
    /// ```
    pub fn mark_saved(&mut self) {
        self.changed = false;
        self.needs_resign = false;
    }
}

fn flash_key(name: &str) -> String {
    format!("__flash_{name}__")
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &if self.id.is_empty() { "" } else { "[redacted]" })
            .field("keys", &self.data.map().keys().collect::<Vec<_>>())
            .field("changed", &self.changed)
            .field("needs_resign", &self.needs_resign)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn loaded(data: Value) -> Session {
        let Value::Object(map) = data else {
            panic!("test data must be an object")
        };
        Session::from_data("", map)
    }

    #[test]
    fn flash_removed_by_get_not_by_has() {
        let mut session = loaded(json!({"__flash_msg__": "saved"}));
        assert!(session.has("msg"));
        assert!(!session.is_changed());
        assert_eq!(session.get("msg"), Some(json!("saved")));
        assert!(session.is_changed(), "a consumed flash is a change");
        assert!(!session.has("msg"));
        assert_eq!(session.get("msg"), None);
    }

    #[test]
    fn failed_get_as_keeps_flash() {
        let mut session = loaded(json!({"__flash_msg__": "saved"}));
        let error = session.get_as::<u32>("msg").unwrap_err();
        assert!(matches!(&error, ValueError::Deserialize { name, .. } if name == "msg"));
        assert!(session.has("msg"));
        assert!(!session.is_changed());
        assert_eq!(
            session.get_as::<String>("msg").unwrap(),
            Some("saved".into())
        );
        assert!(session.is_changed());
        assert!(!session.has("msg"));
    }

    #[test]
    fn failed_set_serialized_names_value() {
        let mut session = Session::new();
        let grid = std::collections::BTreeMap::from([((1, 2), 3)]);
        let error = session.set_serialized("grid", &grid).unwrap_err();
        assert!(matches!(&error, ValueError::Serialize { name, .. } if name == "grid"));
        assert!(error.to_string().contains("string keys in maps"), "{error}");
        assert!(!session.has("grid"));
        assert!(!session.is_changed());
    }

    #[test]
    fn plain_value_shadows_flash() {
        let mut session = Session::new();
        session.set("x", 1);
        session.flash("x", 2);
        assert_eq!(session.get("x"), Some(json!(1)));
        assert_eq!(
            session.data(),
            loaded(json!({"x": 1, "__flash_x__": 2})).data()
        );
    }

    #[test]
    fn unset_keeps_flash_and_missing_unset_is_no_change() {
        let mut session = loaded(json!({"a": 1, "__flash_a__": 2}));
        session.unset("zzz");
        assert!(!session.is_changed());
        session.unset("a");
        assert!(session.is_changed());
        assert!(session.has("a"), "flash value still there");
    }

    #[test]
    fn debug_hides_values() {
        let mut session = Session::from_data("secret-id", Map::new());
        session.set("password_hint", "hunter2");
        let text = format!("{session:?}");
        assert!(text.contains("password_hint"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("secret-id"), "{text}");
    }

    #[test]
    fn debug_marks_only_non_empty_id() {
        let mut stored = Session::from_data("secret-id", Map::new());
        stored.set("theme", "dark");
        stored.set_needs_resign(true);
        assert_eq!(
            format!("{stored:?}"),
            r#"Session { id: "[redacted]", keys: ["theme"], changed: true, needs_resign: true }"#
        );

        let cookie_session = loaded(json!({"theme": "dark"}));
        assert_eq!(
            format!("{cookie_session:?}"),
            r#"Session { id: "", keys: ["theme"], changed: false, needs_resign: false }"#
        );
    }
}
