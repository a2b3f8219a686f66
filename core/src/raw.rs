//! Offer JSON read into typed slots in one pass.
//!
//! Parsing into `serde_json::Value` first would allocate every member name and build a map per
//! object, then take it apart again; offers are parsed on every QR scan, so the members the spec
//! names go straight into slots here. Their values are kept as [`Plain`] values so that a wrong type
//! becomes a precise error later (with the field's path) rather than a serde message. Members the spec
//! does not name, `issuer` (kept as an extension beside `credential_issuer`) and `credentials` (whose
//! legacy entries are kept) are read as their exact text.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::json::{JsonMembers, JsonValue, Name, Names, duplicate_member, read_string};
use crate::json_read::{self, ReadError};
use crate::offer::{AUTHORIZATION_CODE_GRANT, PRE_AUTHORIZED_CODE_GRANT};

/// A member that should hold an object of shape `T`, and may hold anything.
pub(crate) enum Member<T> {
    Object(T),
    Other(Plain),
}

/// The value of a member the spec names, as far as the engine looks into it. Objects are only known to be
/// objects: where the engine expects one it reads its shape instead ([`Member`]). Not serde_json's `Value`,
/// whose objects are B-trees: their code would cost the WebAssembly build kilobytes.
#[derive(Debug, PartialEq)]
pub(crate) enum Plain {
    Null,
    Bool(bool),
    /// A number, with its value when it is an integer from 0 to `u64::MAX`.
    Number(Option<u64>),
    String(String),
    Array(Vec<Plain>),
    /// An object, its members checked (no name twice, at any depth) and dropped.
    Object,
}

impl Plain {
    /// The error for this value where `expected` was.
    pub(crate) fn refused(&self, expected: &str) -> ReadError {
        de::Error::custom(format_args!("invalid type: {}, expected {expected}", self.kind()))
    }

    /// What serde calls a value of this type, for a message.
    fn kind(&self) -> &'static str {
        match self {
            Plain::Null => "null",
            Plain::Bool(_) => "boolean",
            Plain::Number(_) => "number",
            Plain::String(_) => "string",
            Plain::Array(_) => "sequence",
            Plain::Object => "map",
        }
    }
}

/// Reads any JSON value as a [`Plain`] one; a member named twice, at any depth, is an error. With a slot, an
/// object fills the slots of that slot's shape instead (and reads as `Plain::Object`); with entries, an
/// object's or array's entries are kept as their text instead (see [`raw_entries`]).
///
/// The one visitor of the engine's JSON reading, at every level: each visitor type brings its own copy of
/// serde_json's reading code into the WebAssembly build.
pub(crate) struct PlainSeed<'a, 'de>(Shape<'a, 'de>);

/// What a [`PlainSeed`] reads an object or array into.
enum Shape<'a, 'de> {
    /// Nothing: the value is `Plain`.
    Plain,
    /// An object fills the slots of this shape.
    Slots(&'a mut dyn ObjectSlot),
    /// The entries of an object or array, each value as its text.
    Entries(&'a mut Entries<'de>),
}

/// The entries of one object or array in document order, each value as its text: an object's members with
/// their names, an array's elements with an empty one.
pub(crate) type Entries<'de> = Vec<(Cow<'de, str>, &'de RawValue)>;

impl<'a, 'de> PlainSeed<'a, 'de> {
    /// Any value, with no shape to fill.
    pub(crate) const PLAIN: Self = PlainSeed(Shape::Plain);

    /// An object filling `slot`'s shape.
    pub(crate) fn slots(slot: &'a mut dyn ObjectSlot) -> Self {
        PlainSeed(Shape::Slots(slot))
    }

    /// An object or array whose entries go to `entries`.
    pub(crate) fn entries(entries: &'a mut Entries<'de>) -> Self {
        PlainSeed(Shape::Entries(entries))
    }
}

impl<'de> DeserializeSeed<'de> for PlainSeed<'_, 'de> {
    type Value = Plain;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Plain, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PlainSeed<'_, 'de> {
    type Value = Plain;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Plain, E> {
        Ok(Plain::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Plain, E> {
        Ok(Plain::Number(u64::try_from(v).ok()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Plain, E> {
        Ok(Plain::Number(Some(v)))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Plain, E> {
        Ok(Plain::Number(None))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Plain, E> {
        Ok(Plain::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Plain, E> {
        Ok(Plain::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Plain, E> {
        Ok(Plain::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Plain, E> {
        Ok(Plain::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Plain, A::Error> {
        let capacity = seq.size_hint().unwrap_or(0).min(64);
        if let Shape::Entries(entries) = self.0 {
            entries.reserve(capacity);
            while let Some(element) = seq.next_element()? {
                entries.push((Cow::Borrowed(""), element));
            }
            return Ok(Plain::Array(Vec::new()));
        }
        let mut items = Vec::with_capacity(capacity);
        while let Some(item) = seq.next_element_seed(PlainSeed::PLAIN)? {
            items.push(item);
        }
        Ok(Plain::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Plain, A::Error> {
        match self.0 {
            Shape::Slots(slot) => {
                if let Some(slots) = slot.object() {
                    while let Some(Name(name)) = map.next_key()? {
                        read_member(slots, &name, &mut map)?;
                    }
                    return Ok(Plain::Object);
                }
            }
            Shape::Entries(entries) => {
                while let Some(Name(name)) = map.next_key()? {
                    entries.push((name, map.next_value()?));
                }
                return Ok(Plain::Object);
            }
            Shape::Plain => {}
        }
        let mut names = Names::default();
        while let Some(Name(name)) = map.next_key()? {
            names.add(name.into_owned());
            map.next_value_seed(PlainSeed::PLAIN)?;
        }
        names.into_sorted::<A::Error>()?;
        Ok(Plain::Object)
    }
}

/// The top level of an offer, any draft.
#[derive(Default)]
pub(crate) struct RawOffer {
    pub(crate) credential_issuer: Option<Plain>,
    pub(crate) credential_configuration_ids: Option<Plain>,
    pub(crate) credentials: Option<RawCredentials>,
    pub(crate) grants: Option<Member<RawGrants>>,
    /// Every other member: extensions, draft 9's `issuer`, and the top-level grant members of drafts 9 and 11.
    pub(crate) others: JsonMembers,
}

#[derive(Default)]
pub(crate) struct RawGrants {
    pub(crate) authorization_code: Option<Member<RawAuthorizationCode>>,
    pub(crate) pre_authorized_code: Option<Member<RawPreAuthorized>>,
    pub(crate) others: JsonMembers,
}

#[derive(Default)]
pub(crate) struct RawAuthorizationCode {
    pub(crate) issuer_state: Option<Plain>,
    pub(crate) authorization_server: Option<Plain>,
    pub(crate) others: JsonMembers,
}

#[derive(Default)]
pub(crate) struct RawPreAuthorized {
    pub(crate) pre_authorized_code: Option<Plain>,
    pub(crate) tx_code: Option<Member<RawTxCode>>,
    pub(crate) user_pin_required: Option<Plain>,
    pub(crate) authorization_server: Option<Plain>,
    pub(crate) others: JsonMembers,
}

#[derive(Default)]
pub(crate) struct RawTxCode {
    pub(crate) input_mode: Option<Plain>,
    pub(crate) length: Option<Plain>,
    pub(crate) description: Option<Plain>,
    pub(crate) others: JsonMembers,
}

/// The `credentials` member of drafts 9 to 13.
pub(crate) enum RawCredentials {
    /// String entries are ids; object entries are legacy descriptions, kept as their text.
    Entries { ids: Vec<String>, legacy: Vec<JsonValue> },
    /// The entry at this index is neither a string nor an object.
    OtherEntry(usize),
    /// Not an array.
    NotArray,
}

impl RawCredentials {
    /// From `value`, read with its entries kept in `entries`.
    fn read(value: &Plain, entries: Entries<'_>) -> Result<Self, ReadError> {
        if !matches!(value, Plain::Array(_)) {
            return Ok(Self::NotArray);
        }
        let mut ids = Vec::with_capacity(entries.len());
        let mut legacy = Vec::new();
        for (index, (_, entry)) in entries.into_iter().enumerate() {
            if let Some(id) = read_string(entry.get()) {
                ids.push(id);
            } else if entry.get().starts_with('{') {
                legacy.push(JsonValue::from_raw(entry)?);
            } else {
                return Ok(Self::OtherEntry(index));
            }
        }
        Ok(Self::Entries { ids, legacy })
    }
}

/// Where a member's value goes.
pub(crate) enum Slot<'a> {
    Value(&'a mut Option<Plain>),
    Credentials(&'a mut Option<RawCredentials>),
    /// A member that should hold an object of a known shape (`grants`, a grant, `tx_code`).
    Member(&'a mut dyn MemberSlot),
    /// A member the spec does not name, kept as it came.
    Other(&'a mut JsonMembers),
}

/// One object shape: which member goes to which slot.
///
/// Used as `dyn Slots`, as are [`MemberSlot`]s: the reading code then exists once in the WebAssembly
/// build rather than once per shape (five copies of serde's visitor methods cost it kilobytes).
pub(crate) trait Slots {
    /// The slot of member `name`.
    fn slot(&mut self, name: &str) -> Slot<'_>;
}

/// Where an object of a known shape goes.
pub(crate) trait ObjectSlot {
    /// Makes the slot an object of its shape, with every member vacant, and gives its slots.
    fn object(&mut self) -> Option<&mut dyn Slots>;
}

/// The slot of a member that should hold an object of some shape, and may hold anything.
pub(crate) trait MemberSlot: ObjectSlot {
    fn is_filled(&self) -> bool;

    /// Keeps a value that is not an object, for a precise error later.
    fn other(&mut self, value: Plain);
}

impl<T: Slots + Default> ObjectSlot for Option<Member<T>> {
    fn object(&mut self) -> Option<&mut dyn Slots> {
        // Built in place: the slot structs are hundreds of bytes, and a returned value would be copied.
        match self.insert(Member::Object(T::default())) {
            Member::Object(slots) => Some(slots),
            Member::Other(_) => None, // unreachable: the slot was made an object just above
        }
    }
}

impl<T: Slots + Default> MemberSlot for Option<Member<T>> {
    fn is_filled(&self) -> bool {
        self.is_some()
    }

    fn other(&mut self, value: Plain) {
        *self = Some(Member::Other(value));
    }
}

/// The offer itself, whose (vacant) slots the caller made.
impl ObjectSlot for RawOffer {
    fn object(&mut self) -> Option<&mut dyn Slots> {
        Some(self)
    }
}

/// Reads the value of member `name` from `map` into its slot in `slots`.
fn read_member<'de, A: MapAccess<'de>>(slots: &mut dyn Slots, name: &str, map: &mut A) -> Result<(), A::Error> {
    match slots.slot(name) {
        Slot::Value(slot) => {
            vacant(slot.is_some(), name)?;
            *slot = Some(map.next_value_seed(PlainSeed::PLAIN)?);
        }
        Slot::Credentials(slot) => {
            vacant(slot.is_some(), name)?;
            // The entries read in this pass, each as its text borrowed from the offer: not the whole array
            // read as text and then again for its entries.
            let mut entries = Vec::new();
            let value = map.next_value_seed(PlainSeed::entries(&mut entries))?;
            *slot = Some(RawCredentials::read(&value, entries).map_err(de::Error::custom)?);
        }
        Slot::Member(slot) => {
            vacant(slot.is_filled(), name)?;
            match map.next_value_seed(PlainSeed::slots(&mut *slot))? {
                Plain::Object => {} // read into the slot's shape
                other => slot.other(other),
            }
        }
        Slot::Other(others) => {
            vacant(others.contains_key(name), name)?;
            // Read borrowed, as every raw value (see `json_read::raw`), and kept as its checked text.
            let raw: &RawValue = map.next_value()?;
            others.insert(name.to_owned(), JsonValue::from_raw(raw).map_err(de::Error::custom)?);
        }
    }
    Ok(())
}

fn vacant<E: de::Error>(filled: bool, name: &str) -> Result<(), E> {
    // RFC 8259 leaves duplicate names undefined; readers disagree on which wins, so refuse.
    if filled { Err(duplicate_member(name)) } else { Ok(()) }
}

impl Slots for RawOffer {
    fn slot(&mut self, name: &str) -> Slot<'_> {
        match name {
            "credential_issuer" => Slot::Value(&mut self.credential_issuer),
            "credential_configuration_ids" => Slot::Value(&mut self.credential_configuration_ids),
            "credentials" => Slot::Credentials(&mut self.credentials),
            "grants" => Slot::Member(&mut self.grants),
            _ => Slot::Other(&mut self.others),
        }
    }
}

impl Slots for RawGrants {
    fn slot(&mut self, name: &str) -> Slot<'_> {
        match name {
            AUTHORIZATION_CODE_GRANT => Slot::Member(&mut self.authorization_code),
            PRE_AUTHORIZED_CODE_GRANT => Slot::Member(&mut self.pre_authorized_code),
            _ => Slot::Other(&mut self.others),
        }
    }
}

impl Slots for RawAuthorizationCode {
    fn slot(&mut self, name: &str) -> Slot<'_> {
        match name {
            "issuer_state" => Slot::Value(&mut self.issuer_state),
            "authorization_server" => Slot::Value(&mut self.authorization_server),
            _ => Slot::Other(&mut self.others),
        }
    }
}

impl Slots for RawPreAuthorized {
    fn slot(&mut self, name: &str) -> Slot<'_> {
        match name {
            "pre-authorized_code" => Slot::Value(&mut self.pre_authorized_code),
            "tx_code" => Slot::Member(&mut self.tx_code),
            "user_pin_required" => Slot::Value(&mut self.user_pin_required),
            "authorization_server" => Slot::Value(&mut self.authorization_server),
            _ => Slot::Other(&mut self.others),
        }
    }
}

impl Slots for RawTxCode {
    fn slot(&mut self, name: &str) -> Slot<'_> {
        match name {
            "input_mode" => Slot::Value(&mut self.input_mode),
            "length" => Slot::Value(&mut self.length),
            "description" => Slot::Value(&mut self.description),
            _ => Slot::Other(&mut self.others),
        }
    }
}

impl RawOffer {
    /// Reads offer JSON into these (empty) slots; anything but one JSON object is an error. Filling the
    /// caller's slots rather than returning new ones spares copying them.
    pub(crate) fn read_json(&mut self, json: &str) -> Result<(), ReadError> {
        match json_read::visit(json, PlainSeed::slots(self))? {
            Plain::Object => Ok(()),
            other => Err(other.refused("a credential offer as a JSON object")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_keep_what_the_reader_looks_into() {
        let plain = |json: &str| json_read::visit(json, PlainSeed::PLAIN).map_err(|e| e.to_string());
        assert_eq!(
            plain(r#"[null, true, 0, 18446744073709551615, -1, 1.5, 1e2, "a\"b", {"x": [1]}, []]"#),
            Ok(Plain::Array(vec![
                Plain::Null,
                Plain::Bool(true),
                Plain::Number(Some(0)),
                Plain::Number(Some(u64::MAX)),
                Plain::Number(None),
                Plain::Number(None),
                Plain::Number(None),
                Plain::String("a\"b".to_owned()),
                Plain::Object,
                Plain::Array(Vec::new()),
            ]))
        );
        for twice in [r#"{"a": 1, "b": 2, "a": 3}"#, r#"[{"x": {"y": 1, "y": 1}}]"#] {
            let error = plain(twice).unwrap_err();
            assert!(error.contains("appears twice"), "{twice}: {error}");
        }
    }

    #[test]
    fn an_offer_fills_its_shapes_and_anything_else_is_refused_by_its_type() {
        let mut offer = RawOffer::default();
        offer
            .read_json(r#"{"credential_issuer": "https://i.example", "grants": {"x": [1]}, "issuer": 7, "z": {}}"#)
            .unwrap();
        assert_eq!(offer.credential_issuer, Some(Plain::String("https://i.example".to_owned())));
        let Some(Member::Object(grants)) = &offer.grants else { panic!("the grants' shape") };
        assert_eq!(grants.others.keys().collect::<Vec<_>>(), ["x"]);
        assert_eq!(offer.others.keys().collect::<Vec<_>>(), ["issuer", "z"]);
        let mut offer = RawOffer::default();
        offer.read_json(r#"{"grants": [true]}"#).unwrap();
        assert!(matches!(&offer.grants, Some(Member::Other(Plain::Array(items))) if items == &[Plain::Bool(true)]));
        for (json, kind) in
            [("[]", "sequence"), ("\"x\"", "string"), ("1.5", "number"), ("null", "null"), ("true", "boolean")]
        {
            let error = RawOffer::default().read_json(json).unwrap_err().to_string();
            assert_eq!(error, format!("invalid type: {kind}, expected a credential offer as a JSON object"), "{json}");
        }
    }
}
