// Types of `credoffer/issuer`, the npm package's Node-only entry: the issuer side of MATTR VII's offers API and
// the token endpoint, without I/O. Records are plain objects the host stores; errors are the main entry's
// `CredentialOfferError` (with `mattrBody`).

import type { Dialect, EntropyOption, ErrorDetail, InputMode, IssuerMetadata } from './credoffer.js';

/**
 * The key to store and find an offer record under, from the secret a request carries (a pre-authorized code or
 * a reference token): base64url of its SHA-256. `record.codeHash` is this key for the offer's code.
 */
export declare function lookupKey(secret: string): string;

/**
 * The key of the record an introspection request (RFC 7662, the form body `token=…`) is about: the record whose
 * `accessToken.tokenHash` it is. Throws `invalid_token_request` (answer OAuth's `invalid_request`) without `token`.
 */
export declare function introspectionLookupKey(form: string): string;

/** What introspection says of an access token (RFC 7662 §2.2). */
export type IntrospectionAnswer =
  | { active: false }
  | {
      active: true;
      token_type: 'Bearer';
      /** Issued at, epoch seconds. */
      iat: number;
      /** Expires at, epoch seconds. */
      exp: number;
      /** The offer's user. */
      sub: string;
      client_id?: string;
      claims?: { [name: string]: unknown };
      claims_to_persist?: string[];
      authorization_details: { type: 'openid_credential'; credential_configuration_id: string }[];
    };

/**
 * Answers an introspection request from the record found by `introspectionLookupKey(form)` (`null` when none
 * was found), at `options.now` (epoch seconds; default the clock). Send it with status 200,
 * `Content-Type: application/json` and `Cache-Control: no-store`. Unknown, expired and revoked tokens are all
 * `{active: false}`.
 */
export declare function introspect(
  form: string,
  record: OfferRecord | null,
  options?: { now?: number },
): IntrospectionAnswer;

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
  /** The lifetime of the access tokens the token endpoint issues, in seconds (300 by default). */
  accessTokenLifetimeSeconds?: number;
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
  /** The access token the redemption issued, as its hash: what introspection answers from. */
  accessToken?: {
    tokenHash: string;
    issuedAt: number;
    expiresAt: number;
    clientId?: string;
    /** Revoked because the pre-authorized code was presented again. */
    revoked?: boolean;
  };
}

export interface PreAuthorizedOffer {
  id: string;
  userId: string;
  uri: string;
  /** Epoch seconds. */
  expiresAt: number;
  /** Give it to the user out of band, never inside the offer. */
  transactionCode?: string;
  /** Store it; hand it back to the token endpoint, `serveOffer` and `delete`. */
  record: OfferRecord;
  /** The exact JSON body of MATTR's endpoint (its `expiresAt` is RFC 3339, as MATTR documents). */
  responseBody: string;
}

/** The OAuth error codes of a token endpoint answer (RFC 6749 §5.2, OpenID4VCI). */
export type TokenErrorCode =
  | 'invalid_grant'
  | 'invalid_request'
  | 'invalid_tx_code'
  | 'unsupported_grant_type'
  | 'server_error'
  | 'temporarily_unavailable';

/** What happened at the token endpoint, for the host's own bookkeeping (logs, audit, revocation). */
export type TokenOutcome =
  | {
      kind: 'issued';
      /** The bearer token, also in `body`: a secret. */
      accessToken: string;
      /** Its lifetime in seconds (`accessTokenLifetimeSeconds` of the configuration). */
      expiresIn: number;
      userId: string;
      /** Scope the token to these (OpenID4VCI 1.0 §6.1). */
      credentialConfigurationIds: string[];
      /** The `client_id` the wallet sent, if any. */
      clientId?: string;
    }
  | {
      kind: 'rejected';
      error: TokenErrorCode;
      errorDescription: string;
      failedAttemptsLeft?: number;
      /** The code was used again after it was redeemed: revoke the tokens issued from it (RFC 9700 §4.2.4). */
      revokeIssuedTokens: boolean;
    }
  | {
      /** The engine could not judge the request (a stored record it cannot use, no randomness): `status` is
       * 500 and `error` is for the host's log, never for the client. */
      kind: 'failed';
      error: ErrorDetail;
    };

/** The token endpoint's answer: always an OAuth answer to send, and what to store. */
export interface TokenAnswer {
  /** The HTTP status: 200, 400, 413, 500 or 503. */
  status: number;
  /** The JSON body to send with `TOKEN_RESPONSE_HEADERS`: the access-token response, or an OAuth error. */
  body: string;
  /** Present when the request changed the record: store it with compare-and-swap on the version read, before
   * sending the answer; when the swap fails, read the record again and answer again. */
  record?: OfferRecord;
  outcome: TokenOutcome;
}

/** A token request read by `Issuer.readTokenRequest`. It keeps the form body to itself (it holds the code). */
export declare class TokenRequest {
  /** Find the record whose `codeHash` is this, then call `Issuer.answerTokenRequest` with it (or `null`). */
  readonly lookupKey: string;
  #private;
  private constructor();
}

/** The headers every token endpoint answer is sent with (`Content-Type`, and no caching: it may hold a token). */
export declare const TOKEN_RESPONSE_HEADERS: Readonly<{ [name: string]: string }>;

export interface TimeOption {
  /** Epoch seconds; the host's clock by default. */
  now?: number;
}

export declare class Issuer {
  /** Throws `invalid_configuration` (or the URL codes) for a configuration the engine refuses. */
  constructor(config: IssuerConfig);
  createAuthorizationOffer(request: AuthorizationOfferRequest, options?: EntropyOption): AuthorizationOffer;
  createPreAuthorizedOffer(request: PreAuthorizedOfferRequest, options?: TimeOption & EntropyOption): PreAuthorizedOffer;
  /**
   * The token endpoint's first step: reads the form body (`application/x-www-form-urlencoded`, or
   * URLSearchParams). A `TokenRequest` when the host must find the record, `{ answer }` when the body alone
   * decides (a parameter missing or sent twice, another grant type).
   */
  readTokenRequest(form: string | URLSearchParams): TokenRequest | { answer: TokenAnswer };
  /**
   * The second step: judges the request (or a form body, read first) against the record found by its
   * `lookupKey`, or `null` when there is none, and issues an access token when the code is redeemed. Throws
   * only for the host's own arguments: `invalid_record` for a `record` that is not one, a bad `now`.
   */
  answerTokenRequest(
    request: TokenRequest | string | URLSearchParams,
    record: OfferRecord | null,
    options?: TimeOption & EntropyOption,
  ): TokenAnswer;
  /** Both steps in one call, for a host that already holds the record (or knows there is none). */
  tokenEndpoint(form: string | URLSearchParams, record: OfferRecord | null, options?: TimeOption & EntropyOption): TokenAnswer;
  /**
   * Checks that Credential Issuer Metadata describes this issuer: the same `credential_issuer`, and every
   * configuration listed with this issuer's format. Throws `issuer_mismatch`, `unknown_credential_configuration`
   * or `invalid_metadata`.
   */
  checkMetadata(metadata: IssuerMetadata | string): void;
  /** `DELETE …/pre-authorized/{id}`: the record, marked deleted; `offer_not_found` if it already is. */
  delete(record: OfferRecord): OfferRecord;
  /** The offer JSON a `credential_offer_uri` answers with, once; `offer_not_found` otherwise. */
  serveOffer(record: OfferRecord, token: string, options?: TimeOption): { body: string; record: OfferRecord };
}
