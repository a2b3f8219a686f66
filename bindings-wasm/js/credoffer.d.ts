// Types of the npm package `credoffer`: OpenID4VCI Credential Offers, built and read by the credoffer engine
// compiled to WebAssembly.
//
// Names this package defines are camelCase. Objects a specification defines (the offer, issuer metadata)
// keep their wire names, so they can be sent, stored and compared as they are.

// ---------------------------------------------------------------------------------------------------------
// Errors

/** Every error code. Stable: a code never changes meaning and is never reused. */
export type ErrorCode =
  | 'invalid_uri'
  | 'missing_offer_parameter'
  | 'conflicting_offer_parameters'
  | 'duplicate_parameter'
  | 'invalid_percent_encoding'
  | 'invalid_json'
  | 'limit_exceeded'
  | 'insecure_url'
  | 'invalid_offer_uri'
  | 'invalid_base_uri'
  | 'missing_field'
  | 'invalid_type'
  | 'invalid_credential_issuer'
  | 'empty_credential_configuration_ids'
  | 'duplicate_credential_configuration_id'
  | 'blank_value'
  | 'invalid_tx_code'
  | 'description_too_long'
  | 'misplaced_member'
  | 'unsupported_by_dialect'
  | 'missing_grant'
  | 'invalid_metadata'
  | 'issuer_mismatch'
  | 'unknown_credential_configuration'
  | 'unknown_authorization_server'
  | 'validation_failed'
  | 'unknown_member'
  | 'unsupported_format'
  | 'invalid_user_id'
  | 'invalid_expiry'
  | 'invalid_claims'
  | 'offer_not_found'
  | 'invalid_configuration'
  | 'tx_code_mismatch'
  | 'entropy_unavailable'
  | 'invalid_token_request'
  | 'unsupported_grant_type'
  | 'invalid_record'
  | 'qr_too_long';

/** Every `ErrorCode`, in the engine's order. */
export declare const ERROR_CODES: readonly ErrorCode[];

/** One problem inside a `validation_failed` error. */
export interface ErrorDetail {
  readonly code: ErrorCode;
  readonly message: string;
  readonly field?: string;
  /** The rejected request value, for problems in an issuer request body. */
  readonly value?: unknown;
  readonly httpStatus: number;
  readonly details: readonly ErrorDetail[];
}

/** The error body MATTR VII's endpoints answer with. */
export interface MattrErrorBody {
  code: 'BadRequest' | 'NotFound' | 'InternalServerError';
  message: string;
  details?: Array<{ value?: unknown; msg: string; param: string; location: 'body'; code: ErrorCode }>;
}

/** What every function of this package throws for bad input. Tests should look at `code`, never `message`. */
export declare class CredentialOfferError extends Error {
  readonly name: 'CredentialOfferError';
  /** The stable code. */
  readonly code: ErrorCode;
  /** The path of the field concerned, e.g. `credential_configuration_ids[1]` or `expiresIn.minutes`. */
  readonly field: string | undefined;
  /** The rejected request value, for problems in an issuer request body. */
  readonly value?: unknown;
  /** The HTTP status a server answers this error with: 404 unknown offer, 500 misconfiguration, else 400. */
  readonly httpStatus: number;
  /** For `validation_failed`, every problem found; otherwise empty. */
  readonly details: readonly ErrorDetail[];
  /** For errors thrown by `Issuer` methods: the body MATTR VII's endpoint answers with. */
  readonly mattrBody?: MattrErrorBody;
  private constructor();
}

/** Something noticed while reading an offer that did not stop it from being read. */
export interface Warning {
  /** A stable code such as `ambiguous_plus`, `too_long_for_qr` or `legacy_credential_description`. */
  readonly code: string;
  readonly message: string;
  readonly field?: string;
}

// ---------------------------------------------------------------------------------------------------------
// The Credential Offer (OpenID4VCI 1.0 §4.1.1), with its wire names

export type InputMode = 'numeric' | 'text';

/** How the wallet should ask the user for the transaction code. */
export interface TxCode {
  input_mode?: InputMode;
  length?: number;
  description?: string;
  [extension: string]: unknown;
}

export interface AuthorizationCodeGrant {
  issuer_state?: string;
  authorization_server?: string;
  [extension: string]: unknown;
}

export interface PreAuthorizedCodeGrant {
  'pre-authorized_code': string;
  tx_code?: TxCode;
  authorization_server?: string;
  [extension: string]: unknown;
}

export interface Grants {
  authorization_code?: AuthorizationCodeGrant;
  'urn:ietf:params:oauth:grant-type:pre-authorized_code'?: PreAuthorizedCodeGrant;
  [grantType: string]: unknown;
}

/** A Credential Offer in its 1.0 shape, as every function here returns it. */
export interface CredentialOffer {
  credential_issuer: string;
  credential_configuration_ids: string[];
  grants?: Grants;
  /** Draft 11 inline credential descriptions that have no id, kept as they came. */
  credentials?: Array<string | { [member: string]: unknown }>;
  /** Members the specification does not define (MATTR's `request_parameters`, profile fields), kept verbatim. */
  [extension: string]: unknown;
}

/** An offer of any draft, as functions taking an offer accept it. */
export type CredentialOfferInput = CredentialOffer | { [member: string]: unknown };

/** The shape an offer came in. */
export type OfferSource = 'draft8' | 'draft9' | 'draft11' | 'draft12' | 'draft13' | '1.0' | 'hybrid';

/** The JSON shape an offer is written in. `mattr` adds `credentials` beside the ids, for wallets of both eras. */
export type Dialect = '1.0' | 'mattr' | 'draft13' | 'draft11';

// ---------------------------------------------------------------------------------------------------------
// Reading offers (wallets)

export interface Limits {
  maxUriBytes?: number;
  maxJsonBytes?: number;
  maxCredentialConfigurationIds?: number;
  maxDepth?: number;
}

export interface ParseOptions {
  /** How a raw `+` in the offer is read: as a space (form semantics, the default) or as a plus. */
  plus?: 'space' | 'literal';
  /** Refuse, instead of warn about, deviations the engine can read past. */
  strict?: boolean;
  /** Accept `http` issuer and reference URLs (for tests against a local issuer). */
  allowInsecureHttp?: boolean;
  limits?: Limits;
}

/** What a wallet asks the user for when the offer carries a transaction code. */
export interface TxCodePrompt {
  inputMode: InputMode;
  /** The exact length, when the offer gives one. */
  length?: number;
  /** The longest code the offer's generation allows (8 digits before draft 13). */
  maxLength?: number;
  description?: string;
}

/** An offer read from JSON: the normalized offer, the shape it came in, and what was noticed. */
export interface ParsedOffer {
  offer: CredentialOffer;
  source: OfferSource;
  warnings: Warning[];
  /** Present when the pre-authorized grant asks for a transaction code. */
  txCodePrompt?: TxCodePrompt;
}

export interface ParsedOfferByValue extends ParsedOffer {
  kind: 'byValue';
}

/** A `credential_offer_uri`: fetch it (once) and hand the JSON to `parseOfferJson`. */
export interface ParsedOfferByReference {
  kind: 'byReference';
  uri: string;
  warnings: Warning[];
}

export type ParsedOfferUri = ParsedOfferByValue | ParsedOfferByReference;

/** Reads an offer URI of any draft, scheme and encoding seen in the wild. */
export declare function parseOfferUri(uri: string, options?: ParseOptions): ParsedOfferUri;

/** Reads Credential Offer JSON of any draft (text, or the object `response.json()` gave). */
export declare function parseOfferJson(json: string | CredentialOfferInput, options?: ParseOptions): ParsedOffer;

// ---------------------------------------------------------------------------------------------------------
// Writing offers (issuers)

export interface BuildOptions {
  /** The JSON shape; `1.0` by default. */
  dialect?: Dialect;
  /** Where the offer goes: `openid-credential-offer://` by default, or `haip-vci://`, an https link, a custom scheme. */
  base?: string;
  allowInsecureHttp?: boolean;
}

/** The offer as a by-value URI, strictly percent-encoded. */
export declare function buildOfferUri(offer: CredentialOfferInput, options?: BuildOptions): string;

/** A URI that points at an offer served from `reference` instead of carrying it. */
export declare function buildOfferReferenceUri(reference: string, options?: BuildOptions): string;

/** The offer's JSON text in a dialect, as an issuer serves it from a `credential_offer_uri`. */
export declare function buildOfferJson(
  offer: CredentialOfferInput,
  options?: { dialect?: Dialect; allowInsecureHttp?: boolean },
): string;

// ---------------------------------------------------------------------------------------------------------
// Issuer metadata (wallets)

/** Credential Issuer Metadata (OpenID4VCI 1.0 §12.2.4), with its wire names. */
export interface IssuerMetadata {
  credential_issuer: string;
  authorization_servers?: string[];
  credential_configurations_supported: { [id: string]: { format: string; [member: string]: unknown } };
  [member: string]: unknown;
}

export interface MetadataCheck {
  /** The format of each offered configuration, in offer order. */
  formats: Array<{ id: string; format: string }>;
  warnings: Warning[];
}

/** Checks an offer against the metadata its issuer serves at `wellKnownMetadataUrl(offer.credential_issuer)`. */
export declare function validateAgainstMetadata(
  offer: CredentialOfferInput | string,
  metadata: IssuerMetadata | string,
  options?: ParseOptions,
): MetadataCheck;

/** Where an issuer's metadata lives: `/.well-known/openid-credential-issuer` between host and path. */
export declare function wellKnownMetadataUrl(credentialIssuer: string): string;

// ---------------------------------------------------------------------------------------------------------
// Wallet helpers

/** Throws `tx_code_mismatch` (with `field: 'tx_code'`) when what the user typed does not fit the prompt. */
export declare function checkTxCode(prompt: TxCodePrompt, input: string): void;

/** The `application/x-www-form-urlencoded` body a wallet posts to the token endpoint (pre-authorized grant). */
export declare function tokenRequestBody(
  offer: CredentialOfferInput,
  options?: { txCode?: string; clientId?: string; allowInsecureHttp?: boolean },
): string;

// ---------------------------------------------------------------------------------------------------------
// Secrets and QR codes

/** Randomness: `crypto.getRandomValues` by default; fixed bytes make the result deterministic (tests). */
export interface EntropyOption {
  entropy?: Uint8Array;
}

/** A transaction code, uniform over its alphabet (digits, or the unambiguous `23456789A–Z` set), as a string. */
export declare function generateTxCode(options: { inputMode?: InputMode; length: number } & EntropyOption): string;

/** A pre-authorized code: 256 random bits, base64url without padding. */
export declare function generatePreAuthorizedCode(options?: EntropyOption): string;

/** An `issuer_state` for authorization code offers: 128 random bits, base64url without padding. */
export declare function generateIssuerState(options?: EntropyOption): string;

/** A version 4 UUID (offer and user ids). */
export declare function generateUuid(options?: EntropyOption): string;

/**
 * The key to store and find an offer record under, from the secret a request carries (a pre-authorized code or
 * a reference token): base64url of its SHA-256. `record.codeHash` is this key for the offer's code.
 */
export declare function lookupKey(secret: string): string;

/** The QR code of `text` (an offer URI) as an SVG document, at error correction M with a 4-module quiet zone. */
export declare function renderQrSvg(text: string): string;

// ---------------------------------------------------------------------------------------------------------
// The issuer (MATTR VII's offers API, without I/O)

/** Issuer configuration (camelCase). Only `credentialIssuer` and `credentialConfigurations` are required. */
export interface IssuerConfig {
  credentialIssuer: string;
  /** Supported configuration ids and their formats (`mso_mdoc`, `dc+sd-jwt`, …). */
  credentialConfigurations: { [id: string]: string };
  offerBase?: string;
  dialect?: Dialect;
  expiry?: { defaultSeconds: number; maxSeconds: number };
  txCode?: {
    defaultInputMode?: InputMode;
    defaultLength?: number;
    minLength?: number;
    maxLength?: number;
    textAlphabet?: string;
    /** Wrong codes that invalidate an offer for good (MATTR: 3). */
    maxFailedAttempts?: number;
  };
  /** MATTR's rule: pre-authorized offers only for `mso_mdoc` configurations. */
  preAuthorizedMdocOnly?: boolean;
  /** Offer pre-authorized offers by reference at this https URL with one `{token}`. */
  offerUrlTemplate?: string | null;
  generateIssuerState?: boolean;
  wrongTxCodeError?: 'invalid_grant' | 'invalid_tx_code';
  /** Key transaction code hashes with HMAC-SHA-256 (hex, at least 32 bytes). */
  hmacKeyHex?: string | null;
  /** Keys replaced by `hmacKeyHex` after a rotation: they only check the codes of outstanding offers. */
  previousHmacKeysHex?: string[];
  allowInsecureHttp?: boolean;
}

/** The body of `POST /v1/openid/offers`. */
export interface AuthorizationOfferRequest {
  credentials: string[];
  request_parameters?: { [name: string]: string };
}

/** The body of `POST /v1/openid/offers/pre-authorized`. */
export interface PreAuthorizedOfferRequest {
  credentials: string[];
  userId?: string;
  transactionCodeConfiguration?: { inputMode?: InputMode; length?: number; description?: string };
  claims?: { [name: string]: unknown };
  claimsToPersist?: string[];
  expiresIn?: { minutes?: number; seconds?: number };
}

export interface AuthorizationOffer {
  uri: string;
  issuerState?: string;
}

export type OfferState = 'active' | 'redeemed' | 'invalidated' | 'deleted';

/** What the host stores per pre-authorized offer. Secrets appear only as hashes. Times in epoch seconds. */
export interface OfferRecord {
  id: string;
  /** Grows by one on every change: store with compare-and-swap on it. */
  version: number;
  state: OfferState;
  userId: string;
  credentialConfigurationIds: string[];
  claims?: { [name: string]: unknown };
  claimsToPersist?: string[];
  createdAt: number;
  expiresAt: number;
  codeHash: string;
  txCode?: {
    algorithm: string;
    /** The HMAC key that hashed the code (16 hex digits of its SHA-256). */
    keyId?: string;
    salt: string;
    hash: string;
    length: number | null;
    inputMode: string;
    description?: string;
  };
  failedAttemptsLeft: number;
  referenceHash?: string;
  offerServed?: boolean;
  redeemedAt?: number;
}

export interface PreAuthorizedOffer {
  id: string;
  userId: string;
  uri: string;
  /** Epoch seconds. */
  expiresAt: number;
  /** Give it to the user out of band, never inside the offer. */
  transactionCode?: string;
  /** Store it; hand it back to `redeem`, `serveOffer` and `delete`. */
  record: OfferRecord;
  /** The exact JSON body of MATTR's endpoint (its `expiresAt` is RFC 3339, as MATTR documents). */
  responseBody: string;
}

export type TokenErrorCode = 'invalid_grant' | 'invalid_request' | 'invalid_tx_code' | 'unsupported_grant_type';

export type RedeemOutcome =
  | { kind: 'issued'; userId: string; credentialConfigurationIds: string[] }
  | {
      kind: 'rejected';
      error: TokenErrorCode;
      errorDescription: string;
      failedAttemptsLeft?: number;
      /** The code was used twice: revoke the tokens issued for it (RFC 6749 §4.1.2). */
      revokeIssuedTokens: boolean;
      httpStatus: number;
      /** The OAuth error body, as JSON text. */
      body: string;
      /** Why the token request itself was refused (malformed, or another grant type), when it was. */
      requestError?: ErrorDetail;
    };

export interface Redemption {
  /** The record to store (compare-and-swap on `version`) when `changed`. */
  record: OfferRecord;
  changed: boolean;
  outcome: RedeemOutcome;
}

export interface TimeOption {
  /** Epoch seconds; the host's clock by default. */
  now?: number;
}

export declare class Issuer {
  /** Throws `invalid_configuration` (or the URL codes) for a configuration the engine refuses. */
  constructor(config: IssuerConfig);
  createAuthorizationOffer(request: AuthorizationOfferRequest, options?: EntropyOption): AuthorizationOffer;
  createPreAuthorizedOffer(request: PreAuthorizedOfferRequest, options?: TimeOption & EntropyOption): PreAuthorizedOffer;
  /** Checks a token request (the form body, or URLSearchParams) against a record. */
  redeem(record: OfferRecord, tokenRequest: string | URLSearchParams, options?: TimeOption): Redemption;
  /** `DELETE …/pre-authorized/{id}`: the record, marked deleted; `offer_not_found` if it already is. */
  delete(record: OfferRecord): OfferRecord;
  /** The offer JSON a `credential_offer_uri` answers with, once; `offer_not_found` otherwise. */
  serveOffer(record: OfferRecord, token: string, options?: TimeOption): { body: string; record: OfferRecord };
}
