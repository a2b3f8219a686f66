//! Offer JSON read into typed slots in one pass.
//!
//! Parsing into `serde_json::Value` first would allocate every member name and build a map per
//! object, then take it apart again; offers are parsed on every QR scan, so the members the spec
//! names go straight into slots here. Their values stay `Value`s so that a wrong type becomes a
//! precise error later (with the field's path) rather than a serde message, and members the spec does
//! not name are kept as they came.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};

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
    pub(crate) credentials: Option<Value>,
    pub(crate) grants: Option<Member<RawGrants>>,
    /// Every other member: extensions, and the top-level grant members of drafts 9 and 11.
    pub(crate) others: Map<String, Value>,
}

#[derive(Default)]
pub(crate) struct RawGrants {
    pub(crate) authorization_code: Option<Member<RawAuthorizationCode>>,
    pub(crate) pre_authorized_code: Option<Member<RawPreAuthorized>>,
    pub(crate) others: Map<String, Value>,
}

#[derive(Default)]
pub(crate) struct RawAuthorizationCode {
    pub(crate) issuer_state: Option<Value>,
    pub(crate) authorization_server: Option<Value>,
    pub(crate) others: Map<String, Value>,
}

#[derive(Default)]
pub(crate) struct RawPreAuthorized {
    pub(crate) pre_authorized_code: Option<Value>,
    pub(crate) tx_code: Option<Member<RawTxCode>>,
    pub(crate) user_pin_required: Option<Value>,
    pub(crate) authorization_server: Option<Value>,
    pub(crate) others: Map<String, Value>,
}

#[derive(Default)]
pub(crate) struct RawTxCode {
    pub(crate) input_mode: Option<Value>,
    pub(crate) length: Option<Value>,
    pub(crate) description: Option<Value>,
}

/// One object shape: which member goes to which slot.
pub(crate) trait Slots: Default {
    const WHAT: &'static str;
    /// Reads the value of member `name` from `map` into its slot.
    fn read<'de, A: MapAccess<'de>>(&mut self, name: &str, map: &mut A) -> Result<(), A::Error>;
    /// Moves member `name` of an already parsed object into its slot.
    fn take(&mut self, name: String, value: Value);

    /// Sorts an already parsed object into slots.
    fn from_map(members: Map<String, Value>) -> Self {
        let mut slots = Self::default();
        for (name, value) in members {
            slots.take(name, value);
        }
        slots
    }
}

fn store<E: de::Error>(slot: &mut Option<Value>, name: &str, value: Value) -> Result<(), E> {
    if slot.is_some() {
        // RFC 8259 leaves duplicate names undefined; readers disagree on which wins, so refuse.
        return Err(E::custom(format_args!("the member {name:?} appears twice")));
    }
    *slot = Some(value);
    Ok(())
}

fn store_member<T: Slots, E: de::Error>(slot: &mut Option<Member<T>>, name: &str, value: Member<T>) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::custom(format_args!("the member {name:?} appears twice")));
    }
    *slot = Some(value);
    Ok(())
}

impl Slots for RawOffer {
    const WHAT: &'static str = "a credential offer";

    fn read<'de, A: MapAccess<'de>>(&mut self, name: &str, map: &mut A) -> Result<(), A::Error> {
        match name {
            "credential_issuer" => store(&mut self.credential_issuer, name, map.next_value()?),
            "issuer" => store(&mut self.issuer, name, map.next_value()?),
            "credential_configuration_ids" => store(&mut self.credential_configuration_ids, name, map.next_value()?),
            "credentials" => store(&mut self.credentials, name, map.next_value()?),
            "grants" => store_member(&mut self.grants, name, map.next_value()?),
            _ => {
                self.others.insert(name.to_owned(), map.next_value()?);
                Ok(())
            }
        }
    }

    fn take(&mut self, name: String, value: Value) {
        match name.as_str() {
            "credential_issuer" => self.credential_issuer = Some(value),
            "issuer" => self.issuer = Some(value),
            "credential_configuration_ids" => self.credential_configuration_ids = Some(value),
            "credentials" => self.credentials = Some(value),
            "grants" => self.grants = Some(Member::from_value(value)),
            _ => {
                self.others.insert(name, value);
            }
        }
    }
}

impl Slots for RawGrants {
    const WHAT: &'static str = "grants";

    fn read<'de, A: MapAccess<'de>>(&mut self, name: &str, map: &mut A) -> Result<(), A::Error> {
        match name {
            AUTHORIZATION_CODE_GRANT => store_member(&mut self.authorization_code, name, map.next_value()?),
            PRE_AUTHORIZED_CODE_GRANT => store_member(&mut self.pre_authorized_code, name, map.next_value()?),
            _ => {
                self.others.insert(name.to_owned(), map.next_value()?);
                Ok(())
            }
        }
    }

    fn take(&mut self, name: String, value: Value) {
        match name.as_str() {
            AUTHORIZATION_CODE_GRANT => self.authorization_code = Some(Member::from_value(value)),
            PRE_AUTHORIZED_CODE_GRANT => self.pre_authorized_code = Some(Member::from_value(value)),
            _ => {
                self.others.insert(name, value);
            }
        }
    }
}

impl Slots for RawAuthorizationCode {
    const WHAT: &'static str = "a grant";

    fn read<'de, A: MapAccess<'de>>(&mut self, name: &str, map: &mut A) -> Result<(), A::Error> {
        match name {
            "issuer_state" => store(&mut self.issuer_state, name, map.next_value()?),
            "authorization_server" => store(&mut self.authorization_server, name, map.next_value()?),
            _ => {
                self.others.insert(name.to_owned(), map.next_value()?);
                Ok(())
            }
        }
    }

    fn take(&mut self, name: String, value: Value) {
        match name.as_str() {
            "issuer_state" => self.issuer_state = Some(value),
            "authorization_server" => self.authorization_server = Some(value),
            _ => {
                self.others.insert(name, value);
            }
        }
    }
}

impl Slots for RawPreAuthorized {
    const WHAT: &'static str = "a grant";

    fn read<'de, A: MapAccess<'de>>(&mut self, name: &str, map: &mut A) -> Result<(), A::Error> {
        match name {
            "pre-authorized_code" => store(&mut self.pre_authorized_code, name, map.next_value()?),
            "tx_code" => store_member(&mut self.tx_code, name, map.next_value()?),
            "user_pin_required" => store(&mut self.user_pin_required, name, map.next_value()?),
            "authorization_server" => store(&mut self.authorization_server, name, map.next_value()?),
            _ => {
                self.others.insert(name.to_owned(), map.next_value()?);
                Ok(())
            }
        }
    }

    fn take(&mut self, name: String, value: Value) {
        match name.as_str() {
            "pre-authorized_code" => self.pre_authorized_code = Some(value),
            "tx_code" => self.tx_code = Some(Member::from_value(value)),
            "user_pin_required" => self.user_pin_required = Some(value),
            "authorization_server" => self.authorization_server = Some(value),
            _ => {
                self.others.insert(name, value);
            }
        }
    }
}

impl Slots for RawTxCode {
    const WHAT: &'static str = "tx_code";

    fn read<'de, A: MapAccess<'de>>(&mut self, name: &str, map: &mut A) -> Result<(), A::Error> {
        match name {
            "input_mode" => store(&mut self.input_mode, name, map.next_value()?),
            "length" => store(&mut self.length, name, map.next_value()?),
            "description" => store(&mut self.description, name, map.next_value()?),
            // The spec defines no other member of tx_code, and the model has no place for one.
            _ => map.next_value::<IgnoredAny>().map(|_| ()),
        }
    }

    fn take(&mut self, name: String, value: Value) {
        match name.as_str() {
            "input_mode" => self.input_mode = Some(value),
            "length" => self.length = Some(value),
            "description" => self.description = Some(value),
            _ => {}
        }
    }
}

impl<T: Slots> Member<T> {
    /// Sorts an already parsed value into slots.
    fn from_value(value: Value) -> Self {
        match value {
            Value::Object(members) => Member::Object(T::from_map(members)),
            other => Member::Other(other),
        }
    }
}

impl RawOffer {
    /// Sorts an already parsed offer object into slots.
    pub(crate) fn from_object(members: Map<String, Value>) -> Self {
        Self::from_map(members)
    }
}

/// A member name, borrowed from the input when it has no escapes.
struct Name<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Self::Value, E> {
                Ok(Name(Cow::Borrowed(name)))
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
                Ok(Name(Cow::Owned(name.to_owned())))
            }
            fn visit_string<E: de::Error>(self, name: String) -> Result<Self::Value, E> {
                Ok(Name(Cow::Owned(name)))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

struct SlotsVisitor<T>(PhantomData<T>);

impl<'de, T: Slots> Visitor<'de> for SlotsVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} as a JSON object", T::WHAT)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut slots = T::default();
        while let Some(Name(name)) = map.next_key()? {
            slots.read(&name, &mut map)?;
        }
        Ok(slots)
    }
}

impl<'de> Deserialize<'de> for RawOffer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(SlotsVisitor(PhantomData))
    }
}

/// An object member reads into slots; anything else is kept as a value for a precise error later.
impl<'de, T: Slots> Deserialize<'de> for Member<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MemberVisitor<T>(PhantomData<T>);
        impl<'de, T: Slots> Visitor<'de> for MemberVisitor<T> {
            type Value = Member<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                SlotsVisitor::<T>(PhantomData).visit_map(map).map(Member::Object)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Member::Other(Value::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Member::Other(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Member::Other(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Member::Other(Value::from(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Member::Other(Value::from(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Member::Other(Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Member::Other(Value::Null))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Member::Other)
            }
        }
        deserializer.deserialize_any(MemberVisitor(PhantomData))
    }
}
