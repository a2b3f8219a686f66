//! The token endpoint on the issuer: the two steps around the host's lookup, and both in one call. The
//! answer's shape and the redemption state machine are [`crate::token`]'s.

use super::Issuer;
use crate::record::{AccessTokenRecord, OfferRecord};
use crate::secret::{Entropy, PRE_AUTHORIZED_CODE_BYTES, generate_token};
use crate::token::{IssuedToken, RedeemOutcome, TokenAnswer, TokenError, TokenRequest, TokenStep};

impl Issuer {
    /// The token endpoint's first step: reads the form body (`application/x-www-form-urlencoded`).
    pub fn read_token_request(&self, form: &str) -> TokenStep {
        match TokenRequest::from_form(form) {
            Ok(request) => TokenStep::Find(request),
            Err(error) => {
                let refusal = TokenError::from_request_error(&error);
                TokenStep::Answer(TokenAnswer::refusal(refusal.http_status(), refusal, None))
            }
        }
    }

    /// The token endpoint's second step: judges `request` against the record found by its lookup key
    /// (`None` when the host found none) at `now`, and issues an access token from `entropy` when the
    /// code is redeemed. The rules and their order are [`Issuer::redeem`]'s.
    pub fn answer_token_request(
        &self,
        request: &TokenRequest,
        record: Option<&OfferRecord>,
        now: u64,
        entropy: &mut dyn Entropy,
    ) -> TokenAnswer {
        let Some(record) = record else {
            return TokenAnswer::refusal(400, TokenError::unknown_code(), None);
        };
        let redemption = match self.redeem(record, request, now) {
            Ok(redemption) => redemption,
            Err(error) => return TokenAnswer::failed(error),
        };
        let mut next = redemption.changed.then_some(redemption.record);
        let event = redemption.event;
        match redemption.outcome {
            RedeemOutcome::Rejected(error) => TokenAnswer::refusal(error.http_status(), error, next).with_event(event),
            RedeemOutcome::Issued { user_id, credential_configuration_ids } => {
                // Drawn before anything is stored: without randomness the offer stays redeemable.
                let access_token = match generate_token(PRE_AUTHORIZED_CODE_BYTES, entropy) {
                    Ok(token) => token,
                    Err(error) => return TokenAnswer::failed(error),
                };
                let lifetime = self.config().access_token_lifetime_seconds;
                // The record keeps the token's lookup key and lifetime: introspection answers from it.
                if let Some(next) = &mut next {
                    next.access_token =
                        Some(AccessTokenRecord::new(access_token.expose(), now, lifetime, request.client_id.clone()));
                }
                let token = IssuedToken {
                    access_token,
                    expires_in: lifetime,
                    user_id,
                    credential_configuration_ids,
                    client_id: request.client_id.clone(),
                };
                TokenAnswer::issued(token, next).with_event(event)
            }
        }
    }

    /// Both steps in one call, for hosts that already hold the record (looked up by
    /// [`TokenRequest::lookup_key`] of an earlier read, or the only record in play). A record whose code
    /// does not match the request's is treated as no record.
    pub fn token_endpoint(
        &self,
        form: &str,
        record: Option<&OfferRecord>,
        now: u64,
        entropy: &mut dyn Entropy,
    ) -> TokenAnswer {
        match self.read_token_request(form) {
            TokenStep::Find(request) => self.answer_token_request(&request, record, now, entropy),
            TokenStep::Answer(answer) => answer,
        }
    }
}
