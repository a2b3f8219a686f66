//! What a wallet checks before trusting an offer: the Credential Issuer Metadata (OpenID4VCI 1.0 §12.2).
//!
//! The offer's origin is not authenticated (§13.5), so a wallet fetches the issuer's metadata from the
//! [well-known URL](well_known_metadata_url) and checks the offer against it: the issuer identical by
//! simple string comparison, every id a key of `credential_configurations_supported`, every
//! `authorization_server` one of `authorization_servers`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result, Warning, WarningCode};
use crate::json_read::{self, ValueSeed};
use crate::limits::{MAX_METADATA_BYTES, too_long};
use crate::offer::{AUTH_CODE_FIELD, CredentialOffer, PRE_AUTH_FIELD};
use crate::url::{UrlRole, check_https_url};

const WELL_KNOWN: &str = "/.well-known/openid-credential-issuer";

/// The metadata URL of an issuer: `/.well-known/openid-credential-issuer` inserted between the host and
/// the path (§12.2.2), so a trailing slash or a tenant path is kept.
///
/// ```
/// use credoffer::metadata::well_known_metadata_url;
///
/// assert_eq!(
///     well_known_metadata_url("https://issuer.example.com/tenant")?,
///     "https://issuer.example.com/.well-known/openid-credential-issuer/tenant"
/// );
/// assert_eq!(
///     well_known_metadata_url("https://issuer.example.com")?,
///     "https://issuer.example.com/.well-known/openid-credential-issuer"
/// );
/// # Ok::<(), credoffer::Error>(())
/// ```
pub fn well_known_metadata_url(credential_issuer: &str) -> Result<String> {
    well_known_url(credential_issuer, false)
}

pub(crate) fn well_known_url(credential_issuer: &str, allow_insecure_http: bool) -> Result<String> {
    check_https_url(credential_issuer, "credential_issuer", allow_insecure_http, UrlRole::Issuer)?;
    let scheme_end = credential_issuer.find("://").map_or(0, |i| i + 3);
    let path_start = credential_issuer
        .get(scheme_end..)
        .and_then(|rest| rest.find('/'))
        .map_or(credential_issuer.len(), |i| i + scheme_end);
    let (origin, path) = credential_issuer.split_at(path_start);
    Ok(format!("{origin}{WELL_KNOWN}{path}"))
}

/// The parts of Credential Issuer Metadata that offers are checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuerMetadata {
    /// The issuer identifier the metadata claims.
    pub credential_issuer: String,
    /// `authorization_servers`, when the issuer names any.
    pub authorization_servers: Option<Vec<String>>,
    /// Each supported configuration id and its `format`.
    pub formats: BTreeMap<String, String>,
    /// What names each configuration's credential type, for matching draft 11 inline descriptions, in id
    /// order. A list, not a map: it is only ever scanned, and another map type would cost the WebAssembly
    /// build kilobytes.
    kinds: Vec<(String, CredentialKind)>,
}

/// What names a credential's type, in the shape of any draft: the members draft 11 offers describe
/// credentials with, and the ones 1.0 metadata describes configurations with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct CredentialKind {
    /// The format, with `vc+sd-jwt` (drafts up to 14) read as `dc+sd-jwt` (its 1.0 name).
    format: String,
    /// `doctype` (ISO mdoc).
    doctype: Option<String>,
    /// `vct` (SD-JWT VC).
    vct: Option<String>,
    /// `scope` (metadata only: what the authorization code flow asks for).
    scope: Option<String>,
    /// The W3C types: `credential_definition.type` (1.0, draft 13), `credential_definition.types` or a
    /// top-level `types` (draft 11), sorted and each once: their order carries no meaning.
    types: Option<Vec<String>>,
}

impl CredentialKind {
    fn read(object: &Map<String, Value>) -> Option<Self> {
        let format = object.get("format")?.as_str()?;
        let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
        let definition = object.get("credential_definition").and_then(Value::as_object);
        let types =
            [definition.and_then(|d| d.get("type")), definition.and_then(|d| d.get("types")), object.get("types")]
                .into_iter()
                .flatten()
                .find_map(Value::as_array)
                .map(|types| {
                    // Kept sorted as they come in: a sort would bring the standard library's sort code into
                    // the WebAssembly build (kilobytes) for lists of a few names.
                    let mut sorted: Vec<String> = Vec::with_capacity(types.len());
                    for name in types.iter().filter_map(Value::as_str) {
                        if let Err(at) = sorted.binary_search_by(|held| held.as_str().cmp(name)) {
                            sorted.insert(at, name.to_owned());
                        }
                    }
                    sorted
                });
        Some(Self {
            format: if format == "vc+sd-jwt" { "dc+sd-jwt".to_owned() } else { format.to_owned() },
            doctype: text("doctype"),
            vct: text("vct"),
            scope: text("scope"),
            types,
        })
    }
}

fn same<T: PartialEq>(wanted: &Option<T>, offered: &Option<T>) -> bool {
    wanted.is_none() || wanted == offered
}

impl CredentialKind {
    fn names_a_type(&self) -> bool {
        self.doctype.is_some() || self.vct.is_some() || self.types.is_some()
    }

    /// Whether a configuration of this kind serves the `described` credential: the same format, and every
    /// type name the description gives, the same.
    fn serves(&self, described: &CredentialKind) -> bool {
        self.format == described.format
            && same(&described.doctype, &self.doctype)
            && same(&described.vct, &self.vct)
            && same(&described.types, &self.types)
    }
}

/// The result of a successful check: what a wallet will need next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetadataCheck {
    /// The format of each offered configuration, in offer order.
    pub formats: Vec<(String, String)>,
    /// Things the check could not confirm (inline legacy descriptions, which have no id) or that the spec
    /// forbids without making the offer unusable (an `authorization_server` hint beside a single server).
    pub warnings: Vec<Warning>,
}

impl IssuerMetadata {
    /// Reads the metadata JSON an issuer serves (at most [`MAX_METADATA_BYTES`]).
    pub fn from_json(json: &str) -> Result<Self> {
        if json.len() > MAX_METADATA_BYTES {
            return Err(too_long("the metadata", json.len(), MAX_METADATA_BYTES));
        }
        let value = json_read::value(json, ValueSeed::LAST_WINS)
            .map_err(|e| Error::new(ErrorKind::InvalidMetadata, format!("the metadata is not valid JSON: {e}")))?;
        let Value::Object(members) = value else {
            return Err(Error::new(ErrorKind::InvalidMetadata, "the metadata is not a JSON object"));
        };
        Self::from_object(&members)
    }

    fn from_object(members: &Map<String, Value>) -> Result<Self> {
        let invalid = |field: &str, message: &str| Error::new(ErrorKind::InvalidMetadata, message.to_owned()).at(field);
        let credential_issuer = match members.get("credential_issuer") {
            Some(Value::String(issuer)) => issuer.clone(),
            _ => return Err(invalid("credential_issuer", "the metadata has no credential_issuer string")),
        };
        let authorization_servers = match members.get("authorization_servers") {
            None | Some(Value::Null) => None,
            Some(Value::Array(servers)) => Some(
                servers
                    .iter()
                    .map(|server| server.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| invalid("authorization_servers", "authorization_servers must hold strings"))?,
            ),
            Some(_) => return Err(invalid("authorization_servers", "authorization_servers must be an array")),
        };
        let Some(Value::Object(supported)) = members.get("credential_configurations_supported") else {
            return Err(invalid(
                "credential_configurations_supported",
                "the metadata has no credential_configurations_supported object",
            ));
        };
        // Every configuration names its format (REQUIRED): one without makes the whole document invalid.
        // Inserted one by one: collecting into a map sorts first, and the sort's code costs the WebAssembly
        // build kilobytes.
        let mut formats = BTreeMap::new();
        for (id, configuration) in supported {
            let Some(format) = configuration.get("format").and_then(Value::as_str) else {
                return Err(invalid(
                    &format!("credential_configurations_supported.{id}.format"),
                    "a credential configuration has no format string",
                ));
            };
            formats.insert(id.clone(), format.to_owned());
        }
        if let Some(id) = supported.iter().find_map(|(id, configuration)| {
            configuration.get("scope").is_some_and(|scope| !scope.is_string()).then_some(id)
        }) {
            return Err(invalid(
                &format!("credential_configurations_supported.{id}.scope"),
                "a credential configuration's scope must be a string",
            ));
        }
        let kinds = supported
            .iter()
            .filter_map(|(id, configuration)| Some((id.clone(), CredentialKind::read(configuration.as_object()?)?)))
            .collect();
        Ok(Self { credential_issuer, authorization_servers, formats, kinds })
    }

    /// The `scope` of a configuration, when the metadata gives it one (the authorization code flow asks
    /// for it, and HAIP requires one for every configuration).
    pub fn scope(&self, configuration_id: &str) -> Option<&str> {
        self.kinds.iter().find(|(id, _)| id == configuration_id).and_then(|(_, kind)| kind.scope.as_deref())
    }

    /// The offer with each inline credential description (drafts 9 to 12) replaced by the id of the one
    /// configuration that serves it, so that the offer is complete 1.0 data: the same format (`vc+sd-jwt`
    /// is `dc+sd-jwt`), and the same `doctype`, `vct` or set of W3C types as the description gives.
    ///
    /// A description that names no type, that no configuration serves, or that several serve is an error
    /// naming the entry. Resolved ids follow the offer's own ids, each once.
    ///
    /// ```
    /// use credoffer::{parse_offer_json, IssuerMetadata, ParseOptions};
    ///
    /// let metadata = IssuerMetadata::from_json(r#"{
    ///     "credential_issuer": "https://issuer.example.com",
    ///     "credential_configurations_supported": {
    ///         "mdl": {"format": "mso_mdoc", "doctype": "org.iso.18013.5.1.mDL"},
    ///         "pid": {"format": "dc+sd-jwt", "vct": "urn:eudi:pid:1"}}
    /// }"#)?;
    /// let parsed = parse_offer_json(r#"{"credential_issuer": "https://issuer.example.com",
    ///     "credentials": [{"format": "vc+sd-jwt", "vct": "urn:eudi:pid:1"}]}"#, &ParseOptions::default())?;
    /// let offer = metadata.resolve_credential_descriptions(&parsed.offer)?;
    /// assert_eq!(offer.credential_configuration_ids, ["pid"]);
    /// assert!(offer.legacy_credentials.is_empty());
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn resolve_credential_descriptions(&self, offer: &CredentialOffer) -> Result<CredentialOffer> {
        let mut resolved = offer.clone();
        resolved.legacy_credentials.clear();
        for (index, description) in offer.legacy_credentials.iter().enumerate() {
            let field = || format!("credentials[{index}]");
            let described = Some(description.to_value())
                .as_ref()
                .and_then(Value::as_object)
                .and_then(CredentialKind::read)
                .filter(CredentialKind::names_a_type)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::UnknownCredentialConfiguration,
                        "the inline credential description names no format with a doctype, vct or types, so \
                         no configuration can be matched to it",
                    )
                    .at(field())
                })?;
            let mut serving = self.kinds.iter().filter(|(_, kind)| kind.serves(&described)).map(|(id, _)| id);
            let id = match (serving.next(), serving.next()) {
                (Some(id), None) => id,
                (None, _) => {
                    return Err(Error::new(
                        ErrorKind::UnknownCredentialConfiguration,
                        "no configuration of the issuer's metadata serves the inline credential description",
                    )
                    .at(field()));
                }
                (Some(first), Some(second)) => {
                    return Err(Error::new(
                        ErrorKind::AmbiguousCredentialDescription,
                        format!(
                            "the inline credential description matches several configurations ({first:?}, \
                             {second:?}); the metadata cannot say which is meant"
                        ),
                    )
                    .at(field()));
                }
            };
            if !resolved.credential_configuration_ids.contains(id) {
                resolved.credential_configuration_ids.push(id.clone());
            }
        }
        Ok(resolved)
    }

    /// Checks an offer against this metadata.
    ///
    /// ```
    /// use credoffer::{CredentialOffer, IssuerMetadata};
    ///
    /// let metadata = IssuerMetadata::from_json(r#"{
    ///     "credential_issuer": "https://issuer.example.com",
    ///     "credential_configurations_supported": {"mdl": {"format": "mso_mdoc"}}
    /// }"#)?;
    /// let offer = CredentialOffer::builder("https://issuer.example.com").credential_configuration_id("mdl").build()?;
    /// let check = metadata.check(&offer)?;
    /// assert_eq!(check.formats, [("mdl".to_owned(), "mso_mdoc".to_owned())]);
    ///
    /// let other = CredentialOffer::builder("https://issuer.example.com/").credential_configuration_id("mdl").build()?;
    /// assert_eq!(metadata.check(&other).unwrap_err().code(), "issuer_mismatch");
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn check(&self, offer: &CredentialOffer) -> Result<MetadataCheck> {
        if offer.credential_issuer != self.credential_issuer {
            return Err(Error::new(
                ErrorKind::IssuerMismatch,
                format!(
                    "the offer names issuer {:?} but the metadata says {:?}; they must be identical",
                    offer.credential_issuer, self.credential_issuer
                ),
            )
            .at("credential_issuer"));
        }
        let mut formats = Vec::with_capacity(offer.credential_configuration_ids.len());
        for (index, id) in offer.credential_configuration_ids.iter().enumerate() {
            let Some(format) = self.formats.get(id) else {
                return Err(Error::new(
                    ErrorKind::UnknownCredentialConfiguration,
                    format!("the issuer does not support credential configuration {id:?}"),
                )
                .at(format!("credential_configuration_ids[{index}]")));
            };
            formats.push((id.clone(), format.clone()));
        }
        let grants = [
            (offer.authorization_code_grant().and_then(|g| g.authorization_server.as_deref()), AUTH_CODE_FIELD),
            (offer.pre_authorized_code_grant().and_then(|g| g.authorization_server.as_deref()), PRE_AUTH_FIELD),
        ];
        let mut warnings = Vec::new();
        for (server, grant_field) in grants {
            let Some(server) = server else { continue };
            let listed = self.authorization_servers.as_deref().unwrap_or_default();
            if !listed.iter().any(|s| s == server) {
                return Err(Error::new(
                    ErrorKind::UnknownAuthorizationServer,
                    format!("authorization server {server:?} is not among the metadata's authorization_servers"),
                )
                .at(format!("{grant_field}.authorization_server")));
            }
            // §4.1.1: the hint is for metadata listing several servers, and "MUST NOT be used otherwise".
            if listed.len() == 1 {
                warnings.push(
                    Warning::new(
                        WarningCode::NeedlessAuthorizationServer,
                        "the metadata lists one authorization server, so the offer must not name it",
                    )
                    .at(format!("{grant_field}.authorization_server")),
                );
            }
        }
        if !offer.legacy_credentials.is_empty() {
            warnings.push(
                Warning::new(
                    WarningCode::LegacyCredentialDescription,
                    "inline credential descriptions have no id and were not checked against the metadata",
                )
                .at("credentials"),
            );
        }
        Ok(MetadataCheck { formats, warnings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offer::OfferBuilder;

    const METADATA: &str = r#"{"credential_issuer":"https://i.example/t","authorization_servers":["https://as.example"],
        "credential_configurations_supported":{"a":{"format":"mso_mdoc"},"b":{"format":"dc+sd-jwt"}}}"#;

    #[test]
    fn well_known_urls() {
        let url = |issuer: &str| well_known_metadata_url(issuer).map_err(|e| e.code());
        assert_eq!(url("https://i.example/"), Ok("https://i.example/.well-known/openid-credential-issuer/".into()));
        assert_eq!(
            url("https://i.example:8443/a/b"),
            Ok("https://i.example:8443/.well-known/openid-credential-issuer/a/b".into())
        );
        assert_eq!(url("http://i.example"), Err("insecure_url"));
        assert_eq!(
            well_known_url("http://localhost:3000", true).unwrap(),
            "http://localhost:3000/.well-known/openid-credential-issuer"
        );
    }

    #[test]
    fn checks() {
        let metadata = IssuerMetadata::from_json(METADATA).unwrap();
        let offer = |ids: &[&str], server: Option<&str>| {
            let mut builder =
                OfferBuilder::new("https://i.example/t").credential_configuration_ids(ids.iter().copied());
            if let Some(server) = server {
                builder = builder.pre_authorized_code("c").pre_authorized_code_server(server);
            }
            builder.build().unwrap()
        };
        let check = metadata.check(&offer(&["b", "a"], Some("https://as.example"))).unwrap();
        assert_eq!(check.formats[0], ("b".to_owned(), "dc+sd-jwt".to_owned()));
        let err = metadata.check(&offer(&["a", "zz"], None)).unwrap_err();
        assert_eq!(
            (err.code(), err.field()),
            ("unknown_credential_configuration", Some("credential_configuration_ids[1]"))
        );
        let err = metadata.check(&offer(&["a"], Some("https://other.example"))).unwrap_err();
        assert_eq!(err.code(), "unknown_authorization_server");
    }

    #[test]
    fn a_resolved_offer_no_longer_warns_of_unresolved_descriptions() {
        let metadata = IssuerMetadata::from_json(
            r#"{"credential_issuer":"https://i.example/t","credential_configurations_supported":
                {"a":{"format":"mso_mdoc","doctype":"org.iso.18013.5.1.mDL"},"b":{"format":"dc+sd-jwt"}}}"#,
        )
        .unwrap();
        let json = r#"{"credential_issuer":"https://i.example/t","credentials":[{"format":"mso_mdoc","doctype":"org.iso.18013.5.1.mDL"}]}"#;
        let parsed = crate::parse_offer_json(json, &crate::ParseOptions::default()).unwrap();
        let codes = |parsed: &crate::ParsedOffer| parsed.warnings.iter().map(Warning::code).collect::<Vec<_>>();
        assert_eq!(codes(&parsed), ["legacy_shape", "legacy_credential_description"]);
        let resolved = parsed.resolve(&metadata).unwrap();
        assert_eq!(codes(&resolved), ["legacy_shape"]);
        assert_eq!(resolved.offer.credential_configuration_ids, ["a"]);
        // A configuration without a doctype, vct or types serves no description.
        assert_eq!((metadata.scope("a"), metadata.scope("nope")), (None, None));
        let (id, b) = &metadata.kinds[1];
        assert!(id == "b" && b.types.is_none() && !b.names_a_type());
    }

    #[test]
    fn bad_metadata() {
        for json in [
            "[]",
            "{",
            r#"{"credential_issuer":1}"#,
            r#"{"credential_issuer":"https://a"}"#,
            r#"{"credential_issuer":"https://a","credential_configurations_supported":{},"authorization_servers":[1]}"#,
            r#"{"credential_issuer":"https://a","credential_configurations_supported":{"x":{"format":"f","scope":1}}}"#,
        ] {
            assert_eq!(IssuerMetadata::from_json(json).unwrap_err().code(), "invalid_metadata", "{json}");
        }
    }
}
