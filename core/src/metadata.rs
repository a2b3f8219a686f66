//! What a wallet checks before trusting an offer: the Credential Issuer Metadata (OpenID4VCI 1.0 §12.2).
//!
//! The offer's origin is not authenticated (§13.5), so a wallet fetches the issuer's metadata from the
//! [well-known URL](well_known_metadata_url) and checks the offer against it: the issuer identical by
//! simple string comparison, every id a key of `credential_configurations_supported`, every
//! `authorization_server` one of `authorization_servers`.

use std::borrow::Cow;

use serde_json::value::RawValue;

use crate::error::{Error, ErrorKind, Result, Warning, WarningCode};
use crate::json::{raw_entries, read_string, sort_names};
use crate::json_read::{self, ReadError};
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
    // The check leaves `https://` or `http://` at the start, so the first ':' ends the scheme (a character
    // pattern: a text one would link the standard library's two-way searcher for this line).
    let scheme_end = credential_issuer.find(':').map_or(0, |i| i + 3);
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
    pub formats: ConfigurationFormats,
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
    fn read(object: &Object<'_>) -> Option<Self> {
        let format = object.string("format")?;
        let definition = object.object("credential_definition");
        let candidates = [
            definition.as_ref().and_then(|d| d.get("type")),
            definition.as_ref().and_then(|d| d.get("types")),
            object.get("types"),
        ];
        let types = candidates.into_iter().find_map(|candidate| candidate.and_then(array)).map(|list| {
            // Kept sorted as they come in: these lists hold a few names.
            let mut sorted: Vec<String> = Vec::with_capacity(list.len());
            for name in list {
                let Some(name) = read_string(name.get()) else { continue };
                if let Err(at) = sorted.binary_search(&name) {
                    sorted.insert(at, name);
                }
            }
            sorted
        });
        Some(Self {
            format: if format == "vc+sd-jwt" { "dc+sd-jwt".to_owned() } else { format },
            doctype: object.string("doctype"),
            vct: object.string("vct"),
            scope: object.string("scope"),
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
        let invalid_json =
            |e: ReadError| Error::new(ErrorKind::InvalidMetadata, format!("the metadata is not valid JSON: {e}"));
        let Some(members) = Object::read(json).map_err(invalid_json)? else {
            json_read::raw(json).map_err(invalid_json)?;
            return Err(Error::new(ErrorKind::InvalidMetadata, "the metadata is not a JSON object"));
        };
        Self::from_object(&members)
    }

    fn from_object(members: &Object<'_>) -> Result<Self> {
        let invalid = |field: &str, message: &str| Error::new(ErrorKind::InvalidMetadata, message.to_owned()).at(field);
        let Some(credential_issuer) = members.string("credential_issuer") else {
            return Err(invalid("credential_issuer", "the metadata has no credential_issuer string"));
        };
        let authorization_servers = match members.get("authorization_servers") {
            None => None,
            Some(servers) if servers.get() == "null" => None,
            Some(servers) => {
                let Some(entries) = array(servers) else {
                    return Err(invalid("authorization_servers", "authorization_servers must be an array"));
                };
                let mut names = Vec::with_capacity(entries.len());
                for server in entries {
                    let Some(name) = read_string(server.get()) else {
                        return Err(invalid("authorization_servers", "authorization_servers must hold strings"));
                    };
                    names.push(name);
                }
                Some(names)
            }
        };
        let Some(supported) = members.object("credential_configurations_supported") else {
            return Err(invalid(
                "credential_configurations_supported",
                "the metadata has no credential_configurations_supported object",
            ));
        };
        let supported = supported.into_sorted();
        // Every configuration names its format (REQUIRED): one without makes the whole document invalid,
        // and is reported before a scope that is not a string, which is remembered on the way.
        let mut formats = Vec::with_capacity(supported.len());
        let mut kinds = Vec::new();
        let mut scope_not_a_string = None;
        for (id, configuration) in &supported {
            let read = Object::read(configuration.get()).ok().flatten();
            let Some((configuration, format)) = read.and_then(|c| c.string("format").map(|format| (c, format))) else {
                return Err(invalid(
                    &format!("credential_configurations_supported.{id}.format"),
                    "a credential configuration has no format string",
                ));
            };
            if scope_not_a_string.is_none()
                && configuration.get("scope").is_some_and(|scope| read_string(scope.get()).is_none())
            {
                scope_not_a_string = Some(id);
            }
            formats.push((id.clone(), format));
            if let Some(kind) = CredentialKind::read(&configuration) {
                kinds.push((id.clone(), kind));
            }
        }
        if let Some(id) = scope_not_a_string {
            return Err(invalid(
                &format!("credential_configurations_supported.{id}.scope"),
                "a credential configuration's scope must be a string",
            ));
        }
        Ok(Self { credential_issuer, authorization_servers, formats: ConfigurationFormats(formats), kinds })
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
        // Every member but the descriptions, which are not copied only to be dropped.
        let mut resolved = CredentialOffer {
            credential_issuer: offer.credential_issuer.clone(),
            credential_configuration_ids: offer.credential_configuration_ids.clone(),
            legacy_credentials: Vec::new(),
            grants: offer.grants.clone(),
            extensions: offer.extensions.clone(),
        };
        for (index, description) in offer.legacy_credentials.iter().enumerate() {
            let field = || format!("credentials[{index}]");
            let described = Object::read(description.as_json())
                .ok()
                .flatten()
                .as_ref()
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
            // The first two configurations that serve it.
            let (mut first, mut second) = (None, None);
            for (id, kind) in &self.kinds {
                if kind.serves(&described) {
                    if first.is_none() {
                        first = Some(id);
                    } else {
                        second = second.or(Some(id));
                    }
                }
            }
            let id = match (first, second) {
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

/// The configuration ids of Credential Issuer Metadata, each with its `format`, in id order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigurationFormats(Vec<(String, String)>);

impl ConfigurationFormats {
    /// The format of configuration `id`.
    pub fn get(&self, id: &str) -> Option<&String> {
        let index = self.0.binary_search_by(|(held, _)| held.as_str().cmp(id)).ok()?;
        self.0.get(index).map(|(_, format)| format)
    }

    /// Whether the metadata lists configuration `id`.
    pub fn contains_key(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// How many configurations there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each id with its format, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(id, format)| (id.as_str(), format.as_str()))
    }
}

/// One object of the metadata: its members in document order, each value as its text. A name given twice
/// means its last value, as serde_json reads it. Read afresh wherever it is looked into: metadata is read
/// once, not on every scan, and keeping no tree of values spares the WebAssembly build a map type.
struct Object<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> Object<'a> {
    /// The members of `json`, or `None` when it is JSON but not an object.
    fn read(json: &'a str) -> Result<Option<Self>, ReadError> {
        if !json.trim_start().starts_with('{') {
            return Ok(None);
        }
        raw_entries(json).map(|members| Some(Self(members)))
    }

    fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.0.iter().rev().find(|(held, _)| held == name).map(|(_, value)| *value)
    }

    /// Member `name`, when it is a string.
    fn string(&self, name: &str) -> Option<String> {
        self.get(name).and_then(|value| read_string(value.get()))
    }

    /// Member `name`, when it is an object.
    fn object(&self, name: &str) -> Option<Object<'a>> {
        self.get(name).and_then(|value| Object::read(value.get()).ok().flatten())
    }

    /// The members each once (with its last value), in name order.
    fn into_sorted(self) -> Vec<(String, &'a RawValue)> {
        let mut names: Vec<(String, usize)> = Vec::with_capacity(self.0.len());
        for (place, (name, _)) in self.0.iter().enumerate() {
            names.push((name.clone().into_owned(), place));
        }
        sort_names(&mut names);
        let mut members: Vec<(String, &RawValue)> = Vec::with_capacity(names.len());
        for (name, place) in names {
            let Some(&(_, value)) = self.0.get(place) else { continue };
            match members.last_mut() {
                // Places of one name come in order: the later one replaces the earlier.
                Some((held, held_value)) if *held == name => *held_value = value,
                _ => members.push((name, value)),
            }
        }
        members
    }
}

/// The entries of `value`, when it is an array.
fn array(value: &RawValue) -> Option<Vec<&RawValue>> {
    if !value.get().starts_with('[') {
        return None;
    }
    let entries = raw_entries(value.get()).ok()?;
    let mut elements = Vec::with_capacity(entries.len());
    for (_, element) in entries {
        elements.push(element);
    }
    Some(elements)
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
    fn formats_are_in_id_order_and_a_repeated_member_takes_its_last_value() {
        let metadata = IssuerMetadata::from_json(
            r#"{"credential_issuer":"https://x","credential_issuer":"https://i.example",
                "credential_configurations_supported":{"b":{"format":"one"},"a":{"format":"jwt_vc_json",
                "credential_definition":{"type":["VC","Degree","VC"]}},"b":{"format":"two","format":"mso_mdoc"}}}"#,
        )
        .unwrap();
        assert_eq!(metadata.credential_issuer, "https://i.example");
        assert_eq!(metadata.formats.iter().collect::<Vec<_>>(), [("a", "jwt_vc_json"), ("b", "mso_mdoc")]);
        assert_eq!((metadata.formats.len(), metadata.formats.is_empty()), (2, false));
        assert_eq!(metadata.formats.get("b").map(String::as_str), Some("mso_mdoc"));
        assert!(metadata.formats.contains_key("a") && !metadata.formats.contains_key("c"));
        let (id, a) = &metadata.kinds[0];
        assert_eq!((id.as_str(), a.types.as_deref()), ("a", Some(&["Degree".to_owned(), "VC".to_owned()][..])));
        let error = IssuerMetadata::from_json("1").unwrap_err();
        assert_eq!(error.message(), "the metadata is not a JSON object");
        let error = IssuerMetadata::from_json("[1,").unwrap_err();
        assert!(error.message().starts_with("the metadata is not valid JSON: EOF"), "{}", error.message());
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
