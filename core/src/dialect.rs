//! Writing an offer as JSON, in the shape a given generation of wallets reads.
//!
//! Output is compact, members come in a fixed order (the order of the spec's own examples, then
//! extension members sorted by name), and string contents are written as they are.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use crate::error::{Error, ErrorKind, Result};
use crate::json::JsonMembers;
use crate::offer::{
    AUTHORIZATION_CODE_GRANT, AuthorizationCodeGrant, CredentialOffer, Grants, InputMode, PRE_AUTH_FIELD,
    PRE_AUTHORIZED_CODE_GRANT, PreAuthorizedCodeGrant, TxCode,
};

/// The longest numeric PIN a draft 11 or 12 wallet accepts ("maximum 8 numeric characters").
pub const LEGACY_PIN_MAX_DIGITS: u32 = 8;

/// The JSON shape an offer is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// OpenID4VCI 1.0 (the default): `credential_configuration_ids`, `tx_code`.
    #[default]
    V1,
    /// What MATTR VII emits: 1.0 plus a `credentials` member duplicating the ids, for wallets of both eras.
    Mattr,
    /// Draft 13. The offer object did not change from draft 13 to 1.0, so the output equals [`Dialect::V1`];
    /// the name exists so hosts can say which generation they target.
    Draft13,
    /// Drafts 11 and 12: `credentials` and `user_pin_required`. Refuses transaction codes such
    /// wallets cannot take (text, or more than 8 digits). A `tx_code` becomes `user_pin_required: true`:
    /// its `description` and `length` have no place in these drafts and are not written.
    Draft11,
}

impl Dialect {
    /// Every dialect.
    pub const ALL: [Dialect; 4] = [Dialect::V1, Dialect::Mattr, Dialect::Draft13, Dialect::Draft11];

    /// The name used on the command line and in bindings: `1.0`, `mattr`, `draft13`, `draft11`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Dialect::V1 => "1.0",
            Dialect::Mattr => "mattr",
            Dialect::Draft13 => "draft13",
            Dialect::Draft11 => "draft11",
        }
    }

    fn writes_credentials(self) -> bool {
        matches!(self, Dialect::Mattr | Dialect::Draft11)
    }

    fn writes_ids(self) -> bool {
        !matches!(self, Dialect::Draft11)
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Dialect {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        match name {
            "1.0" | "v1" => Ok(Dialect::V1),
            "mattr" => Ok(Dialect::Mattr),
            "draft13" => Ok(Dialect::Draft13),
            "draft11" => Ok(Dialect::Draft11),
            other => Err(Error::new(
                ErrorKind::UnknownDialect,
                format!("unknown dialect {other:?}; expected 1.0, mattr, draft13 or draft11"),
            )
            .at("dialect")),
        }
    }
}

impl CredentialOffer {
    /// The offer as compact JSON in `dialect`, *without* the strict validation of
    /// [`CredentialOffer::to_json`]: for writing back what a lenient reading accepted, as
    /// [`crate::ParsedOffer::to_json`] does. It still refuses what JSON cannot carry (a member written
    /// twice, a `tx_code` the dialect has no words for). Issuers write with `to_json`.
    pub fn to_json_lenient(&self, dialect: Dialect) -> Result<String> {
        check_writable(self, dialect)?;
        serde_json::to_string(&Wire { offer: self, dialect })
            .map_err(|e| Error::new(ErrorKind::InvalidJson, format!("the offer cannot be written as JSON: {e}")))
    }
}

/// What the writers refuse: a member written twice, and a `tx_code` the dialect cannot carry.
fn check_writable(offer: &CredentialOffer, dialect: Dialect) -> Result<()> {
    offer.check_member_names()?;
    let Some(tx_code) = offer.pre_authorized_code_grant().and_then(|g| g.tx_code.as_ref()) else {
        return Ok(());
    };
    match unsupported_tx_code(tx_code, dialect) {
        Some((member, error)) => Err(error.at(format!("{PRE_AUTH_FIELD}.tx_code.{member}"))),
        None => Ok(()),
    }
}

/// Why `dialect` cannot carry `tx_code`: the `tx_code` member at fault and the error (no field yet), or
/// `None` when it can. Draft 11 wallets only take numeric PINs of at most 8 digits.
pub(crate) fn unsupported_tx_code(tx_code: &TxCode, dialect: Dialect) -> Option<(&'static str, Error)> {
    if dialect != Dialect::Draft11 {
        return None;
    }
    if tx_code.effective_input_mode() == InputMode::Text {
        return Some((
            "input_mode",
            Error::new(
                ErrorKind::UnsupportedByDialect,
                "draft 11 wallets only take numeric PINs; a text transaction code cannot be offered to them",
            ),
        ));
    }
    if let Some(name) = tx_code.extensions.keys().next() {
        return Some((
            "extensions",
            Error::new(
                ErrorKind::UnsupportedByDialect,
                format!("draft 11 has no tx_code object, so its member {name:?} cannot be written"),
            ),
        ));
    }
    if tx_code.length.is_some_and(|length| length > LEGACY_PIN_MAX_DIGITS) {
        return Some((
            "length",
            Error::new(
                ErrorKind::UnsupportedByDialect,
                format!("draft 11 wallets take PINs of at most {LEGACY_PIN_MAX_DIGITS} digits"),
            ),
        ));
    }
    None
}

struct Wire<'a> {
    offer: &'a CredentialOffer,
    dialect: Dialect,
}

impl Serialize for Wire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let offer = self.offer;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("credential_issuer", &offer.credential_issuer)?;
        if self.dialect.writes_credentials() || !offer.legacy_credentials.is_empty() {
            map.serialize_entry("credentials", &Credentials(offer))?;
        }
        // An offer of inline descriptions only (draft 11) has no ids to write.
        let only_descriptions = offer.credential_configuration_ids.is_empty() && !offer.legacy_credentials.is_empty();
        if self.dialect.writes_ids() && !only_descriptions {
            map.serialize_entry("credential_configuration_ids", &offer.credential_configuration_ids)?;
        }
        if let Some(grants) = &offer.grants {
            map.serialize_entry("grants", &GrantsWire { grants, dialect: self.dialect })?;
        }
        write_extensions(&mut map, &offer.extensions)?;
        map.end()
    }
}

/// The legacy `credentials` list: the ids, then any inline descriptions.
struct Credentials<'a>(&'a CredentialOffer);

impl Serialize for Credentials<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let offer = self.0;
        let mut seq = serializer
            .serialize_seq(Some(offer.credential_configuration_ids.len() + offer.legacy_credentials.len()))?;
        for id in &offer.credential_configuration_ids {
            seq.serialize_element(id)?;
        }
        for description in &offer.legacy_credentials {
            seq.serialize_element(description)?;
        }
        seq.end()
    }
}

struct GrantsWire<'a> {
    grants: &'a Grants,
    dialect: Dialect,
}

impl Serialize for GrantsWire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(grant) = &self.grants.authorization_code {
            map.serialize_entry(AUTHORIZATION_CODE_GRANT, &AuthCodeWire(grant))?;
        }
        if let Some(grant) = &self.grants.pre_authorized_code {
            map.serialize_entry(PRE_AUTHORIZED_CODE_GRANT, &PreAuthWire { grant, dialect: self.dialect })?;
        }
        write_extensions(&mut map, &self.grants.other)?;
        map.end()
    }
}

struct AuthCodeWire<'a>(&'a AuthorizationCodeGrant);

impl Serialize for AuthCodeWire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let grant = self.0;
        let mut map = serializer.serialize_map(None)?;
        if let Some(state) = &grant.issuer_state {
            map.serialize_entry("issuer_state", state)?;
        }
        if let Some(server) = &grant.authorization_server {
            map.serialize_entry("authorization_server", server)?;
        }
        write_extensions(&mut map, &grant.extensions)?;
        map.end()
    }
}

struct PreAuthWire<'a> {
    grant: &'a PreAuthorizedCodeGrant,
    dialect: Dialect,
}

impl Serialize for PreAuthWire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let grant = self.grant;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("pre-authorized_code", &grant.pre_authorized_code)?;
        match (&grant.tx_code, self.dialect) {
            (Some(_), Dialect::Draft11) => map.serialize_entry("user_pin_required", &true)?,
            (Some(tx_code), _) => map.serialize_entry("tx_code", &TxCodeWire(tx_code))?,
            (None, _) => {}
        }
        if let Some(server) = &grant.authorization_server {
            map.serialize_entry("authorization_server", server)?;
        }
        write_extensions(&mut map, &grant.extensions)?;
        map.end()
    }
}

struct TxCodeWire<'a>(&'a TxCode);

impl Serialize for TxCodeWire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let tx_code = self.0;
        let mut map = serializer.serialize_map(None)?;
        if let Some(length) = tx_code.length {
            map.serialize_entry("length", &length)?;
        }
        if let Some(mode) = tx_code.input_mode {
            map.serialize_entry("input_mode", mode.as_str())?;
        }
        if let Some(description) = &tx_code.description {
            map.serialize_entry("description", description)?;
        }
        write_extensions(&mut map, &tx_code.extensions)?;
        map.end()
    }
}

fn write_extensions<M: SerializeMap>(map: &mut M, extensions: &JsonMembers) -> Result<(), M::Error> {
    for (name, value) in extensions {
        map.serialize_entry(name, value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::JsonValue;
    use crate::offer::OfferBuilder;

    fn pre_auth(tx_code: Option<TxCode>) -> CredentialOffer {
        let mut builder =
            OfferBuilder::new("https://example.com").credential_configuration_id("a").pre_authorized_code("c");
        if let Some(tx_code) = tx_code {
            builder = builder.tx_code(tx_code);
        }
        builder.build().unwrap()
    }

    #[test]
    fn dialect_names_round_trip() {
        for dialect in Dialect::ALL {
            assert_eq!(dialect.as_str().parse::<Dialect>().unwrap(), dialect);
        }
        assert_eq!("draft99".parse::<Dialect>().unwrap_err().code(), "unknown_dialect");
    }

    #[test]
    fn every_dialect_shape() {
        let offer =
            pre_auth(Some(TxCode { input_mode: Some(InputMode::Numeric), length: Some(6), ..TxCode::default() }));
        let grant = r#""grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c","#;
        assert_eq!(
            offer.to_json_lenient(Dialect::V1).unwrap(),
            format!(
                r#"{{"credential_issuer":"https://example.com","credential_configuration_ids":["a"],{grant}"tx_code":{{"length":6,"input_mode":"numeric"}}}}}}}}"#
            )
        );
        assert_eq!(offer.to_json_lenient(Dialect::Draft13).unwrap(), offer.to_json_lenient(Dialect::V1).unwrap());
        assert_eq!(
            offer.to_json_lenient(Dialect::Mattr).unwrap(),
            format!(
                r#"{{"credential_issuer":"https://example.com","credentials":["a"],"credential_configuration_ids":["a"],{grant}"tx_code":{{"length":6,"input_mode":"numeric"}}}}}}}}"#
            )
        );
        assert_eq!(
            offer.to_json_lenient(Dialect::Draft11).unwrap(),
            format!(
                r#"{{"credential_issuer":"https://example.com","credentials":["a"],{grant}"user_pin_required":true}}}}}}"#
            )
        );
    }

    #[test]
    fn draft11_refuses_what_old_wallets_cannot_enter() {
        let text = pre_auth(Some(TxCode { input_mode: Some(InputMode::Text), ..TxCode::default() }));
        assert_eq!(text.to_json_lenient(Dialect::Draft11).unwrap_err().code(), "unsupported_by_dialect");
        let long = pre_auth(Some(TxCode { length: Some(9), ..TxCode::default() }));
        assert_eq!(long.to_json_lenient(Dialect::Draft11).unwrap_err().code(), "unsupported_by_dialect");
        let extended = TxCode {
            extensions: [("x".to_owned(), JsonValue::from_json("true").unwrap())].into_iter().collect(),
            ..TxCode::default()
        };
        let error = pre_auth(Some(extended.clone())).to_json_lenient(Dialect::Draft11).unwrap_err();
        assert_eq!(
            (error.code(), error.field()),
            (
                "unsupported_by_dialect",
                Some("grants.urn:ietf:params:oauth:grant-type:pre-authorized_code.tx_code.extensions")
            )
        );
        assert!(pre_auth(Some(extended)).to_json_lenient(Dialect::V1).unwrap().contains(r#""tx_code":{"x":true}"#));
        assert!(pre_auth(None).to_json_lenient(Dialect::Draft11).is_ok());
    }
}
