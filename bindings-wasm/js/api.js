// The JavaScript face of credoffer: plain objects in and out, errors as CredentialOfferError.
//
// This file is the shared body of the package's main entry point `credoffer`. `cargo xtask wasm-build` puts the
// loading of the WebAssembly module (as `raw`) in front of it, and after it the exports that credoffer.d.ts
// declares, as CommonJS for Node's `require` and as an ES module for `import` and browsers. The issuer engine
// is in issuer.js (`credoffer/issuer`, Node only), which uses this file's helpers. It only converts: objects
// cross into the engine as JSON (UTF-8 bytes) and come back as JSON text; every rule lives in the engine.

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

const encoder = new TextEncoder();
/** Reused buffers for documents up to 64 KiB, one per argument position (`slot`) of a call. */
const SCRATCH_LIMIT = 64 * 1024;
const scratch = [new Uint8Array(2048), new Uint8Array(2048)];

/**
 * A document (a URI, JSON) as the UTF-8 bytes the engine reads. `TextEncoder.encodeInto` a reused buffer is
 * about ten times faster for a 600-character URI than wasm-bindgen's string copy, which goes one character at
 * a time; the view is copied into the engine's memory before the call, so the next call may reuse the buffer.
 * Arguments of one call use different slots.
 */
function utf8(value, slot = 0) {
  const text = String(value);
  const most = text.length * 3;
  if (most > SCRATCH_LIMIT) return encoder.encode(text);
  if (most > scratch[slot].length) scratch[slot] = new Uint8Array(Math.max(most, 2 * scratch[slot].length));
  const { written } = encoder.encodeInto(text, scratch[slot]);
  return scratch[slot].subarray(0, written);
}

/** The engine's operations, numbered as the WebAssembly's `OPERATIONS` (bindings-wasm/src/lib.rs). */
const OPERATION = Object.fromEntries([
  'parseOfferUri', 'parseOfferJson', 'buildOfferUri', 'buildOfferReferenceUri', 'buildOfferJson',
  'validateAgainstMetadata', 'lint', 'resolveOffer', 'wellKnownMetadataUrl', 'errorCodes', 'generateTxCode',
  'generatePreAuthorizedCode', 'generateIssuerState', 'generateUuid', 'checkTxCode', 'tokenRequestBody',
  'renderQrSvg',
].map((name, number) => [name, number]));
const NO_TEXT = new Uint8Array(0);

/**
 * Runs an operation of the engine through its one export: `text` its document as UTF-8 bytes, `second` the
 * second one's bytes, `options` JSON text (which crosses as UTF-8 bytes too), `entropy` fixed random bytes;
 * engine errors become CredentialOfferError.
 */
function call(operation, text, second, options, entropy) {
  try {
    const optionBytes = options === undefined ? undefined : encoder.encode(options);
    return raw.call(OPERATION[operation], text ?? NO_TEXT, second, optionBytes, entropy);
  } catch (error) {
    throw converted(error);
  }
}

const ERROR_CODES = Object.freeze(JSON.parse(call('errorCodes')));

function parseOfferUri(uri, options) {
  return JSON.parse(call('parseOfferUri', utf8(String(uri)), undefined, optionsText(options)));
}

function parseOfferJson(json, options) {
  return JSON.parse(call('parseOfferJson', utf8(jsonText(json)), undefined, optionsText(options)));
}

function buildOfferUri(offer, options) {
  return call('buildOfferUri', utf8(jsonText(offer)), undefined, optionsText(options));
}

function buildOfferReferenceUri(reference, options) {
  return call('buildOfferReferenceUri', utf8(String(reference)), undefined, optionsText(options));
}

function buildOfferJson(offer, options) {
  return call('buildOfferJson', utf8(jsonText(offer)), undefined, optionsText(options));
}

function validateAgainstMetadata(offer, metadata, options) {
  return JSON.parse(call('validateAgainstMetadata', utf8(jsonText(offer)), utf8(jsonText(metadata), 1), optionsText(options)));
}

function lint(input, options) {
  const { metadata, ...rest } = options ?? {};
  const metadataBytes = metadata === undefined || metadata === null ? undefined : utf8(jsonText(metadata), 1);
  // A URI may come as a URL object, read as its text like parseOfferUri's; any other object is offer JSON.
  const text = input instanceof URL ? String(input) : jsonText(input);
  return JSON.parse(call('lint', utf8(text), metadataBytes, optionsText(rest)));
}

function resolveOffer(offer, metadata, options) {
  return JSON.parse(call('resolveOffer', utf8(jsonText(offer)), utf8(jsonText(metadata), 1), optionsText(options)));
}

function wellKnownMetadataUrl(credentialIssuer) {
  return call('wellKnownMetadataUrl', utf8(String(credentialIssuer)));
}

function generateTxCode(options) {
  const { entropy, ...rest } = options ?? {};
  return call('generateTxCode', undefined, undefined, optionsText(rest), entropy);
}

function generatePreAuthorizedCode(options) {
  return call('generatePreAuthorizedCode', undefined, undefined, undefined, options?.entropy);
}

function generateIssuerState(options) {
  return call('generateIssuerState', undefined, undefined, undefined, options?.entropy);
}

function generateUuid(options) {
  return call('generateUuid', undefined, undefined, undefined, options?.entropy);
}

function checkTxCode(prompt, input) {
  call('checkTxCode', utf8(jsonText(prompt)), utf8(String(input), 1));
}

function tokenRequestBody(offer, options) {
  return call('tokenRequestBody', utf8(jsonText(offer)), undefined, optionsText(options));
}

function renderQrSvg(text) {
  return call('renderQrSvg', utf8(String(text)));
}
