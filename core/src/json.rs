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
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::error::{Error, ErrorKind, Result};
use crate::limits::{Limits, json_depth_exceeds, too_long};

/// Members the spec does not define, by name, each kept as its exact JSON text. Written in name order.
pub type JsonMembers = BTreeMap<String, JsonValue>;

/// One JSON value kept as its exact text: numbers keep their digits, members their order and spelling.
///
/// Equality compares the text, so `1.0` and `1.00` differ, as they do on the wire.
///
/// ```
/// use credoffer::JsonValue;
///
/// let value = JsonValue::from_json(r#" {"n": 12345678901234567890123, "d": 1.10} "#)?;
/// assert_eq!(value.as_json(), r#"{"n": 12345678901234567890123, "d": 1.10}"#);
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
        let raw: Box<RawValue> = serde_json::from_str(json)
            .map_err(|e| Error::new(ErrorKind::InvalidJson, format!("the value is not JSON: {e}")))?;
        check_members(raw.get(), limits.max_depth)
            .map_err(|e| Error::new(ErrorKind::InvalidJson, format!("the value is not usable JSON: {e}")))?;
        Ok(Self(raw))
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

    /// A value serde_json has read as text but not checked for duplicate members.
    pub(crate) fn from_raw(raw: &RawValue) -> serde_json::Result<Self> {
        check_members(raw.get(), MAX_SERDE_DEPTH)?;
        Ok(Self(raw.to_owned()))
    }

    /// The text is checked JSON without surrounding whitespace, so its first byte tells its type.
    fn first_byte(&self) -> Option<u8> {
        self.as_json().as_bytes().first().copied()
    }

    pub(crate) fn is_string(&self) -> bool {
        self.first_byte() == Some(b'"')
    }

    pub(crate) fn is_object(&self) -> bool {
        self.first_byte() == Some(b'{')
    }

    /// The value as a serde_json `Value`, for a member the engine inspects rather than keeps. Numbers
    /// become 64-bit integers or doubles; one out of a double's range reads as `null`.
    pub(crate) fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(self.as_json()).unwrap_or(serde_json::Value::Null)
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
        Ok(Self(raw))
    }
}

/// The error for member `name` seen twice in one object.
pub(crate) fn duplicate_member<E: de::Error>(name: &str) -> E {
    E::custom(format_args!("the member {name:?} appears twice"))
}

/// Checks that no object in `json` (one checked JSON value) names a member twice, and that it nests at
/// most `max_depth` levels deep. Each nested value is read as text and looked into only if it is an object or
/// an array: numbers are never converted, so any number JSON allows passes.
fn check_members(json: &str, max_depth: usize) -> serde_json::Result<()> {
    if !matches!(json.as_bytes().first(), Some(b'{' | b'[')) {
        return Ok(());
    }
    let Some(depth_left) = max_depth.checked_sub(1) else {
        return Err(de::Error::custom(format_args!("the value nests deeper than the limit")));
    };
    serde_json::Deserializer::from_str(json).deserialize_any(UniqueMembers { depth_left })
}

/// Visits one object or array, checking its members' names and, below it, its values.
struct UniqueMembers {
    depth_left: usize,
}

impl<'de> Visitor<'de> for UniqueMembers {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object or array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let mut names: BTreeSet<Cow<'_, str>> = BTreeSet::new();
        while let Some(Name(name)) = map.next_key()? {
            if names.contains(name.as_ref()) {
                return Err(duplicate_member(&name));
            }
            let value: &RawValue = map.next_value()?;
            check_members(value.get(), self.depth_left).map_err(de::Error::custom)?;
            names.insert(name);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(value) = seq.next_element::<&RawValue>()? {
            check_members(value.get(), self.depth_left).map_err(de::Error::custom)?;
        }
        Ok(())
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
        members.insert("n".into(), JsonValue::from_json("1.10").unwrap());
        members.insert("a".into(), JsonValue::from_json(r#"{"b":[true]}"#).unwrap());
        assert_eq!(JsonValue::from_members(&members).as_json(), r#"{"a":{"b":[true]},"n":1.10}"#);
        let value = serde_json::json!({"s": "x", "i": -3});
        assert_eq!(JsonValue::from_value(&value).as_json(), r#"{"i":-3,"s":"x"}"#);
        assert_eq!(JsonValue::from_value(&value).to_value(), value);
        let kinds = |text: &str| {
            let value = JsonValue::from_json(text).unwrap();
            (value.is_string(), value.is_object())
        };
        assert_eq!((kinds(r#""s""#), kinds("{}"), kinds("[]")), ((true, false), (false, true), (false, false)));
    }
}
