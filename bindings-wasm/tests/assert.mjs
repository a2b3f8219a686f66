// The assertions the shared vector cases use, with node:assert/strict's names and meaning for the values the
// cases compare (JSON data, strings, errors). A module of its own because node:assert does not exist in a
// page: the Node and the Chromium runners judge a case by the same code.

export class AssertionError extends Error {
  name = 'AssertionError';
}

/** JSON text of a value for a failure message; `undefined` and the like as their names. */
function show(value) {
  if (value === undefined || typeof value === 'function' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function failWith(message, fallback) {
  throw new AssertionError(message === undefined ? fallback : `${message}\n${fallback}`);
}

/** Strict deep equality: same prototype, same own enumerable keys (an `undefined` member counts), same values. */
function deepEqualValues(actual, expected) {
  if (Object.is(actual, expected)) return true;
  if (typeof actual !== 'object' || typeof expected !== 'object' || actual === null || expected === null) return false;
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) return false;
  if (Array.isArray(actual)) {
    return actual.length === expected.length && actual.every((item, index) => deepEqualValues(item, expected[index]));
  }
  if (ArrayBuffer.isView(actual)) {
    return actual.length === expected.length && actual.every((item, index) => Object.is(item, expected[index]));
  }
  const keys = Object.keys(actual);
  const expectedKeys = Object.keys(expected);
  return (
    keys.length === expectedKeys.length &&
    keys.every((key) => Object.hasOwn(expected, key) && deepEqualValues(actual[key], expected[key]))
  );
}

export const assert = {
  fail(message) {
    throw new AssertionError(message ?? 'failed');
  },

  ok(value, message) {
    if (!value) failWith(message, `expected a truthy value, got ${show(value)}`);
  },

  equal(actual, expected, message) {
    if (!Object.is(actual, expected)) failWith(message, `expected ${show(expected)}, got ${show(actual)}`);
  },

  deepEqual(actual, expected, message) {
    if (!deepEqualValues(actual, expected)) failWith(message, `expected ${show(expected)},\n     got ${show(actual)}`);
  },

  match(text, pattern, message) {
    if (typeof text !== 'string' || !pattern.test(text)) failWith(message, `${show(text)} does not match ${pattern}`);
  },

  /**
   * `action` must throw. A validating function gets the error and must return `true` (its own assertions
   * fail the check as they are); a string is the message when nothing was thrown.
   */
  throws(action, validate, message) {
    if (typeof validate === 'string') [validate, message] = [undefined, validate];
    let thrown;
    try {
      action();
    } catch (error) {
      thrown = { error };
    }
    if (thrown === undefined) failWith(message, 'expected the call to throw; it returned');
    if (validate !== undefined && validate(thrown.error) !== true) {
      failWith(message, `the validation function did not return true for ${show(String(thrown.error))}`);
    }
  },
};
