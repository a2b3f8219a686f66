//! Writing an offer as JSON, in the shape a given generation of wallets reads.
//!
//! Output is compact, members come in a fixed order (the order of the spec's own examples, then
//! extension members sorted by name), and string contents are written as they are.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind, Result};
use crate::json::JsonMembers;
use crate::offer::{
    AUTHORIZATION_CODE_GRANT, AuthorizationCodeGrant, CredentialOffer, Grants, InputMode, PRE_AUTH_FIELD,
    PRE_AUTHORIZED_CODE_GRANT, PreAuthorizedCodeGrant, TxCode,
};
use crate::views::{Escaping, ObjectWriter};

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
        let mut object = ObjectWriter::with_capacity(self.written_length_hint());
        write_offer(&mut object, self, dialect);
        Ok(object.finish())
    }

    /// The pieces of `prefix`, then the offer's JSON as [`CredentialOffer::to_json_lenient`] writes it,
    /// percent-encoded (a URI's query value), in one pass.
    pub(crate) fn to_percent_encoded_lenient(&self, prefix: &[&str], dialect: Dialect) -> Result<String> {
        check_writable(self, dialect)?;
        // Encoded, JSON grows by half or more (MATTR's example by three fifths): punctuation triples, names
        // stay as they are, values grow by up to three times.
        let mut object = ObjectWriter::percent_encoded(prefix, 2 * self.written_length_hint());
        write_offer(&mut object, self, dialect);
        Ok(object.finish())
    }

    /// Writes the offer as member `name` of `object`, as [`CredentialOffer::to_json_lenient`] writes it; on
    /// an error nothing is written.
    pub(crate) fn write_member(&self, object: &mut ObjectWriter, name: &str, dialect: Dialect) -> Result<()> {
        check_writable(self, dialect)?;
        object.object(name, |members| write_offer(members, self, dialect));
        Ok(())
    }

    /// About how long the offer's JSON is: its strings and the members around them, so that the buffer is
    /// rarely grown while writing.
    pub(crate) fn written_length_hint(&self) -> usize {
        let strings = |values: &[String]| values.iter().map(|value| value.len() + 3).sum::<usize>();
        let grant = self.pre_authorized_code_grant().map_or(0, |grant| {
            let description = grant.tx_code.as_ref().and_then(|tx_code| tx_code.description.as_ref());
            grant.pre_authorized_code.len() + description.map_or(0, String::len)
        });
        256 + self.credential_issuer.len() + 2 * strings(&self.credential_configuration_ids) + grant
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

/// [`PRE_AUTHORIZED_CODE_GRANT`] as a JSON string, percent-encoded (a test compares it with the encoder's).
const PRE_AUTHORIZED_CODE_GRANT_ESCAPED: &str = "%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22";

// The members come in the order of the spec's examples (the module's documentation), extensions last.

fn write_offer<E: Escaping>(object: &mut ObjectWriter<E>, offer: &CredentialOffer, dialect: Dialect) {
    object.string("credential_issuer", &offer.credential_issuer);
    if dialect.writes_credentials() || !offer.legacy_credentials.is_empty() {
        // The legacy list: the ids, then any inline descriptions.
        object.array("credentials", |entries| {
            for id in &offer.credential_configuration_ids {
                entries.string(id);
            }
            for description in &offer.legacy_credentials {
                entries.raw(description.as_json());
            }
        });
    }
    // An offer of inline descriptions only (draft 11) has no ids to write.
    let only_descriptions = offer.credential_configuration_ids.is_empty() && !offer.legacy_credentials.is_empty();
    if dialect.writes_ids() && !only_descriptions {
        object.strings("credential_configuration_ids", &offer.credential_configuration_ids);
    }
    if let Some(grants) = &offer.grants {
        object.object("grants", |members| write_grants(members, grants, dialect));
    }
    write_extensions(object, &offer.extensions);
}

fn write_grants<E: Escaping>(object: &mut ObjectWriter<E>, grants: &Grants, dialect: Dialect) {
    if let Some(grant) = &grants.authorization_code {
        object.object(AUTHORIZATION_CODE_GRANT, |members| write_authorization_code(members, grant));
    }
    if let Some(grant) = &grants.pre_authorized_code {
        object.object_escaped(PRE_AUTHORIZED_CODE_GRANT, PRE_AUTHORIZED_CODE_GRANT_ESCAPED, |members| {
            write_pre_authorized_code(members, grant, dialect)
        });
    }
    write_extensions(object, &grants.other);
}

fn write_authorization_code<E: Escaping>(object: &mut ObjectWriter<E>, grant: &AuthorizationCodeGrant) {
    if let Some(state) = &grant.issuer_state {
        object.string("issuer_state", state);
    }
    if let Some(server) = &grant.authorization_server {
        object.string("authorization_server", server);
    }
    write_extensions(object, &grant.extensions);
}

fn write_pre_authorized_code<E: Escaping>(
    object: &mut ObjectWriter<E>,
    grant: &PreAuthorizedCodeGrant,
    dialect: Dialect,
) {
    object.string("pre-authorized_code", &grant.pre_authorized_code);
    match (&grant.tx_code, dialect) {
        (Some(_), Dialect::Draft11) => object.raw("user_pin_required", "true"),
        (Some(tx_code), _) => object.object("tx_code", |members| write_tx_code(members, tx_code)),
        (None, _) => {}
    }
    if let Some(server) = &grant.authorization_server {
        object.string("authorization_server", server);
    }
    write_extensions(object, &grant.extensions);
}

fn write_tx_code<E: Escaping>(object: &mut ObjectWriter<E>, tx_code: &TxCode) {
    if let Some(length) = tx_code.length {
        object.number("length", length);
    }
    if let Some(mode) = tx_code.input_mode {
        object.string("input_mode", mode.as_str());
    }
    if let Some(description) = &tx_code.description {
        object.string("description", description);
    }
    write_extensions(object, &tx_code.extensions);
}

/// Members the spec does not define, in name order, each value as it came.
fn write_extensions<E: Escaping>(object: &mut ObjectWriter<E>, extensions: &JsonMembers) {
    for (name, value) in extensions {
        object.escaped_name(name);
        object.raw_value(value.as_json());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::JsonValue;
    use crate::offer::OfferBuilder;
    use crate::url::percent_encode;

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
    fn every_member_is_written_in_order_and_escaped_as_serde_json_escapes() {
        let value = |json: &str| JsonValue::from_json(json).unwrap();
        let members =
            |pairs: &[(&str, &str)]| pairs.iter().map(|&(name, json)| (name.to_owned(), value(json))).collect();
        let odd = "q\"b\\n\n\u{1}é𝄞";
        let offer = CredentialOffer {
            credential_issuer: format!("https://i.example/{odd}"),
            credential_configuration_ids: vec![odd.to_owned(), "b".to_owned()],
            legacy_credentials: vec![value(r#"{"format": "ldp_vc"}"#)],
            grants: Some(Grants {
                authorization_code: Some(AuthorizationCodeGrant {
                    issuer_state: Some(odd.to_owned()),
                    authorization_server: Some("https://as.example".to_owned()),
                    extensions: members(&[("x", "[1,2.50]")]),
                }),
                pre_authorized_code: Some(PreAuthorizedCodeGrant {
                    pre_authorized_code: "c".to_owned(),
                    tx_code: Some(TxCode {
                        input_mode: Some(InputMode::Text),
                        length: Some(4_000_000_000),
                        description: Some(odd.to_owned()),
                        extensions: members(&[("z", "null")]),
                    }),
                    authorization_server: Some("https://as2.example".to_owned()),
                    extensions: members(&[("interval", "5")]),
                }),
                other: members(&[("urn:x", "{}")]),
            }),
            extensions: members(&[(odd, "true"), ("a", r#""\u00e9""#)]),
        };
        let escaped = serde_json::to_string(odd).unwrap();
        assert_eq!(escaped, r#""q\"b\\n\n\u0001é𝄞""#);
        assert_eq!(
            offer.to_json_lenient(Dialect::Mattr).unwrap(),
            format!(
                r#"{{"credential_issuer":"https://i.example/{inner}","credentials":[{escaped},"b",{{"format":"ldp_vc"}}],"credential_configuration_ids":[{escaped},"b"],"grants":{{"authorization_code":{{"issuer_state":{escaped},"authorization_server":"https://as.example","x":[1,2.50]}},"urn:ietf:params:oauth:grant-type:pre-authorized_code":{{"pre-authorized_code":"c","tx_code":{{"length":4000000000,"input_mode":"text","description":{escaped},"z":null}},"authorization_server":"https://as2.example","interval":5}},"urn:x":{{}}}},"a":"\u00e9",{escaped}:true}}"#,
                inner = escaped.trim_matches('"'),
            )
        );
        let plain = pre_auth(Some(TxCode { length: Some(6), ..TxCode::default() }));
        for offer in [&offer, &plain] {
            for dialect in Dialect::ALL {
                let json =
                    offer.to_json_lenient(dialect).map(|json| format!("x:?credential_offer={}", percent_encode(&json)));
                let uri = offer.to_percent_encoded_lenient(&["x:?", "credential_offer="], dialect);
                assert_eq!(uri.as_ref().ok(), json.as_ref().ok(), "{dialect}");
                assert_eq!(uri.err().map(|e| e.to_string()), json.err().map(|e| e.to_string()), "{dialect}");
            }
        }
    }

    #[test]
    fn the_pre_authorized_grant_s_escaped_name_is_the_encoder_s() {
        let name = format!("\"{PRE_AUTHORIZED_CODE_GRANT}\"");
        assert_eq!(PRE_AUTHORIZED_CODE_GRANT_ESCAPED, percent_encode(&name));
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
