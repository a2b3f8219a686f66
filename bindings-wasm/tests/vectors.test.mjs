// The shared test vectors in Node, against the built package: every case of vector-cases.mjs, the issuer,
// redeem and introspection vectors and secret.json's lookup keys against `credoffer/issuer`, the rest against
// `credoffer` (vectors.browser.test.mjs runs those in Chromium too).

import { test } from 'node:test';

import * as credoffer from 'credoffer';
import * as issuerEntry from 'credoffer/issuer';

import { vectorCases } from './vector-cases.mjs';
import { readVectorFiles } from './vector-files.mjs';

for (const { name, skip, run } of vectorCases({ ...readVectorFiles(), credoffer, issuerEntry })) {
  if (skip) test(name, { skip }, () => {});
  else test(name, run);
}
