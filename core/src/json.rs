//! JSON the caller supplies, kept as its exact text.
//!
//! Offers carry members the spec does not define, and issuer requests carry claims; the engine writes
//! them back as they came. Holding them as text (serde_json's `RawValue`) keeps every number's digits
//! without serde_json's `arbitrary_precision` feature, which Cargo would switch on for every program
//! that depends on this crate, changing how that program's own types read numbers.
//!
//! The text is checked once, when it is read: it is JSON, and no object in it names a member twice
//! (RFC 8259 leaves duplicates undefined and readers disagree on which one wins).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::error::{Error, ErrorKind, Result};
use crate::json_read::{self, ReadError};
use crate::limits::{Limits, json_depth_exceeds, too_long};
use crate::raw::{Entries, Plain, PlainSeed};

/// JSON object members by name, each value kept as its exact text; iterated and written in name order.
///
/// A sorted list rather than a `BTreeMap`: members are few, and a B-tree's code would add kilobytes to the
/// npm package.
///
/// ```
/// use credoffer::json::{JsonMembers, JsonValue};
///
/// let mut members = JsonMembers::new();
/// members.insert("price", JsonValue::from_json("1.10")?);
/// members.insert("id", JsonValue::from_json("12345678901234567890123")?);
/// assert_eq!(members.keys().collect::<Vec<_>>(), ["id", "price"]);
/// assert_eq!(members.get("price").map(JsonValue::as_json), Some("1.10"));
/// assert_eq!(serde_json::to_string(&members).unwrap(), r#"{"id":12345678901234567890123,"price":1.10}"#);
/// # Ok::<(), credoffer::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct JsonMembers(Vec<(String, JsonValue)>);

impl JsonMembers {
    /// No members.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// How many members there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of member `name`.
    pub fn get(&self, name: &str) -> Option<&JsonValue> {
        let index = self.find(name).ok()?;
        self.0.get(index).map(|(_, value)| value)
    }

    /// Whether there is a member `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Sets member `name`, returning the value it replaces.
    pub fn insert(&mut self, name: impl Into<String>, value: JsonValue) -> Option<JsonValue> {
        let name = name.into();
        match self.find(&name) {
            Ok(index) => self.0.get_mut(index).map(|(_, old)| std::mem::replace(old, value)),
            Err(index) => {
                self.0.insert(index, (name, value));
                None
            }
        }
    }

    /// Takes member `name` out.
    pub fn remove(&mut self, name: &str) -> Option<JsonValue> {
        let index = self.find(name).ok()?;
        Some(self.0.remove(index).1)
    }

    /// The members in name order.
    pub fn iter(&self) -> Iter<'_> {
        self.0.iter().map(|(name, value)| (name.as_str(), value))
    }

    /// The names in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(name, _)| name.as_str())
    }

    /// Where member `name` is, or would go.
    fn find(&self, name: &str) -> std::result::Result<usize, usize> {
        self.0.binary_search_by(|(member, _)| member.as_str().cmp(name))
    }
}

/// The members of a [`JsonMembers`] in name order.
pub type Iter<'a> =
    std::iter::Map<std::slice::Iter<'a, (String, JsonValue)>, fn(&(String, JsonValue)) -> (&str, &JsonValue)>;

impl<'a> IntoIterator for &'a JsonMembers {
    type Item = (&'a str, &'a JsonValue);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for JsonMembers {
    type Item = (String, JsonValue);
    type IntoIter = std::vec::IntoIter<(String, JsonValue)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A later member of the same name replaces an earlier one.
impl FromIterator<(String, JsonValue)> for JsonMembers {
    fn from_iter<I: IntoIterator<Item = (String, JsonValue)>>(members: I) -> Self {
        let mut collected = Self::new();
        for (name, value) in members {
            collected.insert(name, value);
        }
        collected
    }
}

impl fmt::Debug for JsonMembers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for JsonMembers {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// A JSON object; a member named twice, at any depth, is an error.
impl<'de> Deserialize<'de> for JsonMembers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = JsonMembers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<JsonMembers, A::Error> {
                // Sorted once read rather than by an insertion each: a hostile object's members may come in
                // reverse order.
                let mut names = Names::default();
                let mut values = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, JsonValue>()? {
                    names.add(name);
                    values.push(Some(value));
                }
                let members = names
                    .into_sorted()?
                    .into_iter()
                    .filter_map(|(name, index)| Some((name, values.get_mut(index)?.take()?)))
                    .collect();
                Ok(JsonMembers(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

/// One JSON value kept as its exact text: numbers keep their digits, members their order and spelling;
/// only the layout (white space between tokens) is dropped, as every writer of the engine is compact.
///
/// Equality compares the text, so `1.0` and `1.00` differ, as they do on the wire.
///
/// ```
/// use credoffer::json::JsonValue;
///
/// let value = JsonValue::from_json(r#" {"n": 12345678901234567890123, "d": 1.10} "#)?;
/// assert_eq!(value.as_json(), r#"{"n":12345678901234567890123,"d":1.10}"#);
/// assert_eq!(serde_json::to_string(&value).unwrap(), value.as_json());
/// # Ok::<(), credoffer::Error>(())
/// ```
#[derive(Clone)]
pub struct JsonValue(Box<RawValue>);

/// The deepest nesting [`JsonValue`]'s serde reader accepts: what serde_json accepts for values it builds
/// (it refuses 128 levels), so reading a value as text accepts what reading it as a `Value` would.
const MAX_SERDE_DEPTH: usize = 127;

impl JsonValue {
    /// Reads one JSON value (surrounding whitespace is dropped) within the default [`Limits`]: at most
    /// `max_json_bytes` long and `max_depth` deep, with no member named twice in any object.
    pub fn from_json(json: &str) -> Result<Self> {
        let limits = Limits::DEFAULT;
        if json.len() > limits.max_json_bytes {
            return Err(too_long("the JSON value", json.len(), limits.max_json_bytes));
        }
        if json_depth_exceeds(json, limits.max_depth) {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!("the JSON value nests deeper than {}", limits.max_depth),
            ));
        }
        let raw = json_read::raw(json)
            .map_err(|e| Error::new(ErrorKind::InvalidJson, format!("the value is not JSON: {e}")))?;
        check_members(raw.get(), limits.max_depth)
            .map_err(|e| Error::new(ErrorKind::InvalidJson, format!("the value is not usable JSON: {e}")))?;
        Ok(Self(compact(raw.to_owned())))
    }

    /// The JSON text, without surrounding whitespace.
    pub fn as_json(&self) -> &str {
        self.0.get()
    }

    /// The members written as one JSON object, in name order, each value verbatim.
    pub fn from_members(members: &JsonMembers) -> Self {
        // Names are strings and values are JSON already: writing them cannot fail.
        Self(serde_json::value::to_raw_value(members).unwrap_or_else(|_| RawValue::NULL.to_owned()))
    }

    /// The text of a serde_json `Value` (which cannot hold a member twice). No limits apply: the
    /// value is in memory already.
    pub fn from_value(value: &serde_json::Value) -> Self {
        // A `Value` always writes as JSON (its map keys are strings).
        Self(serde_json::value::to_raw_value(value).unwrap_or_else(|_| RawValue::NULL.to_owned()))
    }

    /// The JSON string of `text`, escaped as serde_json escapes it.
    ///
    /// ```
    /// use credoffer::json::JsonValue;
    ///
    /// assert_eq!(JsonValue::string("say \"hi\"").as_json(), r#""say \"hi\"""#);
    /// ```
    pub fn string(text: &str) -> Self {
        // A string always writes as JSON.
        Self(serde_json::value::to_raw_value(text).unwrap_or_else(|_| RawValue::NULL.to_owned()))
    }

    /// `[]`.
    pub(crate) fn empty_array() -> Self {
        Self(json_read::raw("[]").unwrap_or(RawValue::NULL).to_owned())
    }

    /// A value serde_json has read as text but not checked for duplicate members.
    pub(crate) fn from_raw(raw: &RawValue) -> std::result::Result<Self, ReadError> {
        check_members(raw.get(), MAX_SERDE_DEPTH)?;
        Ok(Self(compact(raw.to_owned())))
    }

    /// The text is checked JSON without surrounding whitespace, so its first byte tells its type.
    fn first_byte(&self) -> Option<u8> {
        self.as_json().as_bytes().first().copied()
    }

    pub(crate) fn is_string(&self) -> bool {
        self.first_byte() == Some(b'"')
    }

    /// The string this value is, if it is one, its escapes decoded.
    ///
    /// ```
    /// use credoffer::json::JsonValue;
    ///
    /// assert_eq!(JsonValue::from_json(r#""a\u0062""#)?.to_str().as_deref(), Some("ab"));
    /// assert_eq!(JsonValue::from_json("1")?.to_str(), None);
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn to_str(&self) -> Option<String> {
        read_string(self.as_json())
    }

    /// The boolean this value is, if it is one.
    ///
    /// ```
    /// use credoffer::json::JsonValue;
    ///
    /// assert_eq!(JsonValue::from_json("false")?.to_bool(), Some(false));
    /// assert_eq!(JsonValue::from_json(r#""true""#)?.to_bool(), None);
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn to_bool(&self) -> Option<bool> {
        match self.as_json() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// The integer this value is, if it is one from 0 to `u64::MAX` written without a fraction or an
    /// exponent (as serde_json's `Value::as_u64` reads numbers).
    ///
    /// ```
    /// use credoffer::json::JsonValue;
    ///
    /// assert_eq!(JsonValue::from_json("18446744073709551615")?.to_u64(), Some(u64::MAX));
    /// for other in ["-1", "4.0", "1e2", "18446744073709551616", r#""4""#] {
    ///     assert_eq!(JsonValue::from_json(other)?.to_u64(), None, "{other}");
    /// }
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn to_u64(&self) -> Option<u64> {
        // Checked JSON: a text of digits alone is an integer, and `parse` refuses one past `u64::MAX`.
        self.as_json().parse().ok()
    }

    /// Whether this value is `null`.
    pub fn is_null(&self) -> bool {
        self.as_json() == "null"
    }

    /// The members of this value, if it is an object. (Its text was checked as it was read, so an object
    /// reads again, without duplicates.)
    ///
    /// ```
    /// use credoffer::json::JsonValue;
    ///
    /// let members = JsonValue::from_json(r#"{"b": [1], "a": null}"#)?.to_members().unwrap();
    /// assert_eq!(members.keys().collect::<Vec<_>>(), ["a", "b"]);
    /// assert!(JsonValue::from_json("[]")?.to_members().is_none());
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn to_members(&self) -> Option<JsonMembers> {
        if self.first_byte() != Some(b'{') {
            return None;
        }
        let members = raw_entries(self.as_json()).ok()?;
        let mut names = Names::default();
        members.iter().for_each(|(name, _)| names.add(name.clone().into_owned()));
        // Checked and compact already: each member's text is kept as it is.
        let sorted = names.into_sorted::<ReadError>().ok()?;
        let mut owned = Vec::with_capacity(sorted.len());
        for (name, place) in sorted {
            if let Some((_, value)) = members.get(place) {
                owned.push((name, Self((*value).to_owned())));
            }
        }
        Some(JsonMembers(owned))
    }

    /// The value as a serde_json `Value`, to inspect rather than keep. Numbers become 64-bit integers or
    /// doubles; one out of a double's range reads as `null`.
    ///
    /// ```
    /// use credoffer::json::JsonValue;
    ///
    /// let value = JsonValue::from_json(r#"{"length": 6, "price": 1.10}"#)?;
    /// assert_eq!(value.to_value(), serde_json::json!({"length": 6, "price": 1.1}));
    /// assert_eq!(JsonValue::from_json("1e400")?.to_value(), serde_json::Value::Null);
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn to_value(&self) -> serde_json::Value {
        json_read::value(self.as_json()).unwrap_or(serde_json::Value::Null)
    }
}

impl PartialEq for JsonValue {
    fn eq(&self, other: &Self) -> bool {
        self.as_json() == other.as_json()
    }
}

impl Eq for JsonValue {}

impl fmt::Debug for JsonValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonValue({})", self.as_json())
    }
}

impl Serialize for JsonValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        check_members(raw.get(), MAX_SERDE_DEPTH).map_err(de::Error::custom)?;
        Ok(Self(compact(raw)))
    }
}

/// The text without insignificant white space. Values are kept token for token (numbers keep their
/// digits, strings their escapes, objects their member order); only the layout goes, so a pretty-printed
/// extension does not turn into `%20%20…` in an offer URI.
fn compact(raw: Box<RawValue>) -> Box<RawValue> {
    let is_layout = |byte: u8| matches!(byte, b' ' | b'\t' | b'\n' | b'\r');
    let text = raw.get();
    if !text.bytes().any(is_layout) {
        return raw; // nearly always: nothing to copy
    }
    let mut compacted = Vec::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for byte in text.bytes() {
        if in_string {
            compacted.push(byte);
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else if byte == b'"' {
            in_string = true;
            compacted.push(byte);
        } else if !is_layout(byte) {
            compacted.push(byte);
        }
    }
    // Bytes were only dropped outside strings, between tokens: the text is still the same JSON.
    match String::from_utf8(compacted).as_deref().map(json_read::raw) {
        Ok(Ok(compacted)) => compacted.to_owned(),
        _ => raw,
    }
}

/// The string a JSON text is, if it is one (its escapes decoded).
pub(crate) fn read_string(json: &str) -> Option<String> {
    if !json.starts_with('"') {
        return None;
    }
    // Read as the offer reader reads its members' values: one reader less in the WebAssembly build.
    match json_read::visit(json, PlainSeed::PLAIN) {
        Ok(Plain::String(text)) => Some(text),
        _ => None,
    }
}

/// The error for member `name` seen twice in one object.
pub(crate) fn duplicate_member<E: de::Error>(name: &str) -> E {
    E::custom(format_args!("the member {name:?} appears twice"))
}

/// Checks that no object in `json` (one checked JSON value) names a member twice, and that it nests at
/// most `max_depth` levels deep. Each nested value is read as text and looked into only if it is an object or
/// an array: numbers are never converted, so any number JSON allows passes.
fn check_members(json: &str, max_depth: usize) -> std::result::Result<(), ReadError> {
    let is_object = match json.as_bytes().first() {
        Some(b'{' | b'[') if max_depth == 0 => {
            return Err(de::Error::custom(format_args!("the value nests deeper than the limit")));
        }
        Some(b'{') => true,
        Some(b'[') => false,
        _ => return Ok(()),
    };
    let entries = raw_entries(json)?;
    if is_object {
        let mut names = Names::default();
        entries.iter().for_each(|(name, _)| names.add(name.clone().into_owned()));
        names.into_sorted::<ReadError>()?;
    }
    entries.iter().try_for_each(|(_, value)| check_members(value.get(), max_depth - 1))
}

/// The entries of one object or array (`json` is JSON text that starts with `{` or `[`) in document order,
/// each value as its text: an object's members with their names (a name given twice as often as it is), an
/// array's elements with an empty one. It reads through the offer's visitor, as every reader of whole objects
/// and arrays does: the WebAssembly build then holds one copy of serde_json's reading code.
pub(crate) fn raw_entries(json: &str) -> std::result::Result<Entries<'_>, ReadError> {
    let mut entries = Vec::new();
    match json_read::visit(json, PlainSeed::entries(&mut entries))? {
        Plain::Object | Plain::Array(_) => Ok(entries),
        other => Err(other.refused("a JSON object or array")),
    }
}

/// The member names of one object, each with its place in it, sorted once the object is read: a name
/// given twice then sits beside itself.
#[derive(Default)]
pub(crate) struct Names(Vec<(String, usize)>);

impl Names {
    /// Adds the next member's name.
    pub(crate) fn add(&mut self, name: String) {
        let place = self.0.len();
        self.0.push((name, place));
    }

    /// The names in order, each with its place; a name given twice is an error.
    pub(crate) fn into_sorted<E: de::Error>(self) -> std::result::Result<Vec<(String, usize)>, E> {
        let mut names = self.0;
        sort_names(&mut names);
        let repeated = names.windows(2).find_map(|pair| match pair {
            [(first, _), (second, _)] if first == second => Some(first),
            _ => None,
        });
        match repeated {
            Some(name) => Err(duplicate_member(name)),
            None => Ok(names),
        }
    }
}

/// Sorts names, and the places of a name given twice: the crate's one sort. A heapsort: in place, in
/// O(n log n) whatever order a hostile object's members come in, and a few hundred bytes of WebAssembly where
/// the standard library's sort is four kilobytes (and a B-tree, serde_json's `Map`, more).
pub(crate) fn sort_names(names: &mut [(String, usize)]) {
    for root in (0..names.len() / 2).rev() {
        sift_down(names, root);
    }
    for end in (1..names.len()).rev() {
        names.swap(0, end);
        sift_down(names.get_mut(..end).unwrap_or_default(), 0);
    }
}

/// Moves the name at `root` down `heap` until both its children are smaller.
fn sift_down(heap: &mut [(String, usize)], mut root: usize) {
    loop {
        let left = 2 * root + 1;
        // Past the end is `None`, smaller than any name.
        let child = if heap.get(left + 1) > heap.get(left) { left + 1 } else { left };
        match (heap.get(root), heap.get(child)) {
            (Some(parent), Some(larger)) if larger > parent => heap.swap(root, child),
            _ => return,
        }
        root = child;
    }
}

/// A member name, borrowed from the input when it has no escapes.
pub(crate) struct Name<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(Name(Cow::Borrowed(name)))
            }
            fn visit_str<E: de::Error>(self, name: &str) -> std::result::Result<Self::Value, E> {
                Ok(Name(Cow::Owned(name.to_owned())))
            }
            fn visit_string<E: de::Error>(self, name: String) -> std::result::Result<Self::Value, E> {
                Ok(Name(Cow::Owned(name)))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn layout_goes_and_tokens_stay() {
        let value =
            JsonValue::from_json("{\n  \"b\": [1.10, \"a  \\\" b\"],\n  \"a\":\t12345678901234567890123\r\n}").unwrap();
        assert_eq!(value.as_json(), r#"{"b":[1.10,"a  \" b"],"a":12345678901234567890123}"#);
        let read: JsonValue = serde_json::from_str("[ 1 , { \"x\" : \" y \" } ]").unwrap();
        assert_eq!(read.as_json(), r#"[1,{"x":" y "}]"#);
    }

    use super::*;

    #[test]
    fn text_is_kept_as_it_came() {
        for text in [
            "12345678901234567890123",
            "1.10",
            "-0",
            "1e400",
            r#""\u0041""#,
            r#"{"b":1,"a":[0.1,{"x":null}]}"#,
            r#"{"$serde_json::private::Number":"1"}"#,
        ] {
            let value = JsonValue::from_json(&format!(" \n{text}\t")).unwrap();
            assert_eq!(value.as_json(), text);
            assert_eq!(serde_json::to_string(&value).unwrap(), text);
            assert_eq!(serde_json::from_str::<JsonValue>(text).unwrap(), value);
            assert_eq!(format!("{value:?}"), format!("JsonValue({text})"));
        }
        assert_ne!(JsonValue::from_json("1.0").unwrap(), JsonValue::from_json("1.00").unwrap());
    }

    #[test]
    fn names_sort_as_the_standard_library_sorts_them() {
        // A fixed linear congruential sequence: sizes up to 70, few distinct names so that many repeat.
        let mut state = 0x2545_f491_u32;
        let mut next = |bound: u32| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) % bound
        };
        for len in 0..70 {
            for distinct in [1, 3, 40] {
                let mut names: Vec<(String, usize)> =
                    (0..len).map(|place| (format!("n{}", next(distinct)), place)).collect();
                let mut expected = names.clone();
                expected.sort();
                sort_names(&mut names);
                assert_eq!(names, expected, "{len} names, {distinct} distinct");
            }
        }
        let mut reversed: Vec<(String, usize)> = (0..1000).rev().map(|n| (format!("{n:04}"), 0)).collect();
        sort_names(&mut reversed);
        assert!(reversed.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn a_member_named_twice_is_refused_at_any_depth() {
        for text in [r#"{"a":1,"a":1}"#, r#"[{"x":{"a":1,"\u0061":2}}]"#, r#"{"o":[[{"k":0,"k":0}]]}"#] {
            let error = JsonValue::from_json(text).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidJson, "{text}");
            assert!(error.message().contains("appears twice"), "{}", error.message());
            assert!(serde_json::from_str::<JsonValue>(text).is_err(), "{text}");
        }
        assert!(JsonValue::from_json(r#"{"a":{"a":{"a":1}},"b":{"a":2}}"#).is_ok());
    }

    #[test]
    fn limits_and_syntax() {
        let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        assert!(JsonValue::from_json(&deep(Limits::DEFAULT.max_depth)).is_ok());
        assert_eq!(
            JsonValue::from_json(&deep(Limits::DEFAULT.max_depth + 1)).unwrap_err().kind(),
            ErrorKind::LimitExceeded
        );
        let long = format!("\"{}\"", "x".repeat(Limits::DEFAULT.max_json_bytes));
        assert_eq!(JsonValue::from_json(&long).unwrap_err().kind(), ErrorKind::LimitExceeded);
        for bad in ["", "{", "1 2", "[1,]", "nul"] {
            assert_eq!(JsonValue::from_json(bad).unwrap_err().kind(), ErrorKind::InvalidJson, "{bad:?}");
        }
        // serde_json's own limit for values it builds: 127 levels read, 128 do not.
        assert!(serde_json::from_str::<JsonValue>(&deep(MAX_SERDE_DEPTH)).is_ok());
        assert!(serde_json::from_str::<JsonValue>(&deep(MAX_SERDE_DEPTH + 1)).is_err());
        assert!(serde_json::from_str::<serde_json::Value>(&deep(MAX_SERDE_DEPTH + 1)).is_err());
    }

    #[test]
    fn members_and_values_are_written_as_json() {
        let mut members = JsonMembers::new();
        members.insert("n", JsonValue::from_json("1.10").unwrap());
        members.insert("a", JsonValue::from_json(r#"{"b":[true]}"#).unwrap());
        assert_eq!(JsonValue::from_members(&members).as_json(), r#"{"a":{"b":[true]},"n":1.10}"#);
        let value = serde_json::json!({"s": "x", "i": -3});
        assert_eq!(JsonValue::from_value(&value).as_json(), r#"{"i":-3,"s":"x"}"#);
        assert_eq!(JsonValue::from_value(&value).to_value(), value);
    }

    #[test]
    fn members_stay_in_name_order_and_unique() {
        let value = |text: &str| JsonValue::from_json(text).unwrap();
        let mut members: JsonMembers =
            [("b".to_owned(), value("1")), ("a".to_owned(), value("2")), ("b".to_owned(), value("3"))]
                .into_iter()
                .collect();
        assert_eq!((members.len(), members.get("b")), (2, Some(&value("3"))));
        assert_eq!(members.insert("a", value("4")), Some(value("2")));
        assert_eq!(members.insert("c", value("5")), None);
        assert_eq!(members.remove("b"), Some(value("3")));
        assert_eq!((members.remove("b"), members.contains_key("b"), members.is_empty()), (None, false, false));
        assert_eq!(format!("{members:?}"), r#"{"a": JsonValue(4), "c": JsonValue(5)}"#);
        let pairs: Vec<(&str, &str)> = members.iter().map(|(name, value)| (name, value.as_json())).collect();
        assert_eq!(pairs, [("a", "4"), ("c", "5")]);
        let read: JsonMembers = serde_json::from_str(r#"{"z":[1.10],"y":{"q":0.1}}"#).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), r#"{"y":{"q":0.1},"z":[1.10]}"#);
        assert_eq!(read.into_iter().map(|(name, _)| name).collect::<Vec<_>>(), ["y", "z"]);
        for twice in [r#"{"a":1,"b":2,"a":3}"#, r#"{"a":{"x":1,"x":1}}"#] {
            let error = serde_json::from_str::<JsonMembers>(twice).unwrap_err().to_string();
            assert!(error.contains("appears twice"), "{error}");
        }
    }

    #[test]
    fn inspecting_a_value_reads_its_text() {
        let value = |text: &str| JsonValue::from_json(text).unwrap();
        assert!(value(r#""s""#).is_string() && !value("1").is_string());
        assert_eq!(value(r#""\u0041\n""#).to_str().as_deref(), Some("A\n"));
        assert_eq!(value("[\"s\"]").to_str(), None);
        assert_eq!(
            (value("true").to_bool(), value("false").to_bool(), value("1").to_bool()),
            (Some(true), Some(false), None)
        );
        assert!(value("null").is_null() && !value(r#""null""#).is_null());
        let members = value(r#"{"b":1.10,"a":[1e400]}"#).to_members().unwrap();
        assert_eq!(members.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(members.get("a").unwrap().as_json(), "[1e400]");
        assert_eq!(value("[]").to_members(), None);
        let entries = raw_entries(r#"[1, {"a": "\u0062"}]"#).unwrap();
        let texts: Vec<(&str, &str)> = entries.iter().map(|(name, value)| (name.as_ref(), value.get())).collect();
        assert_eq!(texts, [("", "1"), ("", r#"{"a": "\u0062"}"#)]);
        let refused = raw_entries(r#""x""#).unwrap_err().to_string();
        assert_eq!(refused, "invalid type: string, expected a JSON object or array");
        // Inspected values become numbers a double holds; one beyond its range becomes null.
        assert_eq!(value("[1.10]").to_value(), serde_json::json!([1.1]));
        assert_eq!(value("1e400").to_value(), serde_json::Value::Null);
    }
}
