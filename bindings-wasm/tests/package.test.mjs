// The package as a user meets it: module formats, the error shape, and every export beyond the vectors.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import * as credoffer from 'credoffer';
import * as issuerEntry from 'credoffer/issuer';

const { Issuer, TOKEN_RESPONSE_HEADERS, TokenRequest, lookupKey, offerStatus } = issuerEntry;
const require = createRequire(import.meta.url);

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const ISSUER = 'https://issuer.example.com';
const MDL = 'org.iso.18013.5.1.mDL';

/** The names a declaration file of the package exports, in the order it declares them. */
function declaredNamesOf(file) {
  const declarations = readFileSync(new URL(`../pkg/${file}`, import.meta.url), 'utf8');
  return [...declarations.matchAll(/^export declare (?:function|class|const) (\w+)/gm)].map((match) => match[1]);
}
const declaredNames = declaredNamesOf('credoffer.d.ts');
const issuerNames = declaredNamesOf('issuer.d.ts');

/** The names a WebAssembly build of the package exports to its JavaScript glue. */
function wasmExports(build) {
  const bytes = readFileSync(new URL(`../pkg/${build}/credoffer_wasm_bg.wasm`, import.meta.url));
  return WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map(({ name }) => name);
}

function throwsCode(action, code, field) {
  assert.throws(action, (error) => {
    assert.ok(error instanceof credoffer.CredentialOfferError, `not a CredentialOfferError: ${error}`);
    assert.equal(error.code, code, error.message);
    if (field !== undefined) assert.equal(error.field, field);
    return true;
  });
}

test('ESM import and CJS require give the same module, exporting what the declarations declare', () => {
  const cjs = require('credoffer');
  assert.deepEqual(Object.keys(cjs).sort(), [...declaredNames].sort());
  assert.deepEqual(Object.keys(credoffer).sort(), [...declaredNames].sort());
  for (const name of declaredNames) assert.equal(credoffer[name], cjs[name], name);
  assert.equal(require.resolve('credoffer'), new URL('../pkg/node/index.cjs', import.meta.url).pathname);
});

test('package.json: Node gets each module system its declarations; bundlers the browser build; the issuer entry for Node only', () => {
  const manifest = JSON.parse(readFileSync(new URL('../pkg/package.json', import.meta.url), 'utf8'));
  assert.deepEqual(Object.keys(manifest.exports), ['.', './issuer', './package.json']);
  const root = manifest.exports['.'];
  assert.deepEqual(Object.keys(root), ['node', 'types', 'browser', 'default']);
  assert.deepEqual(root.node, {
    import: { types: './credoffer.d.ts', default: './node/index.mjs' },
    require: { types: './credoffer.d.cts', default: './node/index.cjs' },
  });
  assert.equal(root.types, './credoffer.d.ts');
  // No `browser` or `default` condition: a bundler building for a page stops with an unresolved import.
  const issuer = manifest.exports['./issuer'];
  assert.deepEqual(Object.keys(issuer), ['node', 'types']);
  assert.deepEqual(issuer.node, {
    import: { types: './issuer.d.ts', default: './node/issuer.mjs' },
    require: { types: './issuer.d.cts', default: './node/issuer.cjs' },
  });
  const files = [root, issuer].flatMap((entry) => [
    entry.types,
    ...Object.values(entry.node).flatMap((condition) => Object.values(condition)),
  ]);
  for (const file of [...files, root.browser]) {
    assert.ok(manifest.files.some((shipped) => file.startsWith(`./${shipped}`)), `${file} is not in "files"`);
    assert.ok(readFileSync(new URL(`../pkg/${file}`, import.meta.url)).length > 0, file);
  }
});

test('credoffer/issuer resolves under Node for import and require, to one module sharing the error class', async () => {
  assert.equal(require.resolve('credoffer/issuer'), new URL('../pkg/node/issuer.cjs', import.meta.url).pathname);
  assert.equal(import.meta.resolve('credoffer/issuer'), new URL('../pkg/node/issuer.mjs', import.meta.url).href);
  const cjs = require('credoffer/issuer');
  assert.deepEqual(Object.keys(cjs).sort(), [...issuerNames].sort());
  assert.deepEqual(Object.keys(issuerEntry).sort(), [...issuerNames].sort());
  for (const name of issuerNames) assert.equal(issuerEntry[name], cjs[name], name);
  assert.equal((await import('credoffer/issuer')).Issuer, cjs.Issuer);
  // One WebAssembly instance and one error class behind both entries.
  assert.throws(() => new cjs.Issuer({}), credoffer.CredentialOfferError);
});

test('the browser entry carries no issuer engine: not in its exports, not in its WebAssembly', () => {
  assert.deepEqual(
    issuerNames.filter((name) => declaredNames.includes(name) || name in credoffer),
    [],
    'the main entry exports no issuer name',
  );
  const web = readFileSync(new URL('../pkg/web/index.js', import.meta.url), 'utf8');
  // The entry is minified, wasm-bindgen's glue within it: `export{CredentialOfferError,j as parseOfferUri,…}`.
  const webExports = web.match(/export\s*\{([^}]*)\}/)?.[1].split(',') ?? [];
  const webNames = webExports.map((item) => item.trim().split(/\s+as\s+/).at(-1));
  assert.deepEqual(webNames.sort(), [...declaredNames].sort());
  const issuerOnly = (name) => /^issuer|^introspect|^lookupkey$|^tokenresponseheaders$/.test(name.toLowerCase());
  const nodeIssuerExports = wasmExports('node').filter(issuerOnly);
  assert.ok(nodeIssuerExports.length >= 12, `the Node build's issuer exports: ${nodeIssuerExports}`);
  assert.deepEqual(wasmExports('web').filter(issuerOnly), []);
  // wasm-bindgen's own exports follow the argument types: only the issuer's strings need its `__wbindgen_realloc`.
  const engineExports = (build) => wasmExports(build).filter((name) => !name.startsWith('__'));
  assert.deepEqual(engineExports('web').length, engineExports('node').length - nodeIssuerExports.length);
});

test('errors are CredentialOfferError with a stable code, field, HTTP status and details', () => {
  let caught;
  try {
    credoffer.buildOfferUri({ credential_issuer: ISSUER, credential_configuration_ids: ['a', 'a'] });
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof credoffer.CredentialOfferError);
  assert.ok(caught instanceof Error);
  assert.equal(caught.name, 'CredentialOfferError');
  assert.equal(caught.code, 'duplicate_credential_configuration_id');
  assert.equal(caught.field, 'credential_configuration_ids[1]');
  assert.equal(caught.httpStatus, 400);
  assert.deepEqual(caught.details, []);
  assert.match(caught.message, /more than once/);
  assert.match(String(caught.stack), /CredentialOfferError/);

  let noField;
  try {
    credoffer.parseOfferUri('openid-credential-offer://?foo=bar');
  } catch (error) {
    noField = error;
  }
  assert.equal(noField.code, 'missing_offer_parameter');
  assert.equal(noField.field, undefined);
  assert.equal('mattrBody' in noField, false);
});

test('ERROR_CODES lists every code once, frozen', () => {
  assert.ok(Object.isFrozen(credoffer.ERROR_CODES));
  assert.equal(new Set(credoffer.ERROR_CODES).size, credoffer.ERROR_CODES.length);
  assert.ok(credoffer.ERROR_CODES.includes('invalid_uri') && credoffer.ERROR_CODES.includes('qr_too_long'));
  const declarations = readFileSync(new URL('../pkg/credoffer.d.ts', import.meta.url), 'utf8');
  const union = (name) => [...declarations.split(`export type ${name} =`)[1].split('\nexport ')[0].matchAll(/\| '(\w+)'/g)];
  const declared = [...union('EngineErrorCode'), ...union('BindingErrorCode')].map((m) => m[1]);
  assert.deepEqual(declared, [...credoffer.ERROR_CODES]);
});

test('bad arguments and options are clear errors, never crashes', () => {
  throwsCode(() => credoffer.parseOfferUri(undefined), 'invalid_uri');
  throwsCode(() => credoffer.parseOfferUri('x', { allowInsecureHTTP: true }), 'unknown_option', 'allowInsecureHTTP');
  throwsCode(() => credoffer.parseOfferUri('x', { strict: 'yes' }), 'invalid_argument_type', 'strict');
  throwsCode(() => credoffer.parseOfferUri('x', { plus: 'minus' }), 'invalid_argument', 'plus');
  throwsCode(() => credoffer.buildOfferUri({ credential_issuer: ISSUER }, { dialect: 'draft99' }), 'unknown_dialect', 'dialect');
  throwsCode(() => credoffer.buildOfferUri('{', {}), 'invalid_json');
  throwsCode(() => credoffer.parseOfferJson(42), 'invalid_json');
  throwsCode(() => credoffer.generateTxCode({}), 'missing_argument', 'length');
  throwsCode(() => credoffer.generateTxCode({ length: -1 }), 'invalid_argument_type', 'length');
  // The module still works after errors.
  assert.equal(credoffer.parseOfferUri(credoffer.buildOfferReferenceUri('https://a.example/o')).uri, 'https://a.example/o');
});

test('a URL object is read as its text', () => {
  const url = new URL(credoffer.buildOfferUri({ credential_issuer: ISSUER, credential_configuration_ids: [MDL] }, { base: 'https://wallet.example/offer' }));
  assert.equal(credoffer.parseOfferUri(url).offer.credential_issuer, ISSUER);
  assert.deepEqual(credoffer.lint(url), credoffer.lint(url.href));
});

test('parseOfferJson takes text or an object; buildOfferJson writes each dialect', () => {
  const offer = { credential_issuer: ISSUER, credential_configuration_ids: [MDL] };
  assert.deepEqual(credoffer.parseOfferJson(JSON.stringify(offer)).offer, offer);
  assert.deepEqual(credoffer.parseOfferJson(offer), { offer, source: '1.0', warnings: [] });
  assert.equal(credoffer.buildOfferJson(offer), JSON.stringify(offer));
  assert.deepEqual(JSON.parse(credoffer.buildOfferJson(offer, { dialect: 'mattr' })), { ...offer, credentials: [MDL] });
  assert.deepEqual(JSON.parse(credoffer.buildOfferJson(offer, { dialect: 'draft11' })), { credential_issuer: ISSUER, credentials: [MDL] });
  throwsCode(() => credoffer.buildOfferJson({ ...offer, credential_issuer: 'http://issuer.example.com' }), 'insecure_url');
});

test('generateTxCode: digits or text, uniform, deterministic from given bytes', () => {
  assert.match(credoffer.generateTxCode({ length: 6 }), /^\d{6}$/);
  assert.match(credoffer.generateTxCode({ length: 8, inputMode: 'text' }), /^[2-9A-HJ-NP-Z]{8}$/);
  // Bytes 250..=255 are rejected (they would favour 0 to 5): 255 skipped, 7 → 7, 0 → 0, 250 skipped, 19 → 9.
  assert.equal(credoffer.generateTxCode({ length: 3, entropy: new Uint8Array([255, 7, 0, 250, 19]) }), '709');
  throwsCode(() => credoffer.generateTxCode({ length: 6, entropy: new Uint8Array(2) }), 'entropy_unavailable');
  const codes = new Set(Array.from({ length: 50 }, () => credoffer.generateTxCode({ length: 8 })));
  assert.ok(codes.size > 45, 'codes come from crypto.getRandomValues, not a constant');
});

test('generatePreAuthorizedCode: 256 bits, base64url', () => {
  const code = credoffer.generatePreAuthorizedCode();
  assert.match(code, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(code, credoffer.generatePreAuthorizedCode());
  const fixed = credoffer.generatePreAuthorizedCode({ entropy: new Uint8Array(32).fill(0xff) });
  assert.equal(fixed, '_'.repeat(42) + '8');
});

test('renderQrSvg: an SVG document; text too long for any QR code is an error', () => {
  const svg = credoffer.renderQrSvg(credoffer.buildOfferReferenceUri('https://issuer.example.com/offers/1'));
  assert.match(svg, /^<svg [^>]*viewBox="0 0 (\d+) \1"/);
  assert.match(svg, /<path /);
  assert.notEqual(svg, credoffer.renderQrSvg('openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fb.example'));
  throwsCode(() => credoffer.renderQrSvg('x'.repeat(3000)), 'qr_too_long');
});

test('wallet: the prompt comes with the parsed offer; input is checked; the token request is written', () => {
  const offer = {
    credential_issuer: ISSUER,
    credential_configuration_ids: [MDL],
    grants: { [PRE_AUTH]: { 'pre-authorized_code': 'a+b/c', tx_code: { length: 4, description: 'from the email' } } },
  };
  const parsed = credoffer.parseOfferUri(credoffer.buildOfferUri(offer));
  assert.deepEqual(parsed.txCodePrompt, { inputMode: 'numeric', length: 4, description: 'from the email' });
  credoffer.checkTxCode(parsed.txCodePrompt, '0123');
  throwsCode(() => credoffer.checkTxCode(parsed.txCodePrompt, '12a4'), 'tx_code_mismatch', 'tx_code');
  throwsCode(() => credoffer.checkTxCode(parsed.txCodePrompt, '12345'), 'tx_code_mismatch', 'tx_code');
  throwsCode(() => credoffer.checkTxCode({ length: 4 }, '1234'), 'missing_argument', 'prompt.inputMode');
  const body = credoffer.tokenRequestBody(parsed.offer, { txCode: '0123', clientId: 'wallet 1' });
  assert.deepEqual(Object.fromEntries(new URLSearchParams(body)), {
    grant_type: PRE_AUTH,
    'pre-authorized_code': 'a+b/c',
    tx_code: '0123',
    client_id: 'wallet 1',
  });
  throwsCode(() => credoffer.tokenRequestBody(parsed.offer), 'tx_code_mismatch');

  const draft11 = credoffer.parseOfferJson({
    credential_issuer: ISSUER,
    credentials: ['UniversityDegree'],
    grants: { [PRE_AUTH]: { 'pre-authorized_code': 'c', user_pin_required: true } },
  });
  assert.equal(draft11.source, 'draft11');
  assert.equal(draft11.txCodePrompt.maxLength, 8);
});

test('lint: the engine report, each lint finding with its evidence; options and metadata reach the rules', () => {
  const offer = {
    credential_issuer: ISSUER,
    credential_configuration_ids: ['pid'],
    grants: { [PRE_AUTH]: { 'pre-authorized_code': 'oaKazRN8I0IbtZ0C7JuMn5' } },
  };
  const uri = credoffer.buildOfferUri(offer);
  const report = credoffer.lint(uri, { profile: 'haip' });
  assert.equal(report.profile, 'haip');
  assert.deepEqual(
    report.warnings.map(({ code, field }) => [code, field]),
    [
      ['pre_authorized_without_tx_code', `grants.${PRE_AUTH}`],
      ['haip_authorization_code', 'grants'],
    ],
  );
  for (const warning of report.warnings) {
    assert.ok(typeof warning.evidence === 'string' && warning.evidence.length > 0, `${warning.code} has evidence`);
  }
  assert.match(report.warnings[0].evidence, /#664/);
  // A parse warning is not the lint's: it has no evidence.
  const plus = credoffer.parseOfferUri(uri.replace('oaKazRN8I0IbtZ0C7JuMn5', 'a+b'));
  assert.deepEqual(plus.warnings.map((warning) => [warning.code, 'evidence' in warning]), [['ambiguous_plus', false]]);

  // Offer JSON (an object here) is judged as the options write it.
  const authorization = { credential_issuer: ISSUER, credential_configuration_ids: ['pid'], grants: { authorization_code: {} } };
  const itWallet = credoffer.lint(authorization, { profile: 'it-wallet', base: 'haip-vci://' });
  assert.deepEqual(itWallet.warnings.map((warning) => warning.code), ['it_wallet_issuer_state', 'it_wallet_scheme']);
  const metadata = {
    credential_issuer: ISSUER,
    credential_configurations_supported: { pid: { format: 'dc+sd-jwt', vct: 'urn:eudi:pid:1' } },
  };
  const scoped = credoffer.lint(JSON.stringify(authorization), { profile: 'haip', metadata });
  assert.deepEqual(scoped.warnings.map(({ code, field }) => [code, field]), [['haip_scope', 'credential_configuration_ids[0]']]);
  // The scope rule is HAIP's: without the profile, the same metadata finds nothing.
  assert.deepEqual(credoffer.lint(authorization, { metadata }).warnings, []);
  const reference = credoffer.lint(credoffer.buildOfferReferenceUri('https://issuer.example.com/o/1'));
  assert.deepEqual(reference, { profile: null, reference: 'https://issuer.example.com/o/1', warnings: [] });
  const insecure = credoffer.buildOfferUri({ ...authorization, credential_issuer: 'http://localhost:8080' }, { allowInsecureHttp: true });
  throwsCode(() => credoffer.lint(insecure), 'insecure_url', 'credential_issuer');
  assert.deepEqual(credoffer.lint(insecure, { allowInsecureHttp: true }).warnings, []);

  throwsCode(() => credoffer.lint(uri, { profile: 'HAIP' }), 'unknown_profile');
  throwsCode(() => credoffer.lint(uri, { profile: 7 }), 'invalid_argument_type', 'profile');
  throwsCode(() => credoffer.lint(uri, { dialect: 'draft99' }), 'unknown_dialect', 'dialect');
  throwsCode(() => credoffer.lint(uri, { metadata: '[]' }), 'invalid_metadata');
  throwsCode(() => credoffer.lint(uri, { profiles: 'haip' }), 'unknown_option', 'profiles');
});

test('resolveOffer: inline descriptions named by the configuration ids that serve them', () => {
  const metadata = {
    credential_issuer: ISSUER,
    credential_configurations_supported: {
      pid: { format: 'dc+sd-jwt', vct: 'urn:eudi:pid:1' },
      [MDL]: { format: 'mso_mdoc', doctype: MDL },
    },
  };
  const draft11 = {
    credential_issuer: ISSUER,
    credentials: [{ format: 'mso_mdoc', doctype: MDL }, { format: 'vc+sd-jwt', vct: 'urn:eudi:pid:1' }],
    grants: { [PRE_AUTH]: { 'pre-authorized_code': 'c', user_pin_required: true } },
  };
  assert.ok(credoffer.parseOfferJson(draft11).warnings.some((warning) => warning.code === 'legacy_credential_description'));
  const resolved = credoffer.resolveOffer(draft11, metadata);
  assert.equal(resolved.source, 'draft11');
  assert.deepEqual(resolved.offer.credential_configuration_ids, [MDL, 'pid']);
  assert.equal(resolved.offer.credentials, undefined);
  assert.ok(!resolved.warnings.some((warning) => warning.code === 'legacy_credential_description'));
  assert.deepEqual(resolved.txCodePrompt, { inputMode: 'numeric', maxLength: 8 });
  // Text in, the same result.
  assert.deepEqual(credoffer.resolveOffer(JSON.stringify(draft11), JSON.stringify(metadata)), resolved);

  const pidOnly = { ...metadata, credential_configurations_supported: { pid: metadata.credential_configurations_supported.pid } };
  throwsCode(() => credoffer.resolveOffer(draft11, pidOnly), 'unknown_credential_configuration', 'credentials[0]');
  const twice = { ...metadata, credential_configurations_supported: { ...metadata.credential_configurations_supported, mdl2: { format: 'mso_mdoc', doctype: MDL } } };
  throwsCode(() => credoffer.resolveOffer(draft11, twice), 'ambiguous_credential_description', 'credentials[0]');
  throwsCode(() => credoffer.resolveOffer(draft11, '{'), 'invalid_metadata');
  throwsCode(() => credoffer.resolveOffer(draft11, metadata, { limits: { maxJsonBytes: 10 } }), 'limit_exceeded');
});

// ---------------------------------------------------------------------------------------------------------
// Issuer

const config = {
  credentialIssuer: ISSUER,
  credentialConfigurations: { [MDL]: 'mso_mdoc', pid: 'dc+sd-jwt' },
  dialect: 'mattr',
  preAuthorizedMdocOnly: true,
};
const NOW = 1_700_000_000;

function tokenRequest(uri, txCode) {
  const { offer } = credoffer.parseOfferUri(uri);
  return credoffer.tokenRequestBody(offer, txCode === undefined ? {} : { txCode });
}

test('Issuer: a bad configuration is refused at construction', () => {
  throwsCode(() => new Issuer({ ...config, credentialConfigurations: {} }), 'invalid_configuration', 'credentialConfigurations');
  throwsCode(() => new Issuer({ ...config, color: 'blue' }), 'invalid_configuration');
  throwsCode(() => new Issuer({ ...config, credentialIssuer: 'http://issuer.example.com' }), 'insecure_url');
});

test('Issuer: pre-authorized offer, wrong codes count down, then the offer is invalidated', () => {
  const issuer = new Issuer(config);
  const created = issuer.createPreAuthorizedOffer(
    { credentials: [MDL], transactionCodeConfiguration: { length: 6 } },
    { now: NOW },
  );
  assert.match(created.id, /^[0-9a-f-]{36}$/);
  assert.equal(created.expiresAt, NOW + 300);
  assert.equal(created.record.expiresAt, NOW + 300);
  assert.match(created.transactionCode, /^\d{6}$/);
  assert.equal(JSON.parse(created.responseBody).expiresAt, '2023-11-14T22:18:20.000Z');
  assert.equal(JSON.parse(created.responseBody).transactionCode, created.transactionCode);
  const parsed = credoffer.parseOfferUri(created.uri);
  assert.equal(parsed.source, 'hybrid');
  assert.deepEqual(parsed.txCodePrompt, { inputMode: 'numeric', length: 6 });
  assert.ok(!JSON.stringify(created.record).includes(parsed.offer.grants[PRE_AUTH]['pre-authorized_code']));

  const wrong = created.transactionCode === '000000' ? '111111' : '000000';
  let record = created.record;
  for (const left of [2, 1, 0]) {
    const answer = issuer.tokenEndpoint(tokenRequest(created.uri, wrong), record, { now: NOW + 1 });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.outcome, {
      kind: 'rejected',
      error: 'invalid_grant',
      errorDescription: answer.outcome.errorDescription,
      failedAttemptsLeft: left,
      revokeIssuedTokens: false,
    });
    assert.deepEqual(JSON.parse(answer.body), { error: 'invalid_grant', error_description: answer.outcome.errorDescription });
    assert.equal(answer.record.version, record.version + 1);
    record = answer.record;
  }
  assert.equal(record.state, 'invalidated');
  const late = issuer.tokenEndpoint(tokenRequest(created.uri, created.transactionCode), record, { now: NOW + 2 });
  assert.deepEqual([late.status, late.outcome.kind, 'record' in late], [400, 'rejected', false]);
});

test('Issuer: the token endpoint in two steps: read, look up by lookupKey, answer; the right code redeems once', () => {
  const issuer = new Issuer({ ...config, accessTokenLifetimeSeconds: 600 });
  const entropy = new Uint8Array(256).map((_, i) => (i * 37) % 256);
  const request = { credentials: [MDL], transactionCodeConfiguration: { length: 6 }, userId: '5f2a8e1c-7d3b-4c9e-8a6f-1b2c3d4e5f60' };
  const created = issuer.createPreAuthorizedOffer(request, { now: NOW, entropy });
  assert.deepEqual(issuer.createPreAuthorizedOffer(request, { now: NOW, entropy }), created);
  const body = tokenRequest(created.uri, created.transactionCode);

  const read = issuer.readTokenRequest(new URLSearchParams(body));
  assert.ok(read instanceof TokenRequest);
  assert.equal(read.lookupKey, created.record.codeHash);
  assert.equal(read.lookupKey, lookupKey(new URLSearchParams(body).get('pre-authorized_code')));
  assert.deepEqual(JSON.parse(JSON.stringify(read)), { lookupKey: read.lookupKey }, 'the form body stays private');
  assert.ok(Object.isFrozen(read));

  // An expired offer is refused; the first request to meet the expiry reports it, once.
  const expired = issuer.answerTokenRequest(read, created.record, { now: NOW + 300 });
  assert.deepEqual([expired.status, expired.outcome.kind, expired.event.type], [400, 'rejected', 'offer.expired']);
  const later = issuer.answerTokenRequest(read, expired.record, { now: NOW + 301 });
  assert.deepEqual([later.status, 'record' in later, 'event' in later], [400, false, false]);
  assert.match(expired.outcome.errorDescription, /expired/);

  const tokenEntropy = new Uint8Array(32).fill(5);
  const issued = issuer.answerTokenRequest(read, created.record, { now: NOW + 10, entropy: tokenEntropy });
  assert.equal(issued.status, 200);
  assert.deepEqual(issued.outcome, {
    kind: 'issued',
    accessToken: 'BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU',
    expiresIn: 600,
    userId: request.userId,
    credentialConfigurationIds: [MDL],
  });
  assert.deepEqual(JSON.parse(issued.body), { access_token: issued.outcome.accessToken, token_type: 'Bearer', expires_in: 600 });
  assert.equal(issued.record.state, 'redeemed');
  assert.equal(issued.record.redeemedAt, NOW + 10);
  assert.equal(issued.record.version, created.record.version + 1);
  // The form body, given instead of the request, is read first: the same answer.
  assert.deepEqual(issuer.answerTokenRequest(body, created.record, { now: NOW + 10, entropy: tokenEntropy }), issued);
  assert.deepEqual(issuer.tokenEndpoint(body, created.record, { now: NOW + 10, entropy: tokenEntropy }), issued);

  const again = issuer.tokenEndpoint(body, issued.record, { now: NOW + 11 });
  assert.deepEqual([again.status, again.outcome.error, again.outcome.revokeIssuedTokens], [400, 'invalid_grant', true]);
  const unknown = issuer.answerTokenRequest(read, null, { now: NOW + 10 });
  assert.deepEqual([unknown.status, unknown.outcome.error, 'record' in unknown], [400, 'invalid_grant', false]);
  const starved = issuer.tokenEndpoint(body, created.record, { now: NOW + 10, entropy: new Uint8Array(3) });
  assert.deepEqual([starved.status, JSON.parse(starved.body).error, 'record' in starved], [500, 'server_error', false]);
  assert.deepEqual([starved.outcome.kind, starved.outcome.error.code], ['failed', 'entropy_unavailable']);
  const random = issuer.tokenEndpoint(body, created.record, { now: NOW + 10 });
  assert.match(random.outcome.accessToken, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(random.outcome.accessToken, issued.outcome.accessToken);

  throwsCode(() => issuer.tokenEndpoint(body, { id: 'x' }), 'invalid_record');
  throwsCode(() => issuer.answerTokenRequest(read, created.record, { now: -5 }), 'invalid_argument', 'now');
});

test('Issuer: a form body that alone decides is answered at once, with no record', () => {
  const issuer = new Issuer(config);
  const cases = [
    ['grant_type=password', 'unsupported_grant_type'],
    ['', 'invalid_request'],
    [`grant_type=${encodeURIComponent(PRE_AUTH)}&pre-authorized_code=a&pre-authorized_code=a`, 'invalid_request'],
  ];
  for (const [form, error] of cases) {
    const step = issuer.readTokenRequest(form);
    assert.ok(!(step instanceof TokenRequest), form);
    assert.deepEqual(Object.keys(step), ['answer']);
    assert.deepEqual([step.answer.status, step.answer.outcome.kind, step.answer.outcome.error], [400, 'rejected', error]);
    assert.equal(JSON.parse(step.answer.body).error, error);
    assert.equal('record' in step.answer, false);
    // Whatever record the host holds, the answer is the same.
    const created = issuer.createPreAuthorizedOffer({ credentials: [MDL] }, { now: NOW });
    assert.deepEqual(issuer.tokenEndpoint(form, created.record, { now: NOW }), step.answer);
    assert.deepEqual(issuer.answerTokenRequest(form, null, { now: NOW }), step.answer);
  }
  assert.deepEqual(TOKEN_RESPONSE_HEADERS, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
  });
  assert.ok(Object.isFrozen(TOKEN_RESPONSE_HEADERS));
});

test('Issuer.checkMetadata: the metadata must name this issuer and list its configurations with their formats', () => {
  const issuer = new Issuer(config);
  const metadata = {
    credential_issuer: ISSUER,
    credential_configurations_supported: { [MDL]: { format: 'mso_mdoc' }, pid: { format: 'dc+sd-jwt' } },
  };
  assert.equal(issuer.checkMetadata(metadata), undefined);
  assert.equal(issuer.checkMetadata(JSON.stringify(metadata)), undefined);
  throwsCode(() => issuer.checkMetadata({ ...metadata, credential_issuer: `${ISSUER}/` }), 'issuer_mismatch', 'credential_issuer');
  throwsCode(
    () => issuer.checkMetadata({ ...metadata, credential_configurations_supported: { [MDL]: { format: 'mso_mdoc' } } }),
    'unknown_credential_configuration',
    'credential_configurations_supported.pid',
  );
  throwsCode(
    () => issuer.checkMetadata({ ...metadata, credential_configurations_supported: { ...metadata.credential_configurations_supported, pid: { format: 'jwt_vc_json' } } }),
    'invalid_metadata',
    'credential_configurations_supported.pid.format',
  );
  assert.throws(() => issuer.checkMetadata('{'), (error) => error.code === 'invalid_metadata' && error.mattrBody.code === 'BadRequest');
});

test('Issuer: request problems are all listed, with the MATTR body', () => {
  const issuer = new Issuer(config);
  assert.throws(
    () => issuer.createPreAuthorizedOffer({ credentials: ['pid', 'nope'], userId: 'me', expiresIn: { minutes: 60 } }),
    (error) => {
      assert.equal(error.code, 'validation_failed');
      assert.deepEqual(
        error.details.map((d) => [d.code, d.field]),
        [
          ['unsupported_format', 'credentials[0]'],
          ['unknown_credential_configuration', 'credentials[1]'],
          ['invalid_user_id', 'userId'],
          ['invalid_expiry', 'expiresIn'],
        ],
      );
      assert.equal(error.details[2].value, 'me');
      assert.equal(error.mattrBody.code, 'BadRequest');
      assert.equal(error.mattrBody.details[0].param, 'credentials[0]');
      return true;
    },
  );
});

test('Issuer: authorization offers, delete, serving by reference until redeemed, expiry and status', () => {
  const issuer = new Issuer({ ...config, generateIssuerState: true });
  const offer = issuer.createAuthorizationOffer({ credentials: ['pid'], request_parameters: { prompt: 'login' } });
  const parsed = credoffer.parseOfferUri(offer.uri);
  assert.equal(parsed.offer.grants.authorization_code.issuer_state, offer.issuerState);
  assert.deepEqual(parsed.offer.request_parameters, { prompt: 'login' });

  const created = issuer.createPreAuthorizedOffer({ credentials: [MDL] }, { now: NOW });
  assert.deepEqual(created.event, {
    id: `${created.id}.1`,
    type: 'offer.created',
    timestamp: new Date(NOW * 1000).toISOString(),
    data: { offerId: created.id, userId: created.userId },
  });
  const deleted = issuer.delete(created.record, { now: NOW + 5 });
  assert.deepEqual([deleted.record.state, deleted.record.deletedAt, deleted.event.type], ['deleted', NOW + 5, 'offer.deleted']);
  assert.throws(() => issuer.delete(deleted.record), (error) => error.code === 'offer_not_found' && error.httpStatus === 404 && error.mattrBody.code === 'NotFound');
  assert.equal(offerStatus(deleted.record, { now: NOW + 6 }).deletedAt, new Date((NOW + 5) * 1000).toISOString());

  const byReference = new Issuer({ ...config, offerUrlTemplate: 'https://issuer.example.com/offers/{token}' });
  const referenced = byReference.createPreAuthorizedOffer({ credentials: [MDL] }, { now: NOW });
  const { uri } = credoffer.parseOfferUri(referenced.uri);
  const token = uri.split('/').pop();
  const served = byReference.serveOffer(referenced.record, token, { now: NOW + 1 });
  assert.equal(credoffer.parseOfferJson(served.body).offer.credential_configuration_ids[0], MDL);
  assert.deepEqual([served.record.fetchCount, served.event.type, served.event.data.fetchCount], [1, 'offer.fetched', 1]);
  const again = byReference.serveOffer(served.record, token, { now: NOW + 2 });
  assert.deepEqual([again.body, again.record.fetchCount, again.event.id], [served.body, 2, `${referenced.id}.3`]);
  assert.throws(() => byReference.serveOffer(again.record, `${token}x`, { now: NOW + 3 }), (error) => error.code === 'offer_not_found');

  // Expiry: reported once, dated at the offer's expiry, and the status says so.
  assert.equal(byReference.checkExpiry(again.record, { now: NOW + 299 }), null);
  assert.equal(offerStatus(again.record, { now: NOW + 299 }).state, 'active');
  const expired = byReference.checkExpiry(again.record, { now: NOW + 400 });
  assert.deepEqual([expired.event.type, expired.event.timestamp, expired.record.expiryReported], ['offer.expired', new Date((NOW + 300) * 1000).toISOString(), true]);
  assert.equal(byReference.checkExpiry(expired.record, { now: NOW + 500 }), null);
  assert.throws(() => byReference.serveOffer(expired.record, token, { now: NOW + 400 }), (error) => error.code === 'offer_not_found' && !('expired' in error));
  // Without a sweep, the first fetch past the expiry reports it, on its error; the same change the sweep makes.
  assert.throws(
    () => byReference.serveOffer(again.record, token, { now: NOW + 400 }),
    (error) => error instanceof credoffer.CredentialOfferError && error.code === 'offer_not_found' && assert.deepEqual(error.expired, expired) === undefined,
  );
  const status = offerStatus(expired.record, { now: NOW + 400 });
  assert.deepEqual([status.state, status.fetchCount, status.lastFetchedAt], ['expired', 2, new Date((NOW + 2) * 1000).toISOString()]);
  assert.ok(!JSON.stringify(status).includes(expired.record.codeHash), 'no hash in the status');
  assert.throws(() => offerStatus({ id: 'x' }), (error) => error.code === 'invalid_record');
});

test('every export and Issuer method given wrong JavaScript types throws a clear error, never a WebAssembly trap', () => {
  const wrong = [undefined, null, 0, -1, 1.5, NaN, true, '', 'x', {}, [], [1], () => {}, Symbol('s'), 10n, new Uint8Array(3)];
  const issuer = new Issuer({
    credentialIssuer: ISSUER,
    credentialConfigurations: { [MDL]: 'mso_mdoc' },
  });
  const calls = [];
  for (const [name, value] of [...Object.entries(credoffer), ...Object.entries(issuerEntry)]) {
    if (typeof value !== 'function' || name === 'CredentialOfferError' || name === 'Issuer') continue;
    calls.push([name, (...args) => value(...args)]);
  }
  calls.push(['new Issuer', (...args) => new Issuer(...args)]);
  for (const method of Object.getOwnPropertyNames(Object.getPrototypeOf(issuer))) {
    if (method !== 'constructor' && typeof issuer[method] === 'function') {
      calls.push([`Issuer.${method}`, (...args) => issuer[method](...args)]);
    }
  }
  assert.ok(calls.length > 15, `only ${calls.length} callables found`);
  let tried = 0;
  for (const [name, call] of calls) {
    for (const first of wrong) {
      for (const second of [undefined, null, 'x', 7, {}]) {
        tried += 1;
        try {
          call(first, second, second);
        } catch (error) {
          assert.ok(
            error instanceof credoffer.CredentialOfferError || error instanceof TypeError,
            `${name}(${String(first)}, ${String(second)}) threw ${error?.constructor?.name}: ${error?.message}`,
          );
          assert.ok(!(error instanceof WebAssembly.RuntimeError), `${name} trapped`);
        }
      }
    }
  }
  assert.ok(tried > 1000);
  // The module still works after all of that.
  assert.equal(credoffer.parseOfferUri(credoffer.buildOfferReferenceUri('https://a.example/o')).uri, 'https://a.example/o');
});
