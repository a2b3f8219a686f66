//! How the engine reads JSON with serde_json: every value through `deserialize_any`, every error of the
//! engine's own error type, and none handed to serde_json.
//!
//! serde_json reports a value of the wrong type with serde's `Unexpected`, whose text for a number is
//! written by the standard library's float formatting: 20 KB of code in the WebAssembly build, about a
//! tenth of the npm package. Whether or not an error ever happens, that code is linked as soon as anything
//! can build such an error with serde_json's error type: a typed read (`deserialize_str`, `deserialize_map`,
//! …, which check the next token's type) or a visitor that leaves one of serde's default `visit_*` methods
//! to refuse a type. So the engine reads through [`Reader`]: it asks serde_json for any value only, and
//! hands every visitor an error type of its own ([`ReadError`]), whose messages are serde_json's, written
//! without that code (and naming the unexpected value's kind, not the value: see [`Described`]).
//!
//! Nor does a visitor's error go back to serde_json: every error serde_json's error type is made from
//! passes through its `make_error`, which searches the message for a position (the standard library's
//! substring searcher) and slices it. A visitor's failure is held aside instead (see [`hold`]) and returned
//! as it was raised. serde_json's own errors (the syntax, the recursion limit) come out as serde_json writes
//! them, with their line and column; a visitor's (a member named twice, a value of the wrong type) has no
//! position, as serde_json, which knows it, never sees the error: its message names what failed instead (a
//! member's name).
//!
//! The parser, the raw values and the recursion limit are serde_json's; only the typing layer is rerouted.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::de::StrRead;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::json::Name;

/// Reads a `T` from one JSON text (surrounding whitespace allowed), as `serde_json::from_str` does. Not for
/// a `serde_json::Value`, anywhere inside `T`: [`value`] reads those.
pub(crate) fn from_str<'de, T: de::Deserialize<'de>>(json: &'de str) -> Result<T, ReadError> {
    read(json, |reader| T::deserialize(reader))
}

/// Reads one JSON text with `visitor`.
pub(crate) fn visit<'de, V: Visitor<'de>>(json: &'de str, visitor: V) -> Result<V::Value, ReadError> {
    read(json, |reader| reader.deserialize_any(visitor))
}

fn read<'de, T>(
    json: &'de str,
    read: impl FnOnce(Reader<&mut serde_json::Deserializer<StrRead<'de>>>) -> Result<T, ReadError>,
) -> Result<T, ReadError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let value = read(Reader(&mut deserializer))?;
    deserializer.end().map_err(ReadError::from_reader)?;
    Ok(value)
}

/// Checks that `json` is one JSON text and gives it without the surrounding whitespace. Every raw value read
/// through this module, and every text checked, is read this way, borrowed: serde_json's reader of an owned raw value
/// (`Box<RawValue>`) and serde's `IgnoredAny` would each be another copy of the reading code in the
/// WebAssembly build.
pub(crate) fn raw(json: &str) -> Result<&RawValue, ReadError> {
    from_str(json)
}

/// Reads one JSON text into a serde_json `Value`; a member named twice takes the last value, as in
/// serde_json. serde_json's own `Value` reader cannot be used: it asks for a string by type when it meets
/// serde_json's raw-value marker, and so links what this module avoids.
pub(crate) fn value(json: &str) -> Result<Value, ReadError> {
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

/// An error of reading JSON: serde_json's (the syntax, the recursion limit), written as serde_json writes it
/// with its line and column, or one a visitor raised (a member named twice, a value of the wrong type), which
/// has no position: the message says what and where (a member's name) instead.
///
/// Boxed so that it is a pointer wide, as serde_json's error is: every `?` of the readers copies it (a
/// `String` here made the npm package 0.5 KB larger, a `Box<str>` 0.6 KB); the second allocation is made only
/// for an error.
#[derive(Debug)]
#[allow(clippy::box_collection)] // a pointer wide, as said above
pub(crate) struct ReadError(Box<String>);

impl ReadError {
    /// An error one of serde_json's readers returned, written as serde_json writes it.
    #[cold]
    fn from_reader<E: fmt::Display>(error: E) -> Self {
        Self::from_message(format_args!("{error}"))
    }

    #[cold]
    fn from_message(message: fmt::Arguments<'_>) -> Self {
        Self(Box::new(fmt::format(message)))
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

impl de::Error for ReadError {
    #[cold]
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::from_message(format_args!("{message}"))
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

/// What serde_json writes for an unexpected value, without the value: its kind (`integer`, `string`, …).
///
/// Writing a float's digits takes a float writer (serde_json's, `zmij`, is 2.5 KB of the npm package after
/// gzip, the standard library's far more), and writing the other values the standard library's writers of
/// signed and unsigned integers, characters and booleans (another 0.5 KB). No message the engine gives can
/// hold one: its visitors take every type they can be handed (only typed reads, in tests, refuse one).
struct Described<'a>(Unexpected<'a>);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Bool(_) => f.write_str("boolean"),
            Unexpected::Unsigned(_) | Unexpected::Signed(_) => f.write_str("integer"),
            Unexpected::Float(_) => f.write_str("floating point"),
            Unexpected::Char(_) => f.write_str("character"),
            Unexpected::Str(_) => f.write_str("string"),
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

thread_local! {
    /// The failure a visitor raised, held while serde_json unwinds from it (see [`hold`]). One for the thread:
    /// the readers pass no pointer to it, and reading that does not fail never looks at it. Reads nest (a
    /// visitor may read a raw value again), but a failure is held only between a visitor's return and the
    /// reader that called serde_json, where no other read runs.
    static FAILURE: Cell<Option<ReadError>> = const { Cell::new(None) };
}

/// `result` for serde_json: its value, or a placeholder (`None`) with the error held.
///
/// serde_json gets no error from the engine's side: each of serde_json's error types writes its messages
/// through `make_error`, which looks for a position in them with the standard library's substring searcher
/// and slices with a panic path (1.2 KB of the npm package after gzip, with what it links). So a visitor's
/// failure is held, serde_json gets a placeholder value, and the reader that called serde_json returns the
/// failure held rather than what serde_json made of the placeholder (nothing, or an error for the object or
/// array the visitor left unfinished).
fn hold<T>(result: Result<T, ReadError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            keep(error);
            None
        }
    }
}

#[cold]
fn keep(error: ReadError) {
    // The slot is gone only while the thread ends, when nothing reads.
    let _ = FAILURE.try_with(|held| held.set(Some(error)));
}

/// What serde_json's `result` comes to: its value, or else the failure held while it ran or, with none, its
/// own error. (A value comes only without a failure held: serde_json passes the placeholder on.)
fn settle<T, E: fmt::Display>(result: Result<Option<T>, E>) -> Result<T, ReadError> {
    match result {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(failed(&LOST)),
        Err(error) => Err(failed_with(error)),
    }
}

/// [`settle`] for serde_json's next element or member, `None` at the end.
fn settle_next<T, E: fmt::Display>(next: Result<Option<Option<T>>, E>) -> Result<Option<T>, ReadError> {
    match next {
        Ok(Some(Some(value))) => Ok(Some(value)),
        Ok(None) => Ok(None),
        Ok(Some(None)) => Err(failed(&LOST)),
        Err(error) => Err(failed_with(error)),
    }
}

/// [`failed`], the error dropped out of line.
#[cold]
#[inline(never)]
fn failed_with<E: fmt::Display>(error: E) -> ReadError {
    failed(&error)
}

/// The failure held, or else serde_json's `error`.
#[cold]
fn failed(error: &dyn fmt::Display) -> ReadError {
    FAILURE.try_with(Cell::take).ok().flatten().unwrap_or_else(|| ReadError::from_reader(error))
}

/// A placeholder comes only with a failure held (see [`hold`]): what would be said if one did not.
const LOST: &str = "the JSON reader lost an error";

/// One of serde_json's readers, asked for any value only.
pub(crate) struct Reader<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Reader<D> {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        settle(self.0.deserialize_any(Visiting(visitor)))
    }

    // serde_json's own: `null` or a value, without checking a type.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        settle(self.0.deserialize_option(Visiting(visitor)))
    }

    // serde_json's own: how a raw value (`RawValue`) is asked for.
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        settle(self.0.deserialize_newtype_struct(name, Visiting(visitor)))
    }

    // serde_json's own: skips the value without building it.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        settle(self.0.deserialize_ignored_any(Visiting(visitor)))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct seq
        tuple tuple_struct map struct enum identifier
    }
}

/// A visitor of the engine, called by serde_json: what it reads goes on through [`Reader`]s, and a failure
/// is held (see [`hold`]).
struct Visiting<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for Visiting<V> {
    type Value = Option<V::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(hold(self.0.visit_bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(hold(self.0.visit_i64(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(hold(self.0.visit_u64(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(hold(self.0.visit_f64(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(hold(self.0.visit_str(v)))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(hold(self.0.visit_borrowed_str(v)))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(hold(self.0.visit_string(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(hold(self.0.visit_unit()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(hold(self.0.visit_none()))
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        Ok(hold(self.0.visit_some(Reader(deserializer))))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        Ok(hold(self.0.visit_newtype_struct(Reader(deserializer))))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Ok(hold(self.0.visit_seq(Elements(seq))))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok(hold(self.0.visit_map(Members(map))))
    }
}

/// A value inside an array or object, read through a [`Reader`]; a failure is held (see [`hold`]).
struct Seed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = Option<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        Ok(hold(self.0.deserialize(Reader(deserializer))))
    }
}

/// serde_json's array elements, each read through a [`Reader`].
struct Elements<A>(A);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Elements<A> {
    type Error = ReadError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, ReadError> {
        settle_next(self.0.next_element_seed(Seed(seed)))
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
        settle_next(self.0.next_key_seed(Seed(seed)))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, ReadError> {
        settle(self.0.next_value_seed(Seed(seed)))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::json::JsonMembers;

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
    fn serde_json_s_errors_read_as_serde_json_writes_them() {
        let cases: &[(&str, &str)] = &[
            ("\"x\" x", "trailing characters at line 1 column 5"),
            ("[1,", "EOF while parsing a value at line 1 column 3"),
            (r#"{"a": [1, {"b": x}]}"#, "expected value at line 1 column 17"),
            (r#"{"a": 1,}"#, "trailing comma at line 1 column 9"),
            ("1e400", "number out of range at line 1 column 5"),
        ];
        for (json, message) in cases {
            assert_eq!(value(json).unwrap_err().to_string(), *message, "{json}");
            assert_eq!(serde_json::from_str::<Value>(json).unwrap_err().to_string(), *message, "{json}");
            // Skipping a value is serde_json's own pass, which words some errors differently (and reads any
            // number).
            let skipped = serde_json::from_str::<de::IgnoredAny>(json).map_err(|e| e.to_string());
            assert_eq!(from_str::<de::IgnoredAny>(json).map_err(|e| e.to_string()), skipped, "{json}");
        }
    }

    #[test]
    fn a_visitor_s_errors_read_as_serde_json_writes_them_without_a_position() {
        // serde_json writes the value too (``floating point `1.5` ``, ``integer `-3` ``): see `Described`.
        let cases: &[(&str, &str, &str)] = &[
            ("1.5", "floating point", "floating point `1.5`"),
            ("-3", "integer", "integer `-3`"),
            ("true", "boolean", "boolean `true`"),
            ("null", "null", "null"),
            ("[1]", "sequence", "sequence"),
            ("{}", "map", "map"),
        ];
        for (json, ours, serde_json_s) in cases {
            let message = from_str::<String>(json).unwrap_err().to_string();
            assert_eq!(message, format!("invalid type: {ours}, expected a string"), "{json}");
            let written = serde_json::from_str::<String>(json).unwrap_err().to_string();
            let expected = format!("invalid type: {serde_json_s}, expected a string at line 1 column ");
            assert!(written.starts_with(&expected), "{json}: {written}");
        }
        let string = from_str::<u8>("\"x\"").unwrap_err().to_string();
        assert_eq!(string, "invalid type: string, expected u8");
        // The failure as raised, not what serde_json makes of the array it leaves unfinished, nor a syntax
        // error after it; at any depth.
        for json in ["[1, 300]", "[1, 300, 2]", "[300, x", "[[[1, 300]]]"] {
            let typed = if json.starts_with("[[") {
                from_str::<Vec<Vec<Vec<u8>>>>(json).map(|_| ())
            } else {
                from_str::<Vec<u8>>(json).map(|_| ())
            };
            assert_eq!(typed.unwrap_err().to_string(), "invalid value: integer, expected u8", "{json}");
        }
        let twice = from_str::<BTreeMap<String, JsonMembers>>(r#"{"a": {"x": 1, "x": 2}, "b": x}"#);
        assert_eq!(twice.unwrap_err().to_string(), r#"the member "x" appears twice"#);
        // A failure held is taken by the read it belongs to: the next read's error is its own.
        for json in ["[300]", "[300, 1]", "[[300], x"] {
            assert!(from_str::<Vec<Vec<u8>>>(json).is_err(), "{json}");
            assert_eq!(value("[1,").unwrap_err().to_string(), "EOF while parsing a value at line 1 column 3");
            assert_eq!(from_str::<Vec<u8>>("[1, 2]").unwrap(), [1, 2]);
        }
    }

    #[test]
    fn serde_json_s_depth_limit_holds() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(value(&deep).unwrap_err().to_string().contains("recursion limit exceeded"));
    }
}
