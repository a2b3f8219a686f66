//! How the engine reads JSON with serde_json: every value through `deserialize_any`, every error of the
//! engine's own error type.
//!
//! serde_json reports a value of the wrong type with serde's `Unexpected`, whose text for a number is
//! written by the standard library's float formatting: 20 KB of code in the WebAssembly build, about a
//! tenth of the npm package. Whether or not an error ever happens, that code is linked as soon as anything
//! can build such an error with serde_json's error type: a typed read (`deserialize_str`, `deserialize_map`,
//! …, which check the next token's type) or a visitor that leaves one of serde's default `visit_*` methods
//! to refuse a type. So the engine reads through [`Reader`]: it asks serde_json for any value only, and
//! hands every visitor an error type of its own ([`ReadError`]), whose messages are serde_json's, written
//! without that code (and without a float's digits: see [`Described`]).
//!
//! The parser, the raw values and the recursion limit are serde_json's; only the typing layer is rerouted.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Value};

use crate::json::Name;

/// Reads a `T` from one JSON text (surrounding whitespace allowed), as `serde_json::from_str` does. Not for
/// a `serde_json::Value`, anywhere inside `T`: [`value`] reads those.
pub(crate) fn from_str<'de, T: de::Deserialize<'de>>(json: &'de str) -> serde_json::Result<T> {
    read(json, |reader| T::deserialize(reader))
}

/// Reads one JSON text with `visitor`.
pub(crate) fn visit<'de, V: Visitor<'de>>(json: &'de str, visitor: V) -> serde_json::Result<V::Value> {
    read(json, |reader| reader.deserialize_any(visitor))
}

fn read<'de, T>(
    json: &'de str,
    read: impl FnOnce(Reader<&mut serde_json::Deserializer<serde_json::de::StrRead<'de>>>) -> Result<T, ReadError>,
) -> serde_json::Result<T> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let value = read(Reader(&mut deserializer)).map_err(|error| error.0)?;
    deserializer.end()?;
    Ok(value)
}

/// Reads one JSON text into a serde_json `Value`; a member named twice takes the last value, as in
/// serde_json. serde_json's own `Value` reader cannot be used: it asks for a string by type when it meets
/// serde_json's raw-value marker, and so links what this module avoids.
pub(crate) fn value(json: &str) -> serde_json::Result<Value> {
    read(json, |reader| ValueSeed.deserialize(reader))
}

/// Reads any JSON value as serde_json's `Value` reader does, through `deserialize_any` only.
#[derive(Clone, Copy)]
struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(Name(name)) = map.next_key()? {
            let value = map.next_value_seed(self)?;
            members.insert(name.into_owned(), value);
        }
        Ok(Value::Object(members))
    }
}

/// A serde_json error, as the engine's visitors see it.
#[derive(Debug)]
pub(crate) struct ReadError(serde_json::Error);

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ReadError {}

impl de::Error for ReadError {
    #[cold]
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(de::Error::custom(message))
    }

    #[cold]
    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::custom(format_args!("invalid type: {}, expected {expected}", Described(unexpected)))
    }

    #[cold]
    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::custom(format_args!("invalid value: {}, expected {expected}", Described(unexpected)))
    }
}

/// What serde_json writes for an unexpected value, but a float's digits: writing them takes a float writer
/// (serde_json's, `zmij`, is 2.5 KB of the npm package after gzip, the standard library's far more), for the
/// message of a float where something else was expected.
struct Described<'a>(Unexpected<'a>);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Bool(value) => write!(f, "boolean `{value}`"),
            Unexpected::Unsigned(value) => write!(f, "integer `{value}`"),
            Unexpected::Signed(value) => write!(f, "integer `{value}`"),
            Unexpected::Float(_) => f.write_str("floating point"),
            Unexpected::Char(value) => write!(f, "character `{value}`"),
            Unexpected::Str(value) => write!(f, "string {value:?}"),
            Unexpected::Bytes(_) => f.write_str("byte array"),
            Unexpected::Unit => f.write_str("null"),
            Unexpected::Option => f.write_str("Option value"),
            Unexpected::NewtypeStruct => f.write_str("newtype struct"),
            Unexpected::Seq => f.write_str("sequence"),
            Unexpected::Map => f.write_str("map"),
            Unexpected::Enum => f.write_str("enum"),
            Unexpected::UnitVariant => f.write_str("unit variant"),
            Unexpected::NewtypeVariant => f.write_str("newtype variant"),
            Unexpected::TupleVariant => f.write_str("tuple variant"),
            Unexpected::StructVariant => f.write_str("struct variant"),
            Unexpected::Other(other) => f.write_str(other),
        }
    }
}

/// An error of serde_json's readers as a [`ReadError`].
fn into_read<E: de::Error>(error: E) -> ReadError {
    ReadError(de::Error::custom(error))
}

/// A [`ReadError`] as the error type of the serde_json reader that called back (serde_json's own, whose
/// message keeps the line and column).
fn into_caller<E: de::Error>(error: ReadError) -> E {
    E::custom(error.0)
}

/// One of serde_json's readers, asked for any value only.
pub(crate) struct Reader<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Reader<D> {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.0.deserialize_any(Visiting(visitor)).map_err(into_read)
    }

    // serde_json's own: `null` or a value, without checking a type.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.0.deserialize_option(Visiting(visitor)).map_err(into_read)
    }

    // serde_json's own: how a raw value (`RawValue`) is asked for.
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        self.0.deserialize_newtype_struct(name, Visiting(visitor)).map_err(into_read)
    }

    // serde_json's own: skips the value without building it.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.0.deserialize_ignored_any(Visiting(visitor)).map_err(into_read)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct seq
        tuple tuple_struct map struct enum identifier
    }
}

/// A visitor of the engine, called by serde_json: what it reads goes on through [`Reader`]s.
struct Visiting<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for Visiting<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.0.visit_bool(v).map_err(into_caller)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.0.visit_i64(v).map_err(into_caller)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.0.visit_u64(v).map_err(into_caller)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.0.visit_f64(v).map_err(into_caller)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.0.visit_str(v).map_err(into_caller)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.0.visit_borrowed_str(v).map_err(into_caller)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.0.visit_string(v).map_err(into_caller)
    }
    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit().map_err(into_caller)
    }
    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none().map_err(into_caller)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Reader(deserializer)).map_err(into_caller)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(Reader(deserializer)).map_err(into_caller)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Elements(seq)).map_err(into_caller)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Members(map)).map_err(into_caller)
    }
}

/// A value inside an array or object, read through a [`Reader`].
struct Seed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Reader(deserializer)).map_err(into_caller)
    }
}

/// serde_json's array elements, each read through a [`Reader`].
struct Elements<A>(A);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Elements<A> {
    type Error = ReadError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, ReadError> {
        self.0.next_element_seed(Seed(seed)).map_err(into_read)
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// serde_json's object members, each name and value read through a [`Reader`].
struct Members<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Members<A> {
    type Error = ReadError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, ReadError> {
        self.0.next_key_seed(Seed(seed)).map_err(into_read)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, ReadError> {
        self.0.next_value_seed(Seed(seed)).map_err(into_read)
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::value::RawValue;

    use super::*;

    #[test]
    fn reads_what_serde_json_reads() {
        let json = r#" {"s": "a\"b", "n": [1, -2, 3.5, 12345678901234567890123], "o": {"t": true, "z": null}} "#;
        let expected: Value = serde_json::from_str(json).unwrap();
        assert_eq!(value(json).unwrap(), expected);
        let twice = r#"{"a": {"b": 1, "b": 2}}"#;
        assert_eq!(value(twice).unwrap(), serde_json::from_str::<Value>(twice).unwrap());
        let typed: BTreeMap<String, Option<Vec<u8>>> = from_str(r#"{"a": [1, 2], "b": null}"#).unwrap();
        assert_eq!(typed, BTreeMap::from([("a".into(), Some(vec![1, 2])), ("b".into(), None)]));
        let raw: &RawValue = from_str(r#" [1.10, {"x": 1e400}] "#).unwrap();
        assert_eq!(raw.get(), r#"[1.10, {"x": 1e400}]"#);
        let boxed: Box<RawValue> = from_str("\"x\"").unwrap();
        assert_eq!(boxed.get(), "\"x\"");
        let borrowed: Vec<&str> = from_str(r#"["plain", "also"]"#).unwrap();
        assert_eq!(borrowed, ["plain", "also"]);
        assert!(from_str::<de::IgnoredAny>(r#"{"deep": [[[{}]]]}"#).is_ok());
    }

    #[test]
    fn errors_read_as_serde_json_writes_them() {
        // serde_json writes the float too ("floating point `1.5`"): its float writer is a tenth of the
        // WebAssembly build once linked.
        let float = from_str::<String>("1.5").unwrap_err().to_string();
        assert_eq!(float, "invalid type: floating point, expected a string at line 1 column 3");
        let cases: &[(&str, &str)] = &[
            ("-3", "invalid type: integer `-3`, expected a string at line 1 column 2"),
            ("true", "invalid type: boolean `true`, expected a string at line 1 column 4"),
            ("null", "invalid type: null, expected a string at line 1 column 4"),
            ("\"x\" x", "trailing characters at line 1 column 5"),
        ];
        for (json, message) in cases {
            assert_eq!(from_str::<String>(json).unwrap_err().to_string(), *message, "{json}");
            assert_eq!(serde_json::from_str::<String>(json).unwrap_err().to_string(), *message, "{json}");
        }
        let eof = value("[1,").unwrap_err().to_string();
        assert_eq!(eof, "EOF while parsing a value at line 1 column 3");
        let inner = from_str::<Vec<u8>>("[1, 300]").unwrap_err().to_string();
        assert_eq!(inner, serde_json::from_str::<Vec<u8>>("[1, 300]").unwrap_err().to_string());
        assert_eq!(inner, "invalid value: integer `300`, expected u8 at line 1 column 7");
        // A container of the wrong type is found when its visitor refuses it, after serde_json has read
        // into it: the same message, the position told differently.
        for (json, ours, serde_json_s) in [("[1]", 1, 0), ("{}", 2, 0)] {
            let kind = if json.starts_with('[') { "sequence" } else { "map" };
            let message = |column| format!("invalid type: {kind}, expected a string at line 1 column {column}");
            assert_eq!(from_str::<String>(json).unwrap_err().to_string(), message(ours));
            assert_eq!(serde_json::from_str::<String>(json).unwrap_err().to_string(), message(serde_json_s));
        }
    }

    #[test]
    fn serde_json_s_depth_limit_holds() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(value(&deep).unwrap_err().to_string().contains("recursion limit exceeded"));
    }
}
