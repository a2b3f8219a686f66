//! The issuer engine as JSON in, JSON out: MATTR VII's three offer endpoints, serving offers by
//! reference, and the metadata check (the token endpoint is in `token.rs`). Records are JSON the host
//! stores anywhere.

use std::ffi::c_char;

use credoffer::{Issuer, IssuerConfig, IssuerMetadata, OfferEvent, OfferRecord, Transition};

use crate::boundary::{Out, Outcome, StringOut, Text, free_handle, guard, handle, into_handle, text};
use crate::error::credoffer_error;
use crate::secret::EntropySource;
use crate::status::credoffer_status;

/// An issuer (opaque): a checked configuration. Made by `credoffer_issuer_new`, freed by
/// `credoffer_issuer_free`. Safe to use from several threads at once.
#[derive(Debug)]
pub struct credoffer_issuer {
    issuer: Issuer,
}

impl credoffer_issuer {
    pub(crate) fn engine(&self) -> &Issuer {
        &self.issuer
    }
}

/// Reads an issuer configuration. The engine's reader never quotes a secret member's value in its errors.
fn read_config(json: &str) -> Outcome<IssuerConfig> {
    Ok(IssuerConfig::from_json(json)?)
}

/// Makes an issuer from its configuration JSON (camelCase members, absent ones take the engine's
/// defaults), e.g. `{"credentialIssuer": "https://issuer.example.com", "credentialConfigurations":
/// {"mdl": "mso_mdoc"}}`. `CREDOFFER_STATUS_INVALID_CONFIGURATION` when it is malformed or inconsistent;
/// the error never shows the value of a secret member (`hmacKeyHex`, `previousHmacKeysHex`).
///
/// # Safety
/// `config_json` points to `config_len` readable bytes; `out` is NULL or writable; `error` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_new(
    config_json: *const c_char,
    config_len: usize,
    out: *mut *mut credoffer_issuer,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = Out::required(out, "out")?.cleared();
        // SAFETY: forwarded from this function's contract.
        let config = unsafe { text(config_json, config_len, "config_json") }?;
        let issuer = Issuer::new(read_config(config)?)?;
        out.write(into_handle(credoffer_issuer { issuer }));
        Ok(())
    })
}

/// Frees an issuer. NULL is ignored.
///
/// # Safety
/// `issuer` is NULL or an issuer from this library, not freed before and not used after.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_free(issuer: *mut credoffer_issuer) {
    // SAFETY: forwarded from this function's contract.
    unsafe { free_handle(issuer) }
}

/// Reads a stored record.
pub(crate) fn record(json: &str) -> Outcome<OfferRecord> {
    Ok(OfferRecord::from_json(json)?)
}

/// `POST /v1/openid/offers`: an authorization code offer from the request body
/// (`{"credentials": [...], "request_parameters"?: {...}}`, as MATTR names them). `*response_json` is the response body
/// (`{"uri", "issuerState"?}`). On `CREDOFFER_STATUS_VALIDATION_FAILED` and other request errors, answer
/// with `credoffer_error_http_status` and `credoffer_error_mattr_json`. Entropy as for
/// `credoffer_generate_pre_authorized_code` (NULL: the system CSPRNG).
///
/// # Safety
/// `issuer` is NULL or a live issuer; `body` points to `body_len` readable bytes; `entropy` is NULL
/// or points to `entropy_len` readable bytes; `response_json` and `response_len` are NULL or writable;
/// `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_create_authorization_offer(
    issuer: *const credoffer_issuer,
    body: *const c_char,
    body_len: usize,
    entropy: *const u8,
    entropy_len: usize,
    response_json: *mut *mut c_char,
    response_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let response = StringOut::new(response_json, response_len, "response_json")?;
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { handle(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let body = unsafe { text(body, body_len, "body") }?;
        // SAFETY: forwarded from this function's contract.
        let mut source = unsafe { EntropySource::read(entropy, entropy_len) }?;
        let offer = issuer.issuer.create_authorization_offer_json(body, source.as_dyn())?;
        response.write(offer.to_json())
    })
}

/// `POST /v1/openid/offers/pre-authorized`: a pre-authorized offer from the request body
/// (`{"credentials", "userId"?, "transactionCodeConfiguration"?, "claims"?, "claimsToPersist"?,
/// "expiresIn"?}`) at `now` (Unix seconds). `*response_json` is the response body (`{"id", "userId",
/// "uri", "expiresAt", "transactionCode"?}`: the transaction code is a secret for the user, on another
/// channel); `*record_json` is the record to store (no secret in plain text) and, when `event_json` is
/// not NULL, `*event_json` its `offer.created` event. Free each with `credoffer_string_free`.
///
/// # Safety
/// `issuer` is NULL or a live issuer; `body` points to `body_len` readable bytes; `entropy` is NULL
/// or points to `entropy_len` readable bytes; the out-parameters are NULL or writable; `error` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_create_pre_authorized_offer(
    issuer: *const credoffer_issuer,
    body: *const c_char,
    body_len: usize,
    now: u64,
    entropy: *const u8,
    entropy_len: usize,
    response_json: *mut *mut c_char,
    response_len: *mut usize,
    record_json: *mut *mut c_char,
    record_len: *mut usize,
    event_json: *mut *mut c_char,
    event_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let response = StringOut::new(response_json, response_len, "response_json")?;
        let changed = ChangeOut::new(record_json, record_len, "record_json", event_json, event_len)?;
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { handle(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let body = unsafe { text(body, body_len, "body") }?;
        // SAFETY: forwarded from this function's contract.
        let mut source = unsafe { EntropySource::read(entropy, entropy_len) }?;
        let offer = issuer.issuer.create_pre_authorized_offer_json(body, now, source.as_dyn())?;
        let response_text = Text::new(offer.response.to_json())?;
        changed.write(&offer.record, &offer.event)?;
        response.write_text(response_text);
        Ok(())
    })
}

/// `DELETE /v1/openid/offers/pre-authorized/{id}` at `now` (Unix seconds): `*next_record_json` is the
/// record to store (the offer can never be redeemed afterwards) and, when `event_json` is not NULL,
/// `*event_json` its `offer.deleted` event. `CREDOFFER_STATUS_OFFER_NOT_FOUND` (HTTP 404) for an offer
/// deleted before.
///
/// # Safety
/// `issuer` is NULL or a live issuer; `record_json` points to `record_len` readable bytes; the
/// out-parameters are NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_delete(
    issuer: *const credoffer_issuer,
    record_json: *const c_char,
    record_len: usize,
    now: u64,
    next_record_json: *mut *mut c_char,
    next_record_len: *mut usize,
    event_json: *mut *mut c_char,
    event_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    let outs = (next_record_json, next_record_len, event_json, event_len);
    // SAFETY: forwarded from this function's contract.
    unsafe {
        change_record(issuer, record_json, record_len, outs, error, |issuer, stored| {
            Ok(Some(issuer.delete(stored, now)?))
        })
    }
}

/// Serves an offer by reference: `token` is the reference token from the offer URL's path, `*offer_json`
/// the offer JSON to answer `GET` with, `*next_record_json` the record to store (the fetch counted) and,
/// when `event_json` is not NULL, `*event_json` its `offer.fetched` event. Served until the offer is
/// redeemed, invalidated, deleted or expired (or the configured `maxOfferFetches` is reached);
/// `CREDOFFER_STATUS_OFFER_NOT_FOUND` then, and for a wrong token. The first fetch to meet an unreported
/// expiry reports it: with `CREDOFFER_STATUS_OFFER_NOT_FOUND`, `*next_record_json` (and `*event_json`,
/// `offer.expired`) are then set, to store as any change; on every other failure they are NULL.
///
/// # Safety
/// `issuer` is NULL or a live issuer; `record_json` and `token` point to their lengths in readable
/// bytes; the out-parameters are NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_serve_offer(
    issuer: *const credoffer_issuer,
    record_json: *const c_char,
    record_len: usize,
    token: *const c_char,
    token_len: usize,
    now: u64,
    offer_json: *mut *mut c_char,
    offer_len: *mut usize,
    next_record_json: *mut *mut c_char,
    next_record_len: *mut usize,
    event_json: *mut *mut c_char,
    event_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let offer_out = StringOut::new(offer_json, offer_len, "offer_json")?;
        let changed = ChangeOut::new(next_record_json, next_record_len, "next_record_json", event_json, event_len)?;
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { handle(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let stored = record(unsafe { text(record_json, record_len, "record_json") }?)?;
        // SAFETY: forwarded from this function's contract.
        let token = unsafe { text(token, token_len, "token") }?;
        let served = match issuer.issuer.serve_offer(&stored, token, now) {
            Ok(served) => served,
            Err(refusal) => {
                if let Some(expired) = &refusal.expired {
                    changed.write(&expired.record, &expired.event)?;
                }
                return Err(refusal.error.into());
            }
        };
        let offer_text = Text::new(served.json.expose().to_owned())?;
        changed.write(&served.record, &served.event)?;
        offer_out.write_text(offer_text);
        Ok(())
    })
}

/// Reports an offer that expired before it was redeemed, once, for a host's periodic sweep of its live
/// records: when `record_json` is active, past its expiry at `now` (Unix seconds) and not reported yet,
/// `*next_record_json` is the record to store (marked reported) and, when `event_json` is not NULL,
/// `*event_json` its `offer.expired` event; otherwise both are NULL and there is nothing to do. (The token
/// endpoint reports an expiry it meets itself.)
///
/// # Safety
/// `issuer` is NULL or a live issuer; `record_json` points to `record_len` readable bytes; the
/// out-parameters are NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_check_expiry(
    issuer: *const credoffer_issuer,
    record_json: *const c_char,
    record_len: usize,
    now: u64,
    next_record_json: *mut *mut c_char,
    next_record_len: *mut usize,
    event_json: *mut *mut c_char,
    event_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    let outs = (next_record_json, next_record_len, event_json, event_len);
    // SAFETY: forwarded from this function's contract.
    unsafe {
        change_record(issuer, record_json, record_len, outs, error, |issuer, stored| {
            Ok(issuer.check_expiry(stored, now))
        })
    }
}

/// The out-parameters of a change to a stored record: the next record (required) and its event (optional).
type ChangeOutParameters = (*mut *mut c_char, *mut usize, *mut *mut c_char, *mut usize);

/// A call that reads a stored record and may change it: writes the change `apply` gives (nothing for `None`).
///
/// # Safety
/// As the calling function's: `issuer` is NULL or a live issuer; `record_json` points to `record_len`
/// readable bytes; the out-parameters are NULL or writable; `error` is NULL or writable.
unsafe fn change_record(
    issuer: *const credoffer_issuer,
    record_json: *const c_char,
    record_len: usize,
    (next_record_json, next_record_len, event_json, event_len): ChangeOutParameters,
    error: *mut *mut credoffer_error,
    apply: impl FnOnce(&Issuer, &OfferRecord) -> credoffer::Result<Option<Transition>>,
) -> credoffer_status {
    guard(error, || {
        let changed = ChangeOut::new(next_record_json, next_record_len, "next_record_json", event_json, event_len)?;
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { handle(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let stored = record(unsafe { text(record_json, record_len, "record_json") }?)?;
        match apply(&issuer.issuer, &stored)? {
            Some(change) => changed.write(&change.record, &change.event),
            None => Ok(()),
        }
    })
}

/// An offer's status at `now` (Unix seconds), for `GET /v1/openid/offers/pre-authorized/{id}`:
/// `*status_json` is `{"id", "userId", "state": "active" | "redeemed" | "invalidated" | "deleted" |
/// "expired", "credentials", "createdAt", "expiresAt", "fetchCount", "firstFetchedAt"?, "lastFetchedAt"?,
/// "redeemedAt"?, "invalidatedAt"?, "deletedAt"?, "replayedAt"?, "failedAttemptsLeft"}`, times in RFC 3339
/// with milliseconds; no secret. Free it with `credoffer_string_free`; `status_len` may be NULL.
///
/// # Safety
/// `record_json` points to `record_len` readable bytes; `status_json` and `status_len` are NULL or
/// writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_status(
    record_json: *const c_char,
    record_len: usize,
    now: u64,
    status_json: *mut *mut c_char,
    status_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(status_json, status_len, "status_json")?;
        // SAFETY: forwarded from this function's contract.
        let stored = record(unsafe { text(record_json, record_len, "record_json") }?)?;
        out.write(stored.status(now).to_json())
    })
}

/// The out-parameters of a change: the next record (required) and its event (optional).
struct ChangeOut {
    record: StringOut,
    event: Option<StringOut>,
}

impl ChangeOut {
    fn new(
        record_json: *mut *mut c_char,
        record_len: *mut usize,
        record_argument: &'static str,
        event_json: *mut *mut c_char,
        event_len: *mut usize,
    ) -> Outcome<Self> {
        let record = StringOut::new(record_json, record_len, record_argument)?;
        Ok(Self { record, event: StringOut::optional(event_json, event_len) })
    }

    /// Converts both before either is handed over: a call writes all of its results or none. (A call with
    /// a further result converts it first and hands it over after this succeeds.)
    fn write(self, record: &OfferRecord, event: &OfferEvent) -> Outcome {
        let (record, event) = (Text::new(record.to_json())?, Text::new(event.to_json())?);
        self.record.write_text(record);
        if let Some(out) = self.event {
            out.write_text(event);
        }
        Ok(())
    }
}

/// Checks that the issuer's metadata JSON (what it serves at `credoffer_well_known_url`) describes this
/// issuer: the same `credential_issuer`, byte for byte, and every configured credential configuration
/// listed with the issuer's format. `CREDOFFER_STATUS_OK` when it does; otherwise the first difference
/// (`CREDOFFER_STATUS_ISSUER_MISMATCH`, `CREDOFFER_STATUS_UNKNOWN_CREDENTIAL_CONFIGURATION`,
/// `CREDOFFER_STATUS_INVALID_METADATA`) with the field concerned. Run it at start-up.
///
/// # Safety
/// `issuer` is NULL or a live issuer; `metadata_json` points to `metadata_len` readable bytes; `error`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_check_metadata(
    issuer: *const credoffer_issuer,
    metadata_json: *const c_char,
    metadata_len: usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { handle(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let metadata = unsafe { text(metadata_json, metadata_len, "metadata_json") }?;
        Ok(issuer.issuer.check_metadata(&IssuerMetadata::from_json(metadata)?)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";

    fn config_with(secret_members: &str) -> String {
        format!(
            r#"{{"credentialIssuer":"https://i.example","credentialConfigurations":{{"mdl":"mso_mdoc"}},{secret_members}}}"#
        )
    }

    #[test]
    fn wrongly_typed_secrets_are_named_but_not_shown() {
        for members in [
            format!(r#""hmacKeyHex":"{KEY}","previousHmacKeysHex":"{KEY}""#),
            format!(r#""hmacKeyHex":"{KEY}","previousHmacKeysHex":["{KEY}",12345678901234567890]"#),
            r#""hmacKeyHex":12345678901234567890"#.to_owned(),
        ] {
            let Err(crate::boundary::Failure::Engine(error)) = read_config(&config_with(&members)) else {
                panic!("accepted {members}");
            };
            assert_eq!(error.kind(), credoffer::ErrorKind::InvalidConfiguration);
            assert!(!error.message().contains(KEY) && !error.message().contains("12345678901234567890"), "{error:?}");
            assert!(matches!(error.field(), Some("hmacKeyHex" | "previousHmacKeysHex")), "{error:?}");
        }
        // Other mistakes are named the same way: the member and what it expects, not the value.
        let Err(crate::boundary::Failure::Engine(error)) = read_config(&config_with(r#""dialect":7"#)) else {
            panic!("accepted a numeric dialect");
        };
        assert_eq!(error.field(), Some("dialect"));
        assert!(error.message().ends_with("dialect must be a string"), "{}", error.message());
    }
}
