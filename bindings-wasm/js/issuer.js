// The issuer engine of credoffer, `credoffer/issuer`: MATTR VII's offers API, the token endpoint and record
// lookup keys, for Node only (a server holds HMAC keys and stores records; a page never does).
//
// `cargo xtask wasm-build` wraps this file as CommonJS given api.js's helpers (`raw`, `converted`, `jsonText`,
// `utf8`, `encoder`) of the same WebAssembly instance, so errors are the main entry's `CredentialOfferError`,
// and exports what issuer.d.ts declares. The browser build has none of the WebAssembly it calls.

function lookupKey(secret) {
  return raw.lookupKey(String(secret));
}

function introspectionLookupKey(form) {
  try {
    return raw.introspectionLookupKey(utf8(String(form)));
  } catch (error) {
    throw converted(error);
  }
}

function introspect(form, record, options) {
  try {
    return JSON.parse(raw.introspect(utf8(String(form)), foundRecord(record), epochSeconds(options)));
  } catch (error) {
    throw converted(error);
  }
}

function offerStatus(record, options) {
  try {
    return JSON.parse(raw.issuerOfferStatus(utf8(jsonText(record)), epochSeconds(options)));
  } catch (error) {
    throw converted(error);
  }
}

/** The record a host found, as UTF-8 in the second scratch buffer; `undefined` when it found none. */
function foundRecord(record) {
  return record === null || record === undefined ? undefined : utf8(jsonText(record), 1);
}

/** The host's clock, in epoch seconds, unless the caller gives the time. */
function epochSeconds(options) {
  return options?.now ?? Math.floor(Date.now() / 1000);
}

const TOKEN_RESPONSE_HEADERS = Object.freeze(Object.fromEntries(JSON.parse(raw.tokenResponseHeaders())));

/** The form body of each `TokenRequest`, out of sight: it holds the pre-authorized code. */
const tokenRequestForms = new WeakMap();

class TokenRequest {
  constructor(lookupKey, form) {
    this.lookupKey = lookupKey;
    tokenRequestForms.set(this, form);
    Object.freeze(this);
  }
}

/**
 * The issuer side of MATTR VII's offers API. Holds only the configuration; records are plain objects the
 * host stores (with compare-and-swap on `version`) and hands back.
 */
class Issuer {
  #config;

  constructor(config) {
    const bytes = encoder.encode(jsonText(config)); // kept, so its own buffer rather than a scratch view
    try {
      raw.issuerCheck(bytes);
    } catch (error) {
      throw converted(error);
    }
    this.#config = bytes;
  }

  createAuthorizationOffer(request, options) {
    try {
      return JSON.parse(raw.issuerCreateAuthorizationOffer(this.#config, utf8(jsonText(request)), options?.entropy));
    } catch (error) {
      throw converted(error);
    }
  }

  createPreAuthorizedOffer(request, options) {
    try {
      const created = raw.issuerCreatePreAuthorizedOffer(
        this.#config,
        utf8(jsonText(request)),
        epochSeconds(options),
        options?.entropy,
      );
      return JSON.parse(created);
    } catch (error) {
      throw converted(error);
    }
  }

  readTokenRequest(form) {
    try {
      const step = JSON.parse(raw.issuerReadTokenRequest(this.#config, utf8(String(form))));
      return 'answer' in step ? step : new TokenRequest(step.lookupKey, String(form));
    } catch (error) {
      throw converted(error);
    }
  }

  answerTokenRequest(request, record, options) {
    return this.tokenEndpoint(request instanceof TokenRequest ? tokenRequestForms.get(request) : request, record, options);
  }

  tokenEndpoint(form, record, options) {
    try {
      const answer = raw.issuerTokenEndpoint(this.#config, utf8(String(form)), foundRecord(record), epochSeconds(options), options?.entropy);
      return JSON.parse(answer);
    } catch (error) {
      throw converted(error);
    }
  }

  checkMetadata(metadata) {
    try {
      raw.issuerCheckMetadata(this.#config, utf8(jsonText(metadata)));
    } catch (error) {
      throw converted(error);
    }
  }

  delete(record, options) {
    try {
      return JSON.parse(raw.issuerDelete(this.#config, utf8(jsonText(record)), epochSeconds(options)));
    } catch (error) {
      throw converted(error);
    }
  }

  checkExpiry(record, options) {
    try {
      return JSON.parse(raw.issuerCheckExpiry(this.#config, utf8(jsonText(record)), epochSeconds(options)));
    } catch (error) {
      throw converted(error);
    }
  }

  serveOffer(record, token, options) {
    try {
      return JSON.parse(raw.issuerServeOffer(this.#config, utf8(jsonText(record)), String(token), epochSeconds(options)));
    } catch (error) {
      const refusal = converted(error);
      // The fetch that first meets an expiry reports it: the change rides on the error.
      if (typeof error === 'string') {
        const { expired } = JSON.parse(error);
        if (expired) refusal.expired = expired;
      }
      throw refusal;
    }
  }
}
