// The shared test vectors (tests/vectors/*.json at the repository root) as cases to run against the package's
// entries. Both runners load this module: vectors.test.mjs in Node, against `credoffer` and `credoffer/issuer`,
// and vectors.browser.test.mjs in Chromium, against the browser build (pkg/web/), which serves no issuer
// entry. It reads no file and imports nothing of Node's: each runner hands it the files and the entries.
//
// A case listed in expected-failures.json must fail (with the reason written there); if it passes, the
// list is out of date and the run fails too. A case of a shape this module does not know fails, so a typo
// cannot turn a case into one that tests nothing.

import { assert } from './assert.mjs';

/** The entry a case needs: the main one serves browsers and Node, the issuer one Node only. */
export const MAIN_ENTRY = 'credoffer';
export const ISSUER_ENTRY = 'credoffer/issuer';

/** Per file, how to run its cases and the entry each case needs. */
const RUNNERS = {
  'parse.json': { run: runParseCase },
  'regressions.json': { run: runParseCase },
  'build.json': { run: runBuildCase },
  'metadata.json': { run: runMetadataCase },
  'lint.json': { run: runLintCase },
  'resolve.json': { run: runResolveCase },
  'issuer.json': { run: runIssuerCase, entry: () => ISSUER_ENTRY },
  'redeem.json': { run: runRedeemCase, entry: () => ISSUER_ENTRY },
  'lifecycle.json': { run: runLifecycleCase, entry: () => ISSUER_ENTRY },
  'secret.json': {
    run: runSecretCase,
    entry: (testCase) => (testCase.function === 'lookup_key' ? ISSUER_ENTRY : MAIN_ENTRY),
  },
  'wallet.json': { run: runWalletCase },
  'introspect.json': { run: runIntrospectCase, entry: () => ISSUER_ENTRY },
};

/**
 * Every case of the vector files, in file order (files sorted by name): `{ name, entry, run }`, where `run`
 * throws when the case fails and `entry` is the entry it needs. A file without a runner gives one case with
 * `skip` set instead of `run`. `files` maps a file name to its parsed JSON; `issuerEntry` may be left out
 * where there is none, and then only the cases needing the main entry can run.
 */
export function vectorCases({ files, expectedFailures, credoffer, issuerEntry }) {
  const cases = [];
  for (const file of Object.keys(files).sort()) {
    const runner = RUNNERS[file];
    if (!runner) {
      cases.push({ name: file, entry: MAIN_ENTRY, skip: 'no runner for this file in the npm package yet' });
      continue;
    }
    const { cases: fileCases, configs } = files[file];
    const failing = expectedFailures[file] ?? {};
    for (const id of Object.keys(failing)) {
      cases.push({
        name: `${file}: expected failure ${id} names a real case`,
        entry: MAIN_ENTRY,
        run: () => assert.ok(fileCases.some((c) => c.id === id), `${id} is not a case of ${file}`),
      });
    }
    const context = { configs, credoffer, issuerEntry };
    for (const testCase of fileCases) {
      const reason = failing[testCase.id];
      const run =
        reason === undefined
          ? () => runner.run(testCase, context)
          : () =>
              assert.throws(
                () => runner.run(testCase, context),
                `${testCase.id} passes now: remove it from expected-failures.json`,
              );
      cases.push({ name: `${file}: ${testCase.id}`, entry: runner.entry?.(testCase) ?? MAIN_ENTRY, run });
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------------

function checkKeys(object, allowed, what) {
  for (const key of Object.keys(object)) {
    assert.ok(allowed.includes(key), `unknown member ${JSON.stringify(key)} in ${what}`);
  }
}

/** The vectors' snake_case options as this package's camelCase options. */
function parseOptions(options) {
  if (options === undefined) return undefined;
  checkKeys(options, ['plus', 'strict', 'allow_insecure_http', 'limits'], 'options');
  const converted = { plus: options.plus, strict: options.strict, allowInsecureHttp: options.allow_insecure_http };
  if (options.limits) {
    const limits = options.limits;
    checkKeys(limits, ['max_uri_bytes', 'max_json_bytes', 'max_credential_configuration_ids', 'max_depth'], 'limits');
    converted.limits = {
      maxUriBytes: limits.max_uri_bytes,
      maxJsonBytes: limits.max_json_bytes,
      maxCredentialConfigurationIds: limits.max_credential_configuration_ids,
      maxDepth: limits.max_depth,
    };
  }
  return converted;
}

function buildOptions(options) {
  if (options === undefined) return undefined;
  checkKeys(options, ['dialect', 'base', 'allow_insecure_http'], 'options');
  return { dialect: options.dialect, base: options.base, allowInsecureHttp: options.allow_insecure_http };
}

/**
 * Runs `action`: an expected error is compared here, a result by `check`. `refusal`, for a call whose error may
 * still change the offer, names the expectation's further `members` and `check`s the thrown error for them.
 */
function expectOutcome({ credoffer }, expect, action, check, refusal = { members: [], check: () => {} }) {
  if ('error' in expect) {
    checkKeys(expect, ['error', 'field', 'status', 'body', ...refusal.members], 'expect');
    assert.throws(action, (error) => {
      assert.ok(error instanceof credoffer.CredentialOfferError, `not a CredentialOfferError: ${error}`);
      assert.equal(error.code, expect.error, error.message);
      if ('field' in expect) assert.equal(error.field, expect.field);
      if ('status' in expect) assert.equal(error.httpStatus, expect.status);
      if ('body' in expect) {
        const body = structuredClone(error.mattrBody);
        for (const detail of body.details ?? []) {
          assert.ok(typeof detail.msg === 'string' && detail.msg.length > 0, 'every detail has a message');
          delete detail.msg;
        }
        assert.deepEqual(body, expect.body);
      }
      refusal.check(error);
      return true;
    });
    return;
  }
  check(action());
}

function bytesFromHex(hex) {
  assert.match(hex, /^(?:[0-9a-f]{2})*$/i, 'entropy_hex is hex bytes');
  return Uint8Array.from(hex.match(/../g) ?? [], (byte) => parseInt(byte, 16));
}

const warningCodes = (warnings) => warnings.map((warning) => warning.code);

function runParseCase(testCase, { credoffer }) {
  checkKeys(testCase, ['id', 'note', 'input', 'options', 'expect'], 'case');
  const { expect } = testCase;
  expectOutcome(
    { credoffer },
    expect,
    () => credoffer.parseOfferUri(testCase.input, parseOptions(testCase.options)),
    (result) => {
      if ('reference' in expect) {
        checkKeys(expect, ['reference', 'warnings'], 'expect');
        assert.equal(result.kind, 'byReference');
        assert.equal(result.uri, expect.reference);
      } else {
        checkKeys(expect, ['offer', 'source', 'warnings'], 'expect');
        assert.ok('offer' in expect && 'source' in expect, 'expect has neither offer nor reference');
        assert.equal(result.kind, 'byValue');
        assert.deepEqual(result.offer, expect.offer);
        assert.equal(result.source, expect.source);
      }
      assert.deepEqual(warningCodes(result.warnings), expect.warnings ?? []);
    },
  );
}

function runBuildCase(testCase, { credoffer }) {
  checkKeys(testCase, ['id', 'note', 'offer', 'reference', 'options', 'expect'], 'case');
  assert.ok(('offer' in testCase) !== ('reference' in testCase), 'exactly one of offer and reference');
  const options = buildOptions(testCase.options);
  const build =
    'offer' in testCase
      ? () => credoffer.buildOfferUri(testCase.offer, options)
      : () => credoffer.buildOfferReferenceUri(testCase.reference, options);
  expectOutcome({ credoffer }, testCase.expect, build, (uri) => {
    checkKeys(testCase.expect, ['uri'], 'expect');
    assert.equal(uri, testCase.expect.uri);
  });
}

function runMetadataCase(testCase, { credoffer }) {
  const { expect } = testCase;
  if ('well_known' in testCase) {
    checkKeys(testCase, ['id', 'note', 'well_known', 'expect'], 'case');
    expectOutcome(
      { credoffer },
      expect,
      () => credoffer.wellKnownMetadataUrl(testCase.well_known),
      (url) => {
        checkKeys(expect, ['url'], 'expect');
        assert.equal(url, expect.url);
      },
    );
    return;
  }
  checkKeys(testCase, ['id', 'note', 'offer', 'metadata', 'expect'], 'case');
  expectOutcome(
    { credoffer },
    expect,
    // The metadata is any JSON value; its JSON text is what the engine reads.
    () => credoffer.validateAgainstMetadata(testCase.offer, JSON.stringify(testCase.metadata)),
    (check) => {
      checkKeys(expect, ['formats', 'warnings'], 'expect');
      assert.deepEqual(
        check.formats.map(({ id, format }) => [id, format]),
        expect.formats,
      );
      assert.deepEqual(warningCodes(check.warnings), expect.warnings ?? []);
    },
  );
}

function runLintCase(testCase, { credoffer }) {
  checkKeys(testCase, ['id', 'note', 'input', 'options', 'expect'], 'case');
  const given = testCase.options ?? {};
  checkKeys(given, ['profile', 'dialect', 'base', 'metadata'], 'options');
  // The metadata is any JSON value; its JSON text is what the engine reads.
  const metadata = 'metadata' in given ? JSON.stringify(given.metadata) : undefined;
  const options = { profile: given.profile, dialect: given.dialect, base: given.base, metadata };
  const { expect } = testCase;
  expectOutcome(
    { credoffer },
    expect,
    () => credoffer.lint(testCase.input, options),
    (report) => {
      checkKeys(expect, ['warnings', 'reference'], 'expect');
      assert.equal(report.profile, given.profile ?? null);
      assert.equal(report.reference, expect.reference);
      assert.deepEqual(
        report.warnings.map(({ code, field }) => (field === undefined ? { code } : { code, field })),
        expect.warnings,
      );
    },
  );
}

function runResolveCase(testCase, { credoffer }) {
  checkKeys(testCase, ['id', 'note', 'offer', 'metadata', 'expect'], 'case');
  const { expect } = testCase;
  expectOutcome(
    { credoffer },
    expect,
    () => credoffer.resolveOffer(testCase.offer, JSON.stringify(testCase.metadata)),
    (resolved) => {
      checkKeys(expect, ['offer'], 'expect');
      // Complete 1.0 data: written strictly as 1.0 JSON, as the shared format compares it.
      assert.deepEqual(JSON.parse(credoffer.buildOfferJson(resolved.offer)), expect.offer);
    },
  );
}

function runIssuerCase(testCase, { configs, credoffer, issuerEntry }) {
  checkKeys(testCase, ['id', 'note', 'config', 'endpoint', 'body', 'entropy_hex', 'now', 'record', 'token', 'expect'], 'case');
  const config = configs[testCase.config];
  assert.ok(config, `no config named ${testCase.config}`);
  const { expect } = testCase;
  const entropy = testCase.entropy_hex === undefined ? undefined : bytesFromHex(testCase.entropy_hex);
  const options = { now: testCase.now, entropy };
  // Request bodies are text, passed byte for byte (some are not JSON on purpose).
  const call = {
    authorization: (issuer) => issuer.createAuthorizationOffer(testCase.body, options),
    'pre-authorized': (issuer) => issuer.createPreAuthorizedOffer(testCase.body, options),
    delete: (issuer) => issuer.delete(testCase.record, options),
    serve: (issuer) => issuer.serveOffer(testCase.record, testCase.token, options),
  }[testCase.endpoint];
  assert.ok(call, `unknown endpoint ${testCase.endpoint}`);
  expectOutcome(
    { credoffer },
    expect,
    () => call(new issuerEntry.Issuer(config)),
    (result) => {
      checkKeys(expect, ['response', 'record', 'offer', 'event'], 'expect');
      switch (testCase.endpoint) {
        case 'authorization':
          assert.deepEqual(result, expect.response);
          return;
        case 'pre-authorized': {
          const response = JSON.parse(result.responseBody);
          assert.deepEqual(response, expect.response);
          assert.equal(result.uri, response.uri);
          assert.equal(result.transactionCode, response.transactionCode);
          assert.equal(result.expiresAt, expect.record.expiresAt);
          assert.deepEqual(result.record, expect.record);
          assert.deepEqual(result.event, expect.event);
          return;
        }
        case 'delete':
          assert.deepEqual(result, { record: expect.record, event: expect.event });
          return;
        case 'serve':
          assert.deepEqual(result, { body: expect.offer, record: expect.record, event: expect.event });
          return;
      }
    },
    {
      // A fetch that first meets an expiry reports it on its error.
      members: ['record', 'event'],
      check: (error) => assert.deepEqual(error.expired ?? null, 'event' in expect ? { record: expect.record, event: expect.event } : null),
    },
  );
}

/** The form's lookup key finds the case's record (`null`: none found); the answer comes from it. */
function runIntrospectCase(testCase, { credoffer, issuerEntry }) {
  checkKeys(testCase, ['id', 'note', 'record', 'form', 'now', 'expect'], 'case');
  const { expect } = testCase;
  if ('request_error' in expect) {
    checkKeys(expect, ['request_error'], 'expect');
    for (const call of [() => issuerEntry.introspectionLookupKey(testCase.form), () => issuerEntry.introspect(testCase.form, testCase.record, { now: testCase.now })]) {
      assert.throws(call, (error) => {
        assert.ok(error instanceof credoffer.CredentialOfferError, `not a CredentialOfferError: ${error}`);
        assert.deepEqual([error.code, error.field], [expect.request_error.code, expect.request_error.field]);
        return true;
      });
    }
    return;
  }
  checkKeys(expect, ['body'], 'expect');
  const key = issuerEntry.introspectionLookupKey(testCase.form);
  const found = testCase.record?.accessToken?.tokenHash === key ? testCase.record : null;
  // What a host finds by the key, and the case's record as it stands, give the same answer.
  assert.deepEqual(issuerEntry.introspect(testCase.form, found, { now: testCase.now }), expect.body);
  assert.deepEqual(issuerEntry.introspect(testCase.form, testCase.record, { now: testCase.now }), expect.body);
}

/**
 * Each case through the token endpoint, as a host runs it: `readTokenRequest` (a body that alone decides is
 * answered at once: the vectors' `request_error`), then `answerTokenRequest` with the case's record. An engine
 * error is the answer `500 server_error` with the error as the outcome, or, for a record that is not one, a
 * thrown `invalid_record` (the host's own argument).
 */
function runRedeemCase(testCase, { configs, credoffer, issuerEntry }) {
  checkKeys(testCase, ['id', 'note', 'config', 'record', 'form', 'now', 'expect'], 'case');
  const config = configs[testCase.config];
  assert.ok(config, `no config named ${testCase.config}`);
  const { expect } = testCase;
  const issuer = new issuerEntry.Issuer(config);
  // The vectors' access-token bytes, 00 01 … 1f: the record binds the token the vectors expect.
  const options = { now: testCase.now, entropy: Uint8Array.from({ length: 32 }, (_, index) => index) };
  const step = issuer.readTokenRequest(testCase.form);
  const answer = 'answer' in step ? step.answer : undefined;
  if (answer === undefined) assert.equal(step.lookupKey, issuerEntry.lookupKey(new URLSearchParams(testCase.form).get('pre-authorized_code')));

  if ('error' in expect) {
    checkKeys(expect, ['error', 'field'], 'expect');
    assert.equal(answer, undefined, 'the body is read; the record decides');
    let failed;
    try {
      failed = issuer.answerTokenRequest(step, testCase.record, options);
    } catch (error) {
      assert.ok(error instanceof credoffer.CredentialOfferError, `not a CredentialOfferError: ${error}`);
      assert.deepEqual([error.code, error.field], ['invalid_record', expect.field], 'only a record that is not one throws');
      assert.equal(expect.error, 'invalid_record');
      return;
    }
    assert.deepEqual([failed.status, JSON.parse(failed.body).error, 'record' in failed], [500, 'server_error', false]);
    assert.equal(failed.outcome.kind, 'failed');
    assert.equal(failed.outcome.error.code, expect.error);
    if ('field' in expect) assert.equal(failed.outcome.error.field, expect.field);
    return;
  }

  checkKeys(expect, ['issued', 'rejected', 'changed', 'record', 'event', 'request_error'], 'expect');
  const answered = issuer.answerTokenRequest(answer === undefined ? step : testCase.form, testCase.record, options);
  assert.deepEqual(issuer.tokenEndpoint(testCase.form, testCase.record, options).outcome.kind, answered.outcome.kind);
  if ('request_error' in expect) {
    checkKeys(expect.request_error, ['code', 'field'], 'request_error');
    assert.ok(answer !== undefined, 'a malformed body is answered by readTokenRequest, before any lookup');
    assert.deepEqual(answered, answer, 'whatever the record, the body decides');
  } else {
    assert.equal(answer, undefined, 'a well-formed body needs its record');
  }

  if ('issued' in expect) {
    const { accessToken, expiresIn, ...issued } = answered.outcome;
    const clientId = new URLSearchParams(testCase.form).get('client_id');
    assert.deepEqual(issued, {
      kind: 'issued',
      userId: expect.issued.user_id,
      credentialConfigurationIds: expect.issued.credential_configuration_ids,
      ...(clientId === null ? {} : { clientId }),
    });
    assert.equal(answered.status, 200);
    assert.deepEqual(JSON.parse(answered.body), { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn });
  } else {
    assert.ok('rejected' in expect, 'expect has neither issued nor rejected');
    const { rejected } = expect;
    assert.deepEqual(answered.outcome, {
      kind: 'rejected',
      error: rejected.error,
      errorDescription: answered.outcome.errorDescription,
      ...(rejected.failed_attempts_left === null ? {} : { failedAttemptsLeft: rejected.failed_attempts_left }),
      revokeIssuedTokens: rejected.revoke_issued_tokens,
    });
    assert.ok(answered.outcome.errorDescription.length > 0);
    assert.equal(answered.status, 400);
    assert.deepEqual(JSON.parse(answered.body), { error: rejected.error, error_description: answered.outcome.errorDescription });
  }
  // A record to store exactly when the request changed it.
  const changed = 'request_error' in expect ? false : expect.changed;
  assert.equal('record' in answered, changed);
  assert.equal('event' in answered, changed, 'an event exactly when the record changed');
  if (changed) assert.deepEqual([answered.record, answered.event], [expect.record, expect.event]);
  else if ('record' in expect) assert.deepEqual(expect.record, testCase.record, 'the vector agrees nothing changed');
}

/** One offer, step by step: each step on the record the steps before it left. */
function runLifecycleCase(testCase, { configs, credoffer, issuerEntry }) {
  checkKeys(testCase, ['id', 'note', 'config', 'steps'], 'case');
  const config = configs[testCase.config];
  assert.ok(config, `no config named ${testCase.config}`);
  assert.ok(Array.isArray(testCase.steps) && testCase.steps.length > 0, 'steps is a non-empty array');
  const issuer = new issuerEntry.Issuer(config);
  let record;
  for (const [index, step] of testCase.steps.entries()) {
    try {
      record = runLifecycleStep({ credoffer, issuerEntry }, issuer, step, record) ?? record;
    } catch (error) {
      error.message = `steps[${index}] ${step.op}: ${error.message}`;
      throw error;
    }
  }
}

const LIFECYCLE_MEMBERS = {
  create: ['body', 'entropy_hex'],
  serve: ['token'],
  token: ['form'],
  delete: [],
  check_expiry: [],
  status: [],
};

/** Runs one step; returns the next record when the step changed it. */
function runLifecycleStep({ credoffer, issuerEntry }, issuer, step, record) {
  const members = LIFECYCLE_MEMBERS[step.op];
  assert.ok(members, `unknown op ${step.op}`);
  checkKeys(step, ['op', 'note', 'now', 'expect', ...members], 'step');
  assert.ok(step.op === 'create' || record !== undefined, 'the first step creates the offer');
  const { expect } = step;
  const options = { now: step.now };
  switch (step.op) {
    case 'create': {
      checkKeys(expect, ['event'], 'expect');
      const created = issuer.createPreAuthorizedOffer(step.body, { ...options, entropy: bytesFromHex(step.entropy_hex) });
      assert.deepEqual(created.event, expect.event);
      return created.record;
    }
    case 'serve':
    case 'delete': {
      let changed;
      const call = step.op === 'serve' ? () => issuer.serveOffer(record, step.token, options) : () => issuer.delete(record, options);
      const changedBy = (transition) => {
        assert.deepEqual(transition?.event ?? null, expect.event ?? null);
        changed = transition?.record;
      };
      expectOutcome(
        { credoffer },
        expect,
        call,
        (result) => {
          checkKeys(expect, ['event'], 'expect');
          changedBy(result);
        },
        { members: ['event'], check: (error) => changedBy(error.expired) },
      );
      return changed;
    }
    case 'token': {
      checkKeys(expect, ['http_status', 'outcome', 'oauth_error', 'event'], 'expect');
      const entropy = Uint8Array.from({ length: 32 }, (_, index) => index);
      const answer = issuer.tokenEndpoint(step.form, record, { ...options, entropy });
      const { error } = answer.outcome;
      assert.deepEqual(
        { http_status: answer.status, outcome: answer.outcome.kind, ...(typeof error === 'string' ? { oauth_error: error } : {}), event: answer.event ?? null },
        expect,
      );
      assert.equal('record' in answer, 'event' in answer, 'a record to store exactly with its event');
      return answer.record;
    }
    case 'check_expiry': {
      checkKeys(expect, ['event'], 'expect');
      const expired = issuer.checkExpiry(record, options);
      assert.deepEqual(expired?.event ?? null, expect.event ?? null);
      return expired?.record;
    }
    case 'status':
      checkKeys(expect, ['status'], 'expect');
      assert.deepEqual(issuerEntry.offerStatus(record, options), expect.status);
      return undefined;
  }
}

function runSecretCase(testCase, { credoffer, issuerEntry }) {
  checkKeys(testCase, ['id', 'note', 'function', 'entropy_hex', 'input_mode', 'length', 'secret', 'expect'], 'case');
  const generate = () => {
    const entropy = bytesFromHex(testCase.entropy_hex);
    switch (testCase.function) {
      case 'pre_authorized_code':
        return credoffer.generatePreAuthorizedCode({ entropy });
      case 'issuer_state':
        return credoffer.generateIssuerState({ entropy });
      case 'uuid_v4':
        return credoffer.generateUuid({ entropy });
      case 'tx_code':
        return credoffer.generateTxCode({ inputMode: testCase.input_mode, length: testCase.length, entropy });
      default:
        assert.fail(`unknown function ${testCase.function}`);
    }
  };
  const action = testCase.function === 'lookup_key' ? () => issuerEntry.lookupKey(testCase.secret) : generate;
  expectOutcome({ credoffer }, testCase.expect, action, (value) => {
    checkKeys(testCase.expect, ['value'], 'expect');
    assert.equal(value, testCase.expect.value);
  });
}

function runWalletCase(testCase, { credoffer }) {
  checkKeys(testCase, ['id', 'note', 'input', 'expect', 'input_checks', 'token_requests'], 'case');
  const { expect } = testCase;
  expectOutcome(
    { credoffer },
    expect,
    () => credoffer.parseOfferUri(testCase.input),
    (parsed) => {
      if ('reference' in expect) {
        checkKeys(expect, ['reference'], 'expect');
        assert.equal(parsed.uri, expect.reference);
        return;
      }
      checkKeys(expect, ['grants', 'tx_code_prompt'], 'expect');
      const grants = parsed.offer.grants ?? {};
      const offered = ['authorization_code', 'urn:ietf:params:oauth:grant-type:pre-authorized_code'].filter((g) => g in grants);
      assert.deepEqual(offered, expect.grants);
      const prompt = parsed.txCodePrompt;
      assert.deepEqual(
        prompt === undefined
          ? null
          : {
              input_mode: prompt.inputMode,
              length: prompt.length ?? null,
              max_length: prompt.maxLength ?? null,
              description: prompt.description ?? null,
            },
        expect.tx_code_prompt,
      );
      for (const inputCheck of testCase.input_checks ?? []) {
        checkKeys(inputCheck, ['input', 'expect'], 'input_checks');
        const check = () => credoffer.checkTxCode(prompt, inputCheck.input);
        if (inputCheck.expect === 'ok') check();
        else expectOutcome({ credoffer }, { error: inputCheck.expect }, check, () => assert.fail('expected an error'));
      }
      for (const request of testCase.token_requests ?? []) {
        checkKeys(request, ['tx_code', 'client_id', 'expect'], 'token_requests');
        expectOutcome(
          { credoffer },
          request.expect,
          () => credoffer.tokenRequestBody(parsed.offer, { txCode: request.tx_code, clientId: request.client_id }),
          (body) => {
            checkKeys(request.expect, ['body'], 'expect');
            assert.equal(body, request.expect.body);
          },
        );
      }
    },
  );
}
