//! Offer JSON read into typed slots in one pass.
//!
//! Parsing into `serde_json::Value` first would allocate every member name and build a map per
//! object, then take it apart again; offers are parsed on every QR scan, so the members the spec
//! names go straight into slots here. Their values are kept as [`Plain`] values so that a wrong type
//! becomes a precise error later (with the field's path) rather than a serde message. Members the spec
//! does not name, `issuer` (kept as an extension beside `credential_issuer`) and `credentials` (whose
//! legacy entries are kept) are read as their exact text.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::json::{JsonMembers, JsonValue, Name, Names, duplicate_member, read_string};
use crate::json_read;
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

/// Reads any JSON value as a [`Plain`] one; a member named twice, at any depth, is an error.
#[derive(Clone, Copy)]
pub(crate) struct PlainSeed;

impl<'de> DeserializeSeed<'de> for PlainSeed {
    type Value = Plain;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Plain, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PlainSeed {
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
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Plain::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Plain, A::Error> {
        let mut names = Names::default();
        while let Some(Name(name)) = map.next_key()? {
            names.add(name.into_owned());
            map.next_value_seed(self)?;
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
    fn read(raw: &RawValue) -> serde_json::Result<Self> {
        if !raw.get().starts_with('[') {
            return Ok(Self::NotArray);
        }
        let entries: Vec<&RawValue> = json_read::from_str(raw.get())?;
        let mut ids = Vec::with_capacity(entries.len());
        let mut legacy = Vec::new();
        for (index, entry) in entries.into_iter().enumerate() {
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
    /// What the object is, for serde's message when it is not one.
    fn what(&self) -> &'static str;

    /// The slot of member `name`.
    fn slot(&mut self, name: &str) -> Slot<'_>;
}

/// The slot of a member that should hold an object of some shape, and may hold anything.
pub(crate) trait MemberSlot {
    fn is_filled(&self) -> bool;

    /// Makes the slot an object of its shape, with every member vacant, and gives its slots.
    fn object(&mut self) -> Option<&mut dyn Slots>;

    /// Keeps a value that is not an object, for a precise error later.
    fn other(&mut self, value: Plain);
}

impl<T: Slots + Default> MemberSlot for Option<Member<T>> {
    fn is_filled(&self) -> bool {
        self.is_some()
    }

    fn object(&mut self) -> Option<&mut dyn Slots> {
        // Built in place: the slot structs are hundreds of bytes, and a returned value would be copied.
        match self.insert(Member::Object(T::default())) {
            Member::Object(slots) => Some(slots),
            Member::Other(_) => None, // unreachable: the slot was made an object just above
        }
    }

    fn other(&mut self, value: Plain) {
        *self = Some(Member::Other(value));
    }
}

/// Reads the value of member `name` from `map` into its slot in `slots`.
fn read_member<'de, A: MapAccess<'de>>(slots: &mut dyn Slots, name: &str, map: &mut A) -> Result<(), A::Error> {
    match slots.slot(name) {
        Slot::Value(slot) => {
            vacant(slot.is_some(), name)?;
            *slot = Some(map.next_value_seed(PlainSeed)?);
        }
        Slot::Credentials(slot) => {
            vacant(slot.is_some(), name)?;
            // Borrowed from the offer text: read again below without a copy.
            let raw: &RawValue = map.next_value()?;
            *slot = Some(RawCredentials::read(raw).map_err(de::Error::custom)?);
        }
        Slot::Member(slot) => {
            vacant(slot.is_filled(), name)?;
            map.next_value_seed(MemberSeed(slot))?;
        }
        Slot::Other(others) => {
            vacant(others.contains_key(name), name)?;
            others.insert(name.to_owned(), map.next_value()?);
        }
    }
    Ok(())
}

fn vacant<E: de::Error>(filled: bool, name: &str) -> Result<(), E> {
    // RFC 8259 leaves duplicate names undefined; readers disagree on which wins, so refuse.
    if filled { Err(duplicate_member(name)) } else { Ok(()) }
}

impl Slots for RawOffer {
    fn what(&self) -> &'static str {
        "a credential offer"
    }

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
    fn what(&self) -> &'static str {
        "grants"
    }

    fn slot(&mut self, name: &str) -> Slot<'_> {
        match name {
            AUTHORIZATION_CODE_GRANT => Slot::Member(&mut self.authorization_code),
            PRE_AUTHORIZED_CODE_GRANT => Slot::Member(&mut self.pre_authorized_code),
            _ => Slot::Other(&mut self.others),
        }
    }
}

impl Slots for RawAuthorizationCode {
    fn what(&self) -> &'static str {
        "a grant"
    }

    fn slot(&mut self, name: &str) -> Slot<'_> {
        match name {
            "issuer_state" => Slot::Value(&mut self.issuer_state),
            "authorization_server" => Slot::Value(&mut self.authorization_server),
            _ => Slot::Other(&mut self.others),
        }
    }
}

impl Slots for RawPreAuthorized {
    fn what(&self) -> &'static str {
        "a grant"
    }

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
    fn what(&self) -> &'static str {
        "tx_code"
    }

    fn slot(&mut self, name: &str) -> Slot<'_> {
        match name {
            "input_mode" => Slot::Value(&mut self.input_mode),
            "length" => Slot::Value(&mut self.length),
            "description" => Slot::Value(&mut self.description),
            _ => Slot::Other(&mut self.others),
        }
    }
}

/// Fills the slots of one object shape from a JSON object.
struct SlotsVisitor<'a>(&'a mut dyn Slots);

impl<'de> Visitor<'de> for SlotsVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} as a JSON object", self.0.what())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Name(name)) = map.next_key()? {
            read_member(self.0, &name, &mut map)?;
        }
        Ok(())
    }
}

impl RawOffer {
    /// Reads offer JSON into these (empty) slots; anything but one JSON object is an error. Filling the
    /// caller's slots rather than returning new ones spares copying them.
    pub(crate) fn read_json(&mut self, json: &str) -> serde_json::Result<()> {
        json_read::visit(json, SlotsVisitor(self))
    }
}

/// Reads a member into its (vacant) slot: an object fills the slots of its shape, made in place; anything
/// else is kept as a value for a precise error later.
struct MemberSeed<'a>(&'a mut dyn MemberSlot);

impl<'de> DeserializeSeed<'de> for MemberSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MemberSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        match self.0.object() {
            Some(slots) => SlotsVisitor(slots).visit_map(map),
            None => Ok(()),
        }
    }
    // Anything but an object is kept as PlainSeed reads it.
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.other(PlainSeed.visit_bool(v)?)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.other(PlainSeed.visit_i64(v)?)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.other(PlainSeed.visit_u64(v)?)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.other(PlainSeed.visit_f64(v)?)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.other(PlainSeed.visit_str(v)?)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.other(PlainSeed.visit_unit()?)
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.other(PlainSeed.visit_none()?)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.other(PlainSeed.visit_seq(seq)?)
    }
}

impl MemberSeed<'_> {
    fn other<E>(self, value: Plain) -> Result<(), E> {
        self.0.other(value);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_keep_what_the_reader_looks_into() {
        let plain = |json: &str| json_read::visit(json, PlainSeed).map_err(|e| e.to_string());
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
}
