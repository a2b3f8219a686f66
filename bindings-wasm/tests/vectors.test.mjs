// The shared test vectors (tests/vectors/*.json at the repository root), run against the built package.
//
// A case listed in expected-failures.json must fail (with the reason written there); if it passes, the
// list is out of date and the run fails too. A case of a shape this runner does not know fails, so a typo
// cannot turn a case into one that tests nothing.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';

import * as credoffer from 'credoffer';

const vectorsDir = new URL('../../tests/vectors/', import.meta.url);
const expectedFailures = JSON.parse(readFileSync(new URL('./expected-failures.json', import.meta.url), 'utf8'));

/** Runners per file; a file without one is reported and skipped. */
const runners = {
  'parse.json': runParseCase,
  'build.json': runBuildCase,
  'metadata.json': runMetadataCase,
};

for (const file of readdirSync(vectorsDir).filter((name) => name.endsWith('.json')).sort()) {
  const runner = runners[file];
  if (!runner) {
    test(`${file}`, { skip: 'no runner for this file in the npm package yet' }, () => {});
    continue;
  }
  const { cases } = JSON.parse(readFileSync(new URL(file, vectorsDir), 'utf8'));
  const failing = expectedFailures[file] ?? {};
  for (const id of Object.keys(failing)) {
    test(`${file}: expected failure ${id} names a real case`, () => {
      assert.ok(cases.some((c) => c.id === id), `${id} is not a case of ${file}`);
    });
  }
  for (const testCase of cases) {
    const reason = failing[testCase.id];
    test(`${file}: ${testCase.id}`, () => {
      if (reason === undefined) {
        runner(testCase);
        return;
      }
      assert.throws(() => runner(testCase), `${testCase.id} passes now: remove it from expected-failures.json`);
    });
  }
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

/** Runs `action`; checks an expected error, or hands the result to `check`. */
function expectOutcome(expect, action, check) {
  if ('error' in expect) {
    checkKeys(expect, ['error', 'field'], 'expect');
    assert.throws(action, (error) => {
      assert.ok(error instanceof credoffer.CredentialOfferError, `not a CredentialOfferError: ${error}`);
      assert.equal(error.code, expect.error, error.message);
      if ('field' in expect) assert.equal(error.field, expect.field);
      return true;
    });
    return;
  }
  check(action());
}

const warningCodes = (warnings) => warnings.map((warning) => warning.code);

function runParseCase(testCase) {
  checkKeys(testCase, ['id', 'note', 'input', 'options', 'expect'], 'case');
  const { expect } = testCase;
  expectOutcome(
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

function runBuildCase(testCase) {
  checkKeys(testCase, ['id', 'note', 'offer', 'reference', 'options', 'expect'], 'case');
  assert.ok(('offer' in testCase) !== ('reference' in testCase), 'exactly one of offer and reference');
  const options = buildOptions(testCase.options);
  const build =
    'offer' in testCase
      ? () => credoffer.buildOfferUri(testCase.offer, options)
      : () => credoffer.buildOfferReferenceUri(testCase.reference, options);
  expectOutcome(testCase.expect, build, (uri) => {
    checkKeys(testCase.expect, ['uri'], 'expect');
    assert.equal(uri, testCase.expect.uri);
  });
}

function runMetadataCase(testCase) {
  const { expect } = testCase;
  if ('well_known' in testCase) {
    checkKeys(testCase, ['id', 'note', 'well_known', 'expect'], 'case');
    expectOutcome(
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
