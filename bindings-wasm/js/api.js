// The JavaScript face of credoffer: plain objects in and out, errors as CredentialOfferError.
//
// This file is the shared body of the package's entry points. `cargo xtask wasm-build` puts the loading of
// the WebAssembly module (as `raw`) in front of it, and after it the exports that credoffer.d.ts declares,
// as CommonJS for Node's `require` and as an ES module for `import` and browsers. It only converts: objects
// cross into the engine as JSON text and come back as JSON text; every rule lives in the engine.

/** What every function of this package throws for bad input. */
class CredentialOfferError extends Error {
  constructor(error) {
    super(error.message);
    this.name = 'CredentialOfferError';
    this.code = error.code;
    this.field = error.field;
    if ('value' in error) this.value = error.value;
    this.httpStatus = error.httpStatus;
    this.details = error.details;
    if ('mattrBody' in error) this.mattrBody = error.mattrBody;
  }
}

/** The engine throws its errors as JSON text; anything else (a bug) passes through untouched. */
function converted(error) {
  return typeof error === 'string' ? new CredentialOfferError(JSON.parse(error)) : error;
}

/** An options object as JSON text, or undefined for the defaults. */
function optionsText(options) {
  return options === undefined || options === null ? undefined : JSON.stringify(options);
}

/** JSON given as text passes as it is; an object is written out. */
function jsonText(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const ERROR_CODES = Object.freeze(JSON.parse(raw.errorCodes()));

function parseOfferUri(uri, options) {
  try {
    return JSON.parse(raw.parseOfferUri(String(uri), optionsText(options)));
  } catch (error) {
    throw converted(error);
  }
}

function parseOfferJson(json, options) {
  try {
    return JSON.parse(raw.parseOfferJson(jsonText(json), optionsText(options)));
  } catch (error) {
    throw converted(error);
  }
}

function buildOfferUri(offer, options) {
  try {
    return raw.buildOfferUri(jsonText(offer), optionsText(options));
  } catch (error) {
    throw converted(error);
  }
}

function buildOfferReferenceUri(reference, options) {
  try {
    return raw.buildOfferReferenceUri(String(reference), optionsText(options));
  } catch (error) {
    throw converted(error);
  }
}

function buildOfferJson(offer, options) {
  try {
    return raw.buildOfferJson(jsonText(offer), optionsText(options));
  } catch (error) {
    throw converted(error);
  }
}

function validateAgainstMetadata(offer, metadata, options) {
  try {
    return JSON.parse(raw.validateAgainstMetadata(jsonText(offer), jsonText(metadata), optionsText(options)));
  } catch (error) {
    throw converted(error);
  }
}

function wellKnownMetadataUrl(credentialIssuer) {
  try {
    return raw.wellKnownMetadataUrl(String(credentialIssuer));
  } catch (error) {
    throw converted(error);
  }
}

function generateTxCode(options) {
  const { entropy, ...rest } = options ?? {};
  try {
    return raw.generateTxCode(optionsText(rest), entropy);
  } catch (error) {
    throw converted(error);
  }
}

function generatePreAuthorizedCode(options) {
  try {
    return raw.generatePreAuthorizedCode(options?.entropy);
  } catch (error) {
    throw converted(error);
  }
}

function generateIssuerState(options) {
  try {
    return raw.generateIssuerState(options?.entropy);
  } catch (error) {
    throw converted(error);
  }
}

function generateUuid(options) {
  try {
    return raw.generateUuid(options?.entropy);
  } catch (error) {
    throw converted(error);
  }
}

function lookupKey(secret) {
  return raw.lookupKey(String(secret));
}

function checkTxCode(prompt, input) {
  try {
    raw.checkTxCode(jsonText(prompt), String(input));
  } catch (error) {
    throw converted(error);
  }
}

function tokenRequestBody(offer, options) {
  try {
    return raw.tokenRequestBody(jsonText(offer), optionsText(options));
  } catch (error) {
    throw converted(error);
  }
}

function renderQrSvg(text) {
  try {
    return raw.renderQrSvg(String(text));
  } catch (error) {
    throw converted(error);
  }
}

/** The host's clock, in epoch seconds, unless the caller gives the time. */
function epochSeconds(options) {
  return options?.now ?? Math.floor(Date.now() / 1000);
}

/**
 * The issuer side of MATTR VII's offers API. Holds only the configuration; records are plain objects the
 * host stores (with compare-and-swap on `version`) and hands back.
 */
class Issuer {
  #config;

  constructor(config) {
    const text = jsonText(config);
    try {
      raw.issuerCheck(text);
    } catch (error) {
      throw converted(error);
    }
    this.#config = text;
  }

  createAuthorizationOffer(request, options) {
    try {
      return JSON.parse(raw.issuerCreateAuthorizationOffer(this.#config, jsonText(request), options?.entropy));
    } catch (error) {
      throw converted(error);
    }
  }

  createPreAuthorizedOffer(request, options) {
    try {
      const created = raw.issuerCreatePreAuthorizedOffer(
        this.#config,
        jsonText(request),
        epochSeconds(options),
        options?.entropy,
      );
      return JSON.parse(created);
    } catch (error) {
      throw converted(error);
    }
  }

  redeem(record, tokenRequest, options) {
    try {
      return JSON.parse(raw.issuerRedeem(this.#config, jsonText(record), String(tokenRequest), epochSeconds(options)));
    } catch (error) {
      throw converted(error);
    }
  }

  delete(record) {
    try {
      return JSON.parse(raw.issuerDelete(this.#config, jsonText(record)));
    } catch (error) {
      throw converted(error);
    }
  }

  serveOffer(record, token, options) {
    try {
      return JSON.parse(raw.issuerServeOffer(this.#config, jsonText(record), String(token), epochSeconds(options)));
    } catch (error) {
      throw converted(error);
    }
  }
}
