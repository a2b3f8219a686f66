// Type-checked by tsc as CommonJS: `require('credoffer')` and `require('credoffer/issuer')` resolve to the
// `require` types (credoffer.d.cts, issuer.d.cts).
import credoffer = require('credoffer');
import credofferIssuer = require('credoffer/issuer');

const parsed = credoffer.parseOfferUri('openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa.example');
const kind: 'byValue' | 'byReference' = parsed.kind;
const error: typeof credoffer.CredentialOfferError = credoffer.CredentialOfferError;
// @ts-expect-error no such export
credoffer.parseOffer('x');
const issuer = new credofferIssuer.Issuer({ credentialIssuer: 'https://a.example', credentialConfigurations: {} });
const answer: credofferIssuer.TokenAnswer = issuer.tokenEndpoint('grant_type=password', null);
// The issuer's types take the main entry's from its CommonJS twin.
const logged: credoffer.ErrorCode | undefined = answer.outcome.kind === 'failed' ? answer.outcome.error.code : undefined;
// @ts-expect-error the issuer engine is not in the main entry
credoffer.Issuer;
void [kind, error, logged];
