//! [`LazyObject`], a JSON object whose values are parsed when they are first read.

use std::fmt;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::parse::{self, Checked, MemberSpan};

/// A JSON object held either as a map or as checked JSON text.
///
/// A request that reads one key of a cookie session then parses that key's value only. The
/// text is checked in full when it is loaded, so a later read never meets invalid JSON. The
/// whole map is built the first time a caller lists, changes or writes out the data.
#[derive(Clone, Default)]
pub(crate) struct LazyObject {
    /// The checked text, until the data is changed.
    source: Option<Source>,
    /// The parsed map, built on first need from `source` (or empty without one).
    map: OnceLock<Map<String, Value>>,
}

/// Outcome of [`LazyObject::from_text`].
#[derive(Debug)]
pub(crate) enum FromText {
    /// The text is a JSON object.
    Object(LazyObject),
    /// The text is JSON, but not an object.
    OtherValue,
    /// The text is not JSON that [`super::parse`] accepts.
    Invalid,
}

#[derive(Clone)]
struct Source {
    text: String,
    members: Vec<MemberSpan>,
}

impl LazyObject {
    /// Checks `text` in full and keeps it, with where each top-level member is, for reading
    /// values one at a time.
    pub(crate) fn from_text(text: String) -> FromText {
        match parse::check_object(&text) {
            Checked::Object(members) => FromText::Object(Self {
                source: Some(Source { text, members }),
                map: OnceLock::new(),
            }),
            Checked::OtherValue => FromText::OtherValue,
            Checked::Invalid => FromText::Invalid,
        }
    }

    /// Returns a copy of the value under `key`. For a repeated key, this is the last value, as
    /// with `JSON.parse`.
    pub(crate) fn get(&self, key: &str) -> Option<Value> {
        match (self.map.get(), &self.source) {
            (Some(map), _) => map.get(key).cloned(),
            (None, Some(source)) => source.get(key),
            (None, None) => None,
        }
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        match (self.map.get(), &self.source) {
            (Some(map), _) => map.contains_key(key),
            (None, Some(source)) => source.find(key).is_some(),
            (None, None) => false,
        }
    }

    /// Returns the whole map, parsing the text the first time.
    pub(crate) fn map(&self) -> &Map<String, Value> {
        self.map
            .get_or_init(|| self.source.as_ref().map_or_else(Map::new, Source::parse))
    }

    /// Returns the map for changing it, and drops the text, which would no longer match.
    pub(crate) fn map_mut(&mut self) -> &mut Map<String, Value> {
        self.map();
        self.source = None;
        self.map.get_mut().expect("`map` has just filled the cell")
    }
}

impl From<Map<String, Value>> for LazyObject {
    fn from(map: Map<String, Value>) -> Self {
        Self {
            source: None,
            map: OnceLock::from(map),
        }
    }
}

impl PartialEq for LazyObject {
    fn eq(&self, other: &Self) -> bool {
        self.map() == other.map()
    }
}

impl fmt::Debug for LazyObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyObject")
            .field("parsed", &self.map.get().is_some())
            .finish_non_exhaustive()
    }
}

impl Source {
    /// Returns the last member whose key is `key`.
    fn find(&self, key: &str) -> Option<&MemberSpan> {
        self.members
            .iter()
            .rev()
            .find(|member| self.key_is(member, key))
    }

    fn get(&self, key: &str) -> Option<Value> {
        let member = self.find(key)?;
        parse::parse(&self.text[member.value.clone()])
    }

    fn key_is(&self, member: &MemberSpan, key: &str) -> bool {
        let literal = &self.text[member.key.clone()];
        // The span runs from one ASCII quote to the other.
        let inner = &literal[1..literal.len() - 1];
        if inner.contains('\\') {
            serde_json::from_str::<String>(literal).is_ok_and(|decoded| decoded == key)
        } else {
            inner == key
        }
    }

    fn parse(&self) -> Map<String, Value> {
        match parse::parse(&self.text) {
            Some(Value::Object(map)) => map,
            // The text was checked as an object when it was loaded.
            _ => Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(text: &str) -> LazyObject {
        match LazyObject::from_text(text.to_owned()) {
            FromText::Object(object) => object,
            other => panic!("{text:?} read as {other:?}"),
        }
    }

    #[test]
    fn reads_values_without_building_the_map() {
        let data = object(r#"{"user":"alice","cart":[1,{"n":2}],"n":-1.5e3}"#);
        assert_eq!(data.get("cart"), Some(json!([1, {"n": 2}])));
        assert_eq!(data.get("n"), Some(json!(-1500.0)));
        assert_eq!(data.get("missing"), None);
        assert!(data.contains_key("user"));
        assert!(!data.contains_key("us"));
        assert!(data.map.get().is_none(), "reads left the map unbuilt");
        assert_eq!(data.map().len(), 3);
    }

    #[test]
    fn repeated_key_keeps_last_value() {
        let data = object(r#"{"a":1,"b":2,"a":3}"#);
        assert_eq!(data.get("a"), Some(json!(3)));
        assert_eq!(
            data.map().keys().collect::<Vec<_>>(),
            ["a", "b"],
            "the parsed map keeps the first position"
        );
        assert_eq!(data.map()["a"], json!(3));
    }

    #[test]
    fn escaped_keys_match_their_decoded_text() {
        let data = object(r#"{"\u0061":1,"b\n":2,"c\\n":3}"#);
        assert_eq!(data.get("a"), Some(json!(1)));
        assert_eq!(data.get("b\n"), Some(json!(2)));
        assert_eq!(data.get("c\\n"), Some(json!(3)));
        assert_eq!(data.get("c\n"), None);
        assert_eq!(data.get("\\u0061"), None);
    }

    #[test]
    fn text_that_is_not_an_object_is_reported() {
        assert!(matches!(
            LazyObject::from_text("[1]".into()),
            FromText::OtherValue
        ));
        assert!(matches!(
            LazyObject::from_text(r#"{"a":1"#.into()),
            FromText::Invalid
        ));
        assert!(matches!(
            LazyObject::from_text(r#"{"a":[}"#.into()),
            FromText::Invalid
        ));
    }

    #[test]
    fn changes_apply_to_the_parsed_map() {
        let mut data = object(r#"{"a":1,"b":2}"#);
        data.map_mut().insert("c".into(), json!(3));
        data.map_mut().shift_remove("a");
        assert_eq!(data.get("a"), None);
        assert_eq!(data.get("c"), Some(json!(3)));
        assert_eq!(
            data,
            LazyObject::from(json!({"b": 2, "c": 3}).as_object().unwrap().clone())
        );
    }

    #[test]
    fn clone_keeps_the_text_and_equality_compares_data() {
        let data = object(r#"{"a":{"b":[true,null]}}"#);
        let copy = data.clone();
        assert_eq!(copy.get("a"), Some(json!({"b": [true, null]})));
        assert_eq!(data, copy);
        assert_ne!(data, LazyObject::default());
    }
}
