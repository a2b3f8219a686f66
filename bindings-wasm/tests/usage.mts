// Type-checked by `tsc --project tests/tsconfig.json` (cargo xtask wasm-test), never run: shows the
// package's declarations are real types. Each @ts-expect-error line must fail to compile, which proves the
// type it targets is not `any`.

import {
  CredentialOfferError,
  ERROR_CODES,
  buildOfferJson,
  buildOfferReferenceUri,
  buildOfferUri,
  checkTxCode,
  generatePreAuthorizedCode,
  generateTxCode,
  lint,
  parseOfferJson,
  parseOfferUri,
  renderQrSvg,
  resolveOffer,
  tokenRequestBody,
  validateAgainstMetadata,
  wellKnownMetadataUrl,
} from 'credoffer';
import type { CredentialOffer, ErrorCode, LintReport, ParsedOfferUri, Profile } from 'credoffer';
import { Issuer, TOKEN_RESPONSE_HEADERS, TokenRequest, lookupKey, offerStatus } from 'credoffer/issuer';
import type { OfferEventType, OfferRecord, OfferStatus, TokenAnswer, Transition } from 'credoffer/issuer';
// @ts-expect-error the issuer engine is not in the main entry
import { Issuer as NotHere } from 'credoffer';

// Wallet: parse, narrow on kind, read typed members.
const parsed: ParsedOfferUri = parseOfferUri('openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa.example', {
  plus: 'literal',
  strict: true,
  limits: { maxUriBytes: 4096 },
});
if (parsed.kind === 'byValue') {
  const issuer: string = parsed.offer.credential_issuer;
  const ids: string[] = parsed.offer.credential_configuration_ids;
  const code: string | undefined =
    parsed.offer.grants?.['urn:ietf:params:oauth:grant-type:pre-authorized_code']?.['pre-authorized_code'];
  if (parsed.txCodePrompt) {
    const mode: 'numeric' | 'text' = parsed.txCodePrompt.inputMode;
    checkTxCode(parsed.txCodePrompt, '123456');
    tokenRequestBody(parsed.offer, { txCode: '123456', clientId: 'wallet' });
    void mode;
  }
  void [issuer, ids, code];
  // @ts-expect-error a by-value result has no uri
  void parsed.uri;
} else {
  const reference: string = parsed.uri;
  const fetched = parseOfferJson(reference);
  void fetched.source.toUpperCase();
}
// @ts-expect-error plus is 'space' or 'literal'
parseOfferUri('x', { plus: 'minus' });
// @ts-expect-error options are checked by name
parseOfferUri('x', { allowInsecureHTTP: true });

// Issuer page: build and render.
const offer: CredentialOffer = {
  credential_issuer: 'https://issuer.example.com',
  credential_configuration_ids: ['org.iso.18013.5.1.mDL'],
  grants: {
    'urn:ietf:params:oauth:grant-type:pre-authorized_code': {
      'pre-authorized_code': generatePreAuthorizedCode(),
      tx_code: { input_mode: 'numeric', length: 6 },
    },
  },
};
const uri: string = buildOfferUri(offer, { dialect: 'mattr', base: 'haip-vci://' });
const svg: string = renderQrSvg(uri);
const txCode: string = generateTxCode({ length: 6, entropy: new Uint8Array(32) });
buildOfferReferenceUri('https://issuer.example.com/offers/1');
buildOfferJson(offer, { dialect: 'draft11' });
// @ts-expect-error dialects are a closed set
buildOfferUri(offer, { dialect: 'draft99' });
// @ts-expect-error the length of a transaction code is required
generateTxCode({ inputMode: 'text' });
// @ts-expect-error a tx_code length is a number
const badOffer: CredentialOffer = { ...offer, grants: { 'urn:ietf:params:oauth:grant-type:pre-authorized_code': { 'pre-authorized_code': 'c', tx_code: { length: '6' } } } };
void [svg, txCode, badOffer];

// Metadata.
const check = validateAgainstMetadata(offer, {
  credential_issuer: 'https://issuer.example.com',
  credential_configurations_supported: { 'org.iso.18013.5.1.mDL': { format: 'mso_mdoc' } },
});
const formats: string[] = check.formats.map(({ format }) => format);
const metadataUrl: string = wellKnownMetadataUrl(offer.credential_issuer);
void [formats, metadataUrl];

// Errors: a closed union of codes.
try {
  parseOfferUri('not an offer');
} catch (error) {
  if (error instanceof CredentialOfferError) {
    const code: ErrorCode = error.code;
    const field: string | undefined = error.field;
    const status: number = error.httpStatus;
    if (code === 'missing_offer_parameter' || error.details.length > 0) void [field, status];
    // @ts-expect-error codes are a closed union
    if (error.code === 'no_such_code') void 0;
  }
}
const everyCode: readonly ErrorCode[] = ERROR_CODES;
void everyCode;

// Issuer engine.
const issuer = new Issuer({
  credentialIssuer: 'https://issuer.example.com',
  credentialConfigurations: { 'org.iso.18013.5.1.mDL': 'mso_mdoc' },
  dialect: 'mattr',
  txCode: { maxFailedAttempts: 3 },
});
const created = issuer.createPreAuthorizedOffer(
  { credentials: ['org.iso.18013.5.1.mDL'], transactionCodeConfiguration: { length: 6 }, expiresIn: { minutes: 5 } },
  { now: 1_700_000_000 },
);
const expiresAt: number = created.expiresAt;
let record: OfferRecord = created.record;
// The token endpoint: read, find the record by its lookup key, answer, store with compare-and-swap, send.
const form = new URLSearchParams({ tx_code: '000000' });
const step = issuer.readTokenRequest(form);
let answer: TokenAnswer;
if (step instanceof TokenRequest) {
  const key: string = step.lookupKey;
  if (key !== lookupKey('the pre-authorized code')) void 0;
  const found: OfferRecord | null = key === record.codeHash ? record : null;
  answer = issuer.answerTokenRequest(step, found, { now: 1_700_000_001, entropy: new Uint8Array(32) });
} else {
  answer = step.answer;
}
if (answer.record) record = answer.record;
const status: number = answer.status;
const headers: Readonly<{ [name: string]: string }> = TOKEN_RESPONSE_HEADERS;
const sent: string = answer.body;
void [status, headers, sent];
switch (answer.outcome.kind) {
  case 'issued': {
    const token: string = answer.outcome.accessToken;
    const lifetime: number = answer.outcome.expiresIn;
    const user: string = answer.outcome.userId;
    void [token, lifetime, user];
    break;
  }
  case 'rejected': {
    const left: number | undefined = answer.outcome.failedAttemptsLeft;
    const revoke: boolean = answer.outcome.revokeIssuedTokens;
    void [left, revoke];
    break;
  }
  case 'failed': {
    const logged: ErrorCode = answer.outcome.error.code;
    void logged;
    break;
  }
}
answer = issuer.tokenEndpoint('grant_type=password', null);
// @ts-expect-error a TokenRequest comes from readTokenRequest only
issuer.answerTokenRequest({ lookupKey: 'k' }, null);
// @ts-expect-error the record may be null, not left out
issuer.tokenEndpoint('grant_type=password');
issuer.checkMetadata({
  credential_issuer: 'https://issuer.example.com',
  credential_configurations_supported: { 'org.iso.18013.5.1.mDL': { format: 'mso_mdoc' } },
});
const deleted: Transition = issuer.delete(record, { now: 1_700_000_002 });
const eventType: OfferEventType = deleted.event.type;
record = deleted.record;
const expired: Transition | null = issuer.checkExpiry(record);
const state: OfferStatus['state'] = offerStatus(record).state;
// @ts-expect-error event types are the core's list
const unknownType: OfferEventType = 'offer.unknown';
void [eventType, expired, state, unknownType];
issuer.createAuthorizationOffer({ credentials: ['org.iso.18013.5.1.mDL'], request_parameters: { prompt: 'login' } });
// @ts-expect-error request bodies are typed
issuer.createPreAuthorizedOffer({ credentials: 'org.iso.18013.5.1.mDL' });
// @ts-expect-error the configuration is typed
new Issuer({ credentialIssuer: 'https://issuer.example.com' });
void [expiresAt, record, NotHere];

// Issuer: the interop lint, its report typed down to each finding's evidence.
const profile: Profile = 'haip';
const report: LintReport = lint('openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa.example', {
  profile,
  metadata: { credential_issuer: 'https://a.example', credential_configurations_supported: {} },
  dialect: 'mattr',
  base: 'haip-vci://',
  strict: false,
});
const evidence: string | undefined = report.warnings[0]?.evidence;
const reportedProfile: Profile | null = report.profile;
void [evidence, reportedProfile, report.reference];
// @ts-expect-error a profile is one the engine knows
lint('x', { profile: 'eudi' });

// Wallet: a draft 11 offer's inline descriptions named by the metadata's configuration ids.
const resolved = resolveOffer({ credential_issuer: 'https://a.example', credentials: [{ format: 'mso_mdoc' }] }, '{}');
const resolvedIds: string[] = resolved.offer.credential_configuration_ids;
void resolvedIds;
