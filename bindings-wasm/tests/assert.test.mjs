// assert.mjs judges the shared vector cases in Node and in Chromium: each check must fail where
// node:assert/strict's would, or a broken case could pass in one runner and not the other.

import nodeAssert from 'node:assert/strict';
import { test } from 'node:test';

import { AssertionError, assert } from './assert.mjs';

const fails = (action, message) =>
  nodeAssert.throws(action, (error) => error instanceof AssertionError && message.test(error.message));

test('deepEqual: equal JSON data passes; a changed, missing, extra or undefined member fails', () => {
  const value = { a: [1, { b: 'x' }], c: null, d: true };
  assert.deepEqual(value, structuredClone(value));
  assert.deepEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]));
  for (const other of [
    { a: [1, { b: 'y' }], c: null, d: true },
    { a: [1, { b: 'x' }, 2], c: null, d: true },
    { a: [1, { b: 'x' }], c: null },
    { a: [1, { b: 'x' }], c: null, d: true, e: undefined },
    { a: [1, { b: 'x' }], c: undefined, d: true },
    { a: { 0: 1, 1: { b: 'x' } }, c: null, d: true },
    { a: [1, { b: 'x' }], c: null, d: 1 },
  ]) {
    fails(() => assert.deepEqual(other, value, 'the case'), /^the case\nexpected \{"a":\[1,\{"b":"x"\}\]/);
    nodeAssert.throws(() => nodeAssert.deepEqual(other, value));
  }
  fails(() => assert.deepEqual(Object.create(null), {}), /expected \{\},/);
  fails(() => assert.deepEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), /expected/);
});

test('equal is Object.is; ok, match and fail', () => {
  assert.equal(NaN, NaN);
  assert.equal('a', 'a');
  fails(() => assert.equal(1, '1'), /^expected "1", got 1$/);
  fails(() => assert.equal(undefined, null, 'absent'), /^absent\nexpected null, got undefined$/);
  assert.ok(1);
  fails(() => assert.ok(0), /truthy value, got 0/);
  assert.match('abc', /^a/);
  fails(() => assert.match('abc', /^b/), /"abc" does not match/);
  fails(() => assert.match(undefined, /^b/), /undefined does not match/);
  fails(() => assert.fail('stop here'), /^stop here$/);
});

test('throws: a call that returns fails; the validation function decides, and its own failures stand', () => {
  assert.throws(() => {
    throw new TypeError('no');
  });
  fails(() => assert.throws(() => 1, 'must throw'), /^must throw\nexpected the call to throw/);
  assert.throws(
    () => {
      throw new TypeError('no');
    },
    (error) => error instanceof TypeError,
  );
  fails(
    () =>
      assert.throws(
        () => {
          throw new TypeError('no');
        },
        () => false,
      ),
    /did not return true for "TypeError: no"/,
  );
  fails(
    () =>
      assert.throws(
        () => {
          throw new TypeError('no');
        },
        (error) => assert.equal(error.message, 'yes'),
      ),
    /^expected "yes", got "no"$/,
  );
});
