//! [`LazyObject`], a JSON object whose values are parsed when they are first read.

use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::canonical::stringifies_to_itself;
use super::parse::{self, Checked, MemberSpan};
use super::string_literal;
use super::stringify::{may_be_array_index, stringify_object, ObjectWriter, StringifyError};

/// A JSON object stored either as a map or as checked JSON text.
///
/// A request that reads one key of a cookie session then parses that key's value only. The
/// text is checked in full when it is loaded, so a later read never meets invalid JSON. A
/// change keeps the values it does not touch as text, and writing the object out copies
/// those that are already in the form `JSON.stringify` gives. The whole map is built the first
/// time a caller lists the data or requests it as a map.
#[derive(Clone, Default)]
pub(crate) struct LazyObject {
    stored: Stored,
    /// The parsed map: the data itself for [`Stored::Map`], otherwise a copy built on first
    /// need and dropped by the next change.
    map: OnceLock<Map<String, Value>>,
}

#[derive(Clone, Default)]
enum Stored {
    /// The data is the map.
    #[default]
    Map,
    /// Checked text, unchanged since it was loaded.
    Text(Source),
    /// Text changed since it was loaded.
    Edited(Edited),
}

/// Outcome of [`LazyObject::from_text`].
#[derive(Debug)]
pub(crate) enum FromText {
    /// The text is a JSON object.
    Object(LazyObject),
    /// The text is JSON, but not an object.
    OtherValue,
    /// The text is not JSON that [`mod@super::parse`] accepts.
    Invalid,
}

#[derive(Clone)]
struct Source {
    text: String,
    members: Vec<MemberSpan>,
}

/// Members of a changed object in the order a parsed map has them, each key once. Keys
/// without escapes and values that were not changed stay spans of `text`.
///
/// A list searched from the start needs one allocation for the members read from the text,
/// where a hash map needs one more for each key. Under callgrind, the list took about 2,300
/// instructions off each change of the benchmark session. [`MAX_EDITED_MEMBERS`] bounds the
/// search.
#[derive(Clone)]
struct Edited {
    text: String,
    members: Vec<(Key, Member)>,
}

/// The maximum number of members a changed object keeps as [`Edited`]. An object whose text
/// has more (counting a repeated key each time) is parsed whole on its first change, as is one
/// that a change would take past the limit, and from then on it is changed as a map.
const MAX_EDITED_MEMBERS: usize = 32;

/// A key of [`Edited`].
#[derive(Clone)]
enum Key {
    /// A key without escapes: its text in [`Edited::text`], without the quotes.
    Span(Range<usize>),
    /// A key with escapes, decoded, or a key that a change added.
    Owned(String),
}

#[derive(Clone)]
enum Member {
    /// The value's text in [`Edited::text`], possibly with whitespace around it.
    Span(Span),
    Value(Value),
}

struct Span {
    range: Range<usize>,
    /// Whether `JSON.stringify` writes the value as this text, trimmed: [`UNKNOWN`] until the
    /// first write finds out, so that a session committed again does not check it again.
    copyable: AtomicU8,
}

const UNKNOWN: u8 = 0;
const COPYABLE: u8 = 1;
const REWRITTEN: u8 = 2;

impl Span {
    fn new(range: Range<usize>) -> Self {
        Self {
            range,
            copyable: AtomicU8::new(UNKNOWN),
        }
    }

    /// Returns the value's trimmed text when `JSON.stringify` writes the value as that text.
    fn copyable_text<'a>(&self, text: &'a str) -> Option<&'a str> {
        let trimmed = text[self.range.clone()].trim_matches(parse::WHITESPACE);
        let known = match self.copyable.load(Ordering::Relaxed) {
            UNKNOWN => {
                let found = if stringifies_to_itself(trimmed) {
                    COPYABLE
                } else {
                    REWRITTEN
                };
                self.copyable.store(found, Ordering::Relaxed);
                found
            }
            known => known,
        };
        (known == COPYABLE).then_some(trimmed)
    }
}

impl Clone for Span {
    fn clone(&self) -> Self {
        Self {
            range: self.range.clone(),
            copyable: AtomicU8::new(self.copyable.load(Ordering::Relaxed)),
        }
    }
}

impl LazyObject {
    /// Checks `text` in full and keeps it, with where each top-level member is, for reading
    /// values one at a time.
    pub(crate) fn from_text(text: String) -> FromText {
        match parse::check_object(&text) {
            Checked::Object(members) => FromText::Object(Self {
                stored: Stored::Text(Source { text, members }),
                map: OnceLock::new(),
            }),
            Checked::OtherValue => FromText::OtherValue,
            Checked::Invalid => FromText::Invalid,
        }
    }

    /// Returns a copy of the value under `key`. For a repeated key, this is the last value, as
    /// with `JSON.parse`.
    pub(crate) fn get(&self, key: &str) -> Option<Value> {
        if let Some(map) = self.map.get() {
            return map.get(key).cloned();
        }
        match &self.stored {
            Stored::Map => None,
            Stored::Text(source) => source.get(key),
            Stored::Edited(edited) => edited.find(key).map(|member| edited.value(member)),
        }
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        if let Some(map) = self.map.get() {
            return map.contains_key(key);
        }
        match &self.stored {
            Stored::Map => false,
            Stored::Text(source) => source.find(key).is_some(),
            Stored::Edited(edited) => edited.find(key).is_some(),
        }
    }

    /// Returns `true` when the object has no members, without parsing the text.
    pub(crate) fn is_empty(&self) -> bool {
        if let Some(map) = self.map.get() {
            return map.is_empty();
        }
        match &self.stored {
            Stored::Map => true,
            Stored::Text(source) => source.members.is_empty(),
            Stored::Edited(edited) => edited.members.is_empty(),
        }
    }

    /// Returns the whole map, parsing the text the first time.
    pub(crate) fn map(&self) -> &Map<String, Value> {
        self.map.get_or_init(|| match &self.stored {
            Stored::Map => Map::new(),
            Stored::Text(source) => source.parse(),
            Stored::Edited(edited) => edited.parse(),
        })
    }

    /// Stores `value` under `key`: in place of an existing value, or last.
    pub(crate) fn insert(&mut self, key: String, value: Value) {
        if let Some(edited) = self.edited() {
            if let Some(index) = edited.position(&key) {
                edited.members[index].1 = Member::Value(value);
                return;
            }
            if edited.members.len() < MAX_EDITED_MEMBERS {
                edited.members.push((Key::Owned(key), Member::Value(value)));
                return;
            }
        }
        self.map_mut().insert(key, value);
    }

    /// Removes the value under `key` and returns it; the members after it keep their order.
    pub(crate) fn shift_remove(&mut self, key: &str) -> Option<Value> {
        match self.edited() {
            Some(edited) => {
                let (_, member) = edited.members.remove(edited.position(key)?);
                Some(edited.value(&member))
            }
            None => self.map_mut().shift_remove(key),
        }
    }

    /// Writes the object as `JSON.stringify` does. Values not changed since the text was
    /// loaded are copied from it when they are already in that form.
    pub(crate) fn to_json(&self) -> Result<String, StringifyError> {
        match (&self.stored, self.map.get()) {
            (Stored::Text(source), None) if stringifies_to_itself(&source.text) => {
                Ok(source.text.clone())
            }
            (Stored::Edited(edited), None) if !edited.has_digit_key() => edited.to_json(),
            _ => stringify_object(self.map()),
        }
    }

    /// Returns the changed text to edit further, turning unchanged text into it first; `None`
    /// when the data is, or is about to become, the map.
    fn edited(&mut self) -> Option<&mut Edited> {
        if self.map.get().is_some() {
            return None;
        }
        if let Stored::Text(source) = &mut self.stored {
            let members = source.edited_members()?;
            let text = std::mem::take(&mut source.text);
            self.stored = Stored::Edited(Edited { text, members });
        }
        match &mut self.stored {
            Stored::Edited(edited) => Some(edited),
            _ => None,
        }
    }

    /// Returns the map for changing it; from then on, the map is the data.
    fn map_mut(&mut self) -> &mut Map<String, Value> {
        self.map();
        self.stored = Stored::Map;
        self.map.get_mut().expect("`map` has just filled the cell")
    }
}

impl From<Map<String, Value>> for LazyObject {
    fn from(map: Map<String, Value>) -> Self {
        Self {
            stored: Stored::Map,
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
        let stored = match self.stored {
            Stored::Map => "map",
            Stored::Text(_) => "text",
            Stored::Edited(_) => "changed text",
        };
        f.debug_struct("LazyObject")
            .field("stored", &stored)
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

    /// Returns whether the member's key is `key`. Each escape is longer than the text it
    /// stands for, so most keys are told apart by the length of their literal alone.
    fn key_is(&self, member: &MemberSpan, key: &str) -> bool {
        let inner = &self.text[Self::key_inside_quotes(member)];
        match inner.len().cmp(&key.len()) {
            std::cmp::Ordering::Less => false,
            // An escape would make the decoded key shorter than `key`.
            std::cmp::Ordering::Equal => inner == key && !inner.contains('\\'),
            std::cmp::Ordering::Greater => {
                inner.contains('\\')
                    && string_literal::decode(&self.text[member.key.clone()])
                        .is_some_and(|decoded| decoded == key)
            }
        }
    }

    /// Returns a member's key literal, quotes included, and the key itself when the literal
    /// has no escapes.
    fn key_literal(&self, member: &MemberSpan) -> (&str, Option<&str>) {
        let literal = &self.text[member.key.clone()];
        let inner = &self.text[Self::key_inside_quotes(member)];
        (literal, (!inner.contains('\\')).then_some(inner))
    }

    /// Returns the key literal's span without its quotes, which are one ASCII byte each.
    fn key_inside_quotes(member: &MemberSpan) -> Range<usize> {
        member.key.start + 1..member.key.end - 1
    }

    fn get(&self, key: &str) -> Option<Value> {
        let member = self.find(key)?;
        parse::parse(&self.text[member.value.clone()])
    }

    /// Returns the members with their values as spans, in the order and with the values the
    /// parsed map has: a repeated key stays where it was first written and takes its last
    /// value. `None` when there are more than [`MAX_EDITED_MEMBERS`] members.
    fn edited_members(&self) -> Option<Vec<(Key, Member)>> {
        if self.members.len() > MAX_EDITED_MEMBERS {
            return None;
        }
        let mut members: Vec<(Key, Member)> = Vec::with_capacity(self.members.len() + 1);
        for member in &self.members {
            let key = match self.key_literal(member) {
                (_, Some(_)) => Key::Span(Self::key_inside_quotes(member)),
                (literal, None) => Key::Owned(string_literal::decode(literal)?),
            };
            let value = Member::Span(Span::new(member.value.clone()));
            let decoded = key_text(&self.text, &key);
            match members
                .iter_mut()
                .find(|(known, _)| key_text(&self.text, known) == decoded)
            {
                Some((_, known_value)) => *known_value = value,
                None => members.push((key, value)),
            }
        }
        Some(members)
    }

    fn parse(&self) -> Map<String, Value> {
        match parse::parse(&self.text) {
            Some(Value::Object(map)) => map,
            // The text was checked as an object when it was loaded.
            _ => Map::new(),
        }
    }
}

/// Returns a key of [`Edited`] as text. `text` is the text that its spans point into.
fn key_text<'a>(text: &'a str, key: &'a Key) -> &'a str {
    match key {
        Key::Span(range) => &text[range.clone()],
        Key::Owned(key) => key,
    }
}

impl Edited {
    fn position(&self, key: &str) -> Option<usize> {
        self.members
            .iter()
            .position(|(known, _)| key_text(&self.text, known) == key)
    }

    fn find(&self, key: &str) -> Option<&Member> {
        self.position(key).map(|index| &self.members[index].1)
    }

    fn keys(&self) -> impl Iterator<Item = &str> {
        self.members
            .iter()
            .map(|(key, _)| key_text(&self.text, key))
    }

    fn value(&self, member: &Member) -> Value {
        match member {
            // The span was checked with the rest of the text.
            Member::Span(span) => {
                parse::parse(&self.text[span.range.clone()]).unwrap_or(Value::Null)
            }
            Member::Value(value) => value.clone(),
        }
    }

    fn parse(&self) -> Map<String, Value> {
        self.members
            .iter()
            .map(|(key, member)| (key_text(&self.text, key).to_owned(), self.value(member)))
            .collect()
    }

    /// `true` when a key may be an array index, which JavaScript writes before the other
    /// keys.
    fn has_digit_key(&self) -> bool {
        self.keys().any(may_be_array_index)
    }

    /// Writes the members in their order; the caller checks that no key is an array index.
    fn to_json(&self) -> Result<String, StringifyError> {
        let mut writer = ObjectWriter::new(self.text.len());
        for (key, member) in &self.members {
            let key = key_text(&self.text, key);
            match member {
                Member::Span(span) => match span.copyable_text(&self.text) {
                    Some(text) => writer.text(key, text),
                    None => writer.value(key, &self.value(member))?,
                },
                Member::Value(value) => writer.value(key, value)?,
            }
        }
        Ok(writer.finish())
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
    fn same_length_keys_compare_exactly() {
        let data = object(r#"{"Ab":1,"ab":2}"#);
        assert_eq!(data.get("Ab"), Some(json!(1)));
        assert_eq!(data.get("ab"), Some(json!(2)));
        assert_eq!(data.get("AB"), None);
        assert!(!data.contains_key("aB"));
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
    fn changes_apply_to_the_data() {
        let mut data = object(r#"{"a":1,"b":2}"#);
        data.insert("c".into(), json!(3));
        data.shift_remove("a");
        assert_eq!(data.get("a"), None);
        assert_eq!(data.get("c"), Some(json!(3)));
        assert_eq!(
            data,
            LazyObject::from(json!({"b": 2, "c": 3}).as_object().unwrap().clone())
        );
    }

    /// Applies the same changes to a lazily read object and to the fully parsed map, and
    /// compares what they write.
    fn assert_changes_write_as_parsed(text: &str, changes: &[(&str, Option<Value>)]) {
        let mut data = object(text);
        let Some(Value::Object(mut expected)) = parse::parse(text) else {
            panic!("{text:?} is not an object")
        };
        for (key, change) in changes {
            match change {
                Some(value) => {
                    data.insert((*key).to_owned(), value.clone());
                    expected.insert((*key).to_owned(), value.clone());
                }
                None => assert_eq!(data.shift_remove(key), expected.shift_remove(*key)),
            }
        }
        assert_eq!(
            data.to_json().unwrap(),
            stringify_object(&expected).unwrap(),
            "{text} after {changes:?}"
        );
        assert_eq!(data.map(), &expected);
    }

    #[test]
    fn changes_keep_other_values_as_text() {
        let mut data = object(r#"{"a":1,"b":[1,2],"c":"x"}"#);
        data.insert("b".into(), json!(5));
        assert!(matches!(data.stored, Stored::Edited(_)));
        assert!(data.map.get().is_none(), "the change left the map unbuilt");
        assert_eq!(data.get("a"), Some(json!(1)));
        assert_eq!(data.to_json().unwrap(), r#"{"a":1,"b":5,"c":"x"}"#);
    }

    fn set(key: &str, value: Value) -> (&str, Option<Value>) {
        (key, Some(value))
    }

    #[test]
    fn changed_text_writes_what_the_parsed_map_writes() {
        let texts = [
            r#"{"a":1,"b":[1,2],"c":"x"}"#,
            r#"{ "a" : 1 , "b" : [ 1 , 2 ] }"#,
            r#"{"a":"\u0041\/","b":1.50,"c":1e3,"d":-0,"e":12345678901234567890}"#,
            r#"{"a":1,"b":2,"a":3}"#,
            r#"{"\u0061":1,"a":2}"#,
            r#"{"b":1,"10":2,"2":3}"#,
            r#"{"n":{"x":1,"x":2},"m":{"1":0,"a":1}}"#,
            r#"{"k":"\"\\\b\f\n\r\t","e":{},"f":[]}"#,
            "{}",
        ];
        let change_lists: [&[(&str, Option<Value>)]; 5] = [
            &[set("z", json!(true))],
            &[set("a", json!({"deep": [1.5]}))],
            &[("a", None), set("a", json!(0))],
            &[("b", None), ("missing", None), set("3", json!("x"))],
            &[set("z", json!(1)), ("z", None), set("n", json!(null))],
        ];
        for text in texts {
            for changes in change_lists {
                assert_changes_write_as_parsed(text, changes);
            }
        }
    }

    #[test]
    fn deepest_value_is_copied() {
        // The object is the first level, so its value may nest 126 more: the most that both
        // the parser reads and `stringify` writes. A copied span skips the depth check.
        let levels = super::super::MAX_DEPTH - 1;
        let deepest = format!("{}0{}", "[".repeat(levels), "]".repeat(levels));
        let text = format!(r#"{{"d":{deepest},"e":1}}"#);
        assert_changes_write_as_parsed(&text, &[("e", Some(json!(2)))]);

        let mut data = object(&text);
        data.insert("e".into(), json!(2));
        assert_eq!(
            data.to_json().unwrap(),
            format!(r#"{{"d":{deepest},"e":2}}"#)
        );
        let Stored::Edited(edited) = &data.stored else {
            panic!("the change left {:?}", data)
        };
        let Some(Member::Span(span)) = edited.find("d") else {
            panic!("the unchanged value is not a span")
        };
        assert_eq!(span.copyable.load(Ordering::Relaxed), COPYABLE);

        let too_deep = format!(r#"{{"d":[{deepest}]}}"#);
        assert!(matches!(LazyObject::from_text(too_deep), FromText::Invalid));
    }

    #[test]
    fn unchanged_canonical_text_is_copied() {
        for text in [
            r#"{"a":[1,2.5],"b":"x"}"#,
            r#"{ "a":1}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"1":0}"#,
        ] {
            let data = object(text);
            let expected = stringify_object(&match parse::parse(text) {
                Some(Value::Object(map)) => map,
                _ => panic!("{text:?} is not an object"),
            })
            .unwrap();
            assert_eq!(data.to_json().unwrap(), expected, "{text}");
        }
        let data = object(r#"{"a":{"b":null}}"#);
        assert_eq!(data.to_json().unwrap(), r#"{"a":{"b":null}}"#);
        assert!(data.map.get().is_none(), "the copy left the map unbuilt");
    }

    /// Writes an object of `count` members `"k0":0, "k1":1, ...`, with `"k0"` written again
    /// last.
    fn numbered_members(count: usize) -> String {
        let members: Vec<String> = (0..count).map(|n| format!(r#""k{n}":{n}"#)).collect();
        format!(r#"{{{},"k0":-1}}"#, members.join(","))
    }

    #[test]
    fn many_members_change_as_map() {
        // As many members in the text as the limit, one of them a repeated key.
        let at_limit = numbered_members(MAX_EDITED_MEMBERS - 1);
        let mut data = object(&at_limit);
        data.insert("k1".into(), json!("x"));
        data.insert("new".into(), json!(1));
        assert!(
            matches!(&data.stored, Stored::Edited(edited) if edited.members.len() == MAX_EDITED_MEMBERS),
            "a change up to the limit keeps the changed text"
        );
        data.insert("newer".into(), json!(2));
        assert!(
            matches!(data.stored, Stored::Map),
            "a member beyond the limit turns the data into the map"
        );
        let changes = [
            set("k1", json!("x")),
            set("new", json!(1)),
            set("newer", json!(2)),
        ];
        assert_changes_write_as_parsed(&at_limit, &changes);
        assert_changes_write_as_parsed(&at_limit, &[("k5", None), set("new", json!(1))]);

        let too_many = numbered_members(MAX_EDITED_MEMBERS);
        let mut data = object(&too_many);
        data.insert("k1".into(), json!("x"));
        assert!(matches!(data.stored, Stored::Map));
        assert_changes_write_as_parsed(&too_many, &[set("k1", json!("x"))]);
    }

    #[test]
    fn limit_counts_current_members() {
        // As many members as the limit. Odd keys are written with an escaped `k`, and the
        // values are not all in the form `JSON.stringify` writes.
        let members: Vec<String> = (0..MAX_EDITED_MEMBERS)
            .map(|n| {
                let key = if n % 2 == 1 { r"\u006b" } else { "k" };
                let value = match n % 3 {
                    0 => "1.50".to_owned(),
                    1 => format!(" {n} "),
                    _ => r#""\u0041""#.to_owned(),
                };
                format!(r#""{key}{n}":{value}"#)
            })
            .collect();
        let text = format!("{{{}}}", members.join(","));
        let edited_len = |data: &LazyObject| match &data.stored {
            Stored::Edited(edited) => Some(edited.members.len()),
            _ => None,
        };

        let mut data = object(&text);
        data.insert("k1".into(), json!("x"));
        assert_eq!(
            edited_len(&data),
            Some(MAX_EDITED_MEMBERS),
            "a new value for a key at the limit"
        );
        assert_eq!(data.shift_remove("k4"), Some(json!(4)));
        data.insert("new".into(), json!(1));
        assert_eq!(
            edited_len(&data),
            Some(MAX_EDITED_MEMBERS),
            "a key added after a removal"
        );
        data.insert("k4".into(), json!(2));
        assert!(
            matches!(data.stored, Stored::Map),
            "a key beyond the limit turns the data into the map"
        );
        assert_eq!(data.get("k3"), Some(json!(1.5)));
        assert_eq!(data.get("k4"), Some(json!(2)));

        let changes = [
            set("k1", json!("x")),
            ("k4", None),
            set("new", json!(1)),
            set("k4", json!(2)),
        ];
        assert_changes_write_as_parsed(&text, &changes);
        assert_changes_write_as_parsed(&text, &changes[..3]);
    }

    #[test]
    fn changes_after_map_built_apply_to_map() {
        let mut data = object(r#"{"a":1,"b":2}"#);
        assert_eq!(data.map().len(), 2);
        data.insert("c".into(), json!(3));
        assert_eq!(data.shift_remove("a"), Some(json!(1)));
        assert!(matches!(data.stored, Stored::Map));
        assert_eq!(data.to_json().unwrap(), r#"{"b":2,"c":3}"#);
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
