// Type-checked by tsc as CommonJS: `require('credoffer')` resolves to the `require` types (credoffer.d.cts).
import credoffer = require('credoffer');

const parsed = credoffer.parseOfferUri('openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa.example');
const kind: 'byValue' | 'byReference' = parsed.kind;
const error: typeof credoffer.CredentialOfferError = credoffer.CredentialOfferError;
// @ts-expect-error no such export
credoffer.parseOffer('x');
void [kind, error];
