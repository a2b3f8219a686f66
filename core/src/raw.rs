//! Offer JSON read into typed slots in one pass.
//!
//! Parsing into `serde_json::Value` first would allocate every member name and build a map per
//! object, then take it apart again; offers are parsed on every QR scan, so the members the spec
//! names go straight into slots here. Their values stay `Value`s so that a wrong type becomes a
//! precise error later (with the field's path) rather than a serde message. Members the spec does not
//! name, and `credentials` (whose legacy entries are kept), are read as their exact text.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::json::{JsonMembers, JsonValue, Name, duplicate_member, read_string};
use crate::offer::{AUTHORIZATION_CODE_GRANT, PRE_AUTHORIZED_CODE_GRANT};

/// A member that should hold an object of shape `T`, and may hold anything.
pub(crate) enum Member<T> {
    Object(T),
    Other(Value),
}

/// The top level of an offer, any draft.
#[derive(Default)]
pub(crate) struct RawOffer {
    pub(crate) credential_issuer: Option<Value>,
    pub(crate) issuer: Option<Value>,
    pub(crate) credential_configuration_ids: Option<Value>,
    pub(crate) credentials: Option<RawCredentials>,
    pub(crate) grants: Option<Member<RawGrants>>,
    /// Every other member: extensions, and the top-level grant members of drafts 9 and 11.
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
    pub(crate) issuer_state: Option<Value>,
    pub(crate) authorization_server: Option<Value>,
    pub(crate) others: JsonMembers,
}

#[derive(Default)]
pub(crate) struct RawPreAuthorized {
    pub(crate) pre_authorized_code: Option<Value>,
    pub(crate) tx_code: Option<Member<RawTxCode>>,
    pub(crate) user_pin_required: Option<Value>,
    pub(crate) authorization_server: Option<Value>,
    pub(crate) others: JsonMembers,
}

#[derive(Default)]
pub(crate) struct RawTxCode {
    pub(crate) input_mode: Option<Value>,
    pub(crate) length: Option<Value>,
    pub(crate) description: Option<Value>,
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
        let entries: Vec<&RawValue> = serde_json::from_str(raw.get())?;
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
    Value(&'a mut Option<Value>),
    Credentials(&'a mut Option<RawCredentials>),
    Grants(&'a mut Option<Member<RawGrants>>),
    AuthorizationCode(&'a mut Option<Member<RawAuthorizationCode>>),
    PreAuthorized(&'a mut Option<Member<RawPreAuthorized>>),
    TxCode(&'a mut Option<Member<RawTxCode>>),
    /// A member the spec does not name, kept as it came.
    Other(&'a mut JsonMembers),
}

/// One object shape: which member goes to which slot.
pub(crate) trait Slots: Default {
    const WHAT: &'static str;

    /// The slot of member `name`.
    fn slot(&mut self, name: &str) -> Slot<'_>;

    /// Reads the value of member `name` from `map` into its slot.
    fn read<'de, A: MapAccess<'de>>(&mut self, name: &str, map: &mut A) -> Result<(), A::Error> {
        match self.slot(name) {
            Slot::Value(slot) => {
                vacant(slot, name)?;
                *slot = Some(map.next_value_seed(ValueSeed)?);
                Ok(())
            }
            Slot::Credentials(slot) => {
                vacant(slot, name)?;
                // Borrowed from the offer text: read again below without a copy.
                let raw: &RawValue = map.next_value()?;
                *slot = Some(RawCredentials::read(raw).map_err(de::Error::custom)?);
                Ok(())
            }
            Slot::Grants(slot) => read_member(slot, name, map),
            Slot::AuthorizationCode(slot) => read_member(slot, name, map),
            Slot::PreAuthorized(slot) => read_member(slot, name, map),
            Slot::TxCode(slot) => read_member(slot, name, map),
            Slot::Other(others) => {
                vacant(&others.get(name), name)?;
                others.insert(name.to_owned(), map.next_value()?);
                Ok(())
            }
        }
    }
}

fn vacant<T, E: de::Error>(slot: &Option<T>, name: &str) -> Result<(), E> {
    match slot {
        // RFC 8259 leaves duplicate names undefined; readers disagree on which wins, so refuse.
        Some(_) => Err(duplicate_member(name)),
        None => Ok(()),
    }
}

/// Reads a member that should be an object of shape `T` straight into its slot: the slot structs are
/// hundreds of bytes, and building them in place spares the copies a returned value would cost.
fn read_member<'de, T: Slots, A: MapAccess<'de>>(
    slot: &mut Option<Member<T>>,
    name: &str,
    map: &mut A,
) -> Result<(), A::Error> {
    vacant(slot, name)?;
    map.next_value_seed(MemberSeed(slot))
}

impl Slots for RawOffer {
    const WHAT: &'static str = "a credential offer";

    fn slot(&mut self, name: &str) -> Slot<'_> {
        match name {
            "credential_issuer" => Slot::Value(&mut self.credential_issuer),
            "issuer" => Slot::Value(&mut self.issuer),
            "credential_configuration_ids" => Slot::Value(&mut self.credential_configuration_ids),
            "credentials" => Slot::Credentials(&mut self.credentials),
            "grants" => Slot::Grants(&mut self.grants),
            _ => Slot::Other(&mut self.others),
        }
    }
}

impl Slots for RawGrants {
    const WHAT: &'static str = "grants";

    fn slot(&mut self, name: &str) -> Slot<'_> {
        match name {
            AUTHORIZATION_CODE_GRANT => Slot::AuthorizationCode(&mut self.authorization_code),
            PRE_AUTHORIZED_CODE_GRANT => Slot::PreAuthorized(&mut self.pre_authorized_code),
            _ => Slot::Other(&mut self.others),
        }
    }
}

impl Slots for RawAuthorizationCode {
    const WHAT: &'static str = "a grant";

    fn slot(&mut self, name: &str) -> Slot<'_> {
        match name {
            "issuer_state" => Slot::Value(&mut self.issuer_state),
            "authorization_server" => Slot::Value(&mut self.authorization_server),
            _ => Slot::Other(&mut self.others),
        }
    }
}

impl Slots for RawPreAuthorized {
    const WHAT: &'static str = "a grant";

    fn slot(&mut self, name: &str) -> Slot<'_> {
        match name {
            "pre-authorized_code" => Slot::Value(&mut self.pre_authorized_code),
            "tx_code" => Slot::TxCode(&mut self.tx_code),
            "user_pin_required" => Slot::Value(&mut self.user_pin_required),
            "authorization_server" => Slot::Value(&mut self.authorization_server),
            _ => Slot::Other(&mut self.others),
        }
    }
}

impl Slots for RawTxCode {
    const WHAT: &'static str = "tx_code";

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
struct SlotsVisitor<'a, T>(&'a mut T);

impl<'de, T: Slots> Visitor<'de> for SlotsVisitor<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} as a JSON object", T::WHAT)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Name(name)) = map.next_key()? {
            self.0.read(&name, &mut map)?;
        }
        Ok(())
    }
}

impl RawOffer {
    /// Reads offer JSON into these (empty) slots; anything but one JSON object is an error. Filling the
    /// caller's slots rather than returning new ones spares copying them.
    pub(crate) fn read_json(&mut self, json: &str) -> serde_json::Result<()> {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        deserializer.deserialize_map(SlotsVisitor(self))?;
        deserializer.end()
    }
}

/// Reads a member into its (vacant) slot: an object fills the slots of a `Member::Object` made in place;
/// anything else is kept as a value for a precise error later.
struct MemberSeed<'a, T>(&'a mut Option<Member<T>>);

impl<'de, T: Slots> DeserializeSeed<'de> for MemberSeed<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: Slots> Visitor<'de> for MemberSeed<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let slots = match self.0.insert(Member::Object(T::default())) {
            Member::Object(slots) => slots,
            Member::Other(_) => return Ok(()), // unreachable: the slot was made an object just above
        };
        SlotsVisitor(slots).visit_map(map)
    }
    // Anything but an object is kept as ValueSeed reads it.
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.other(ValueSeed.visit_bool(v)?)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.other(ValueSeed.visit_i64(v)?)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.other(ValueSeed.visit_u64(v)?)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.other(ValueSeed.visit_f64(v)?)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.other(ValueSeed.visit_str(v)?)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.other(ValueSeed.visit_unit()?)
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.other(ValueSeed.visit_none()?)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.other(ValueSeed.visit_seq(seq)?)
    }
}

/// Reads any JSON value as serde_json's `Value` does, except that a member named twice in an object, at
/// any depth, is an error: readers disagree on which one wins.
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
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element_seed(ValueSeed)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(Name(name)) = map.next_key()? {
            vacant(&members.get(name.as_ref()), &name)?;
            let value = map.next_value_seed(ValueSeed)?;
            members.insert(name.into_owned(), value);
        }
        Ok(Value::Object(members))
    }
}

impl<T> MemberSeed<'_, T> {
    fn other<E>(self, value: Value) -> Result<(), E> {
        *self.0 = Some(Member::Other(value));
        Ok(())
    }
}
