// What the benchmarks work on: MATTR VII's documented pre-authorized offer, as its URI (631 bytes, from the
// shared vectors) and as the 1.0 object it carries.

import { readFileSync } from 'node:fs';

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const MATTR_CASE = 'mattr-vii-pre-authorized-mixed';

/** MATTR's pre-authorized offer URI, as `tests/vectors/parse.json` holds it. */
export function mattrUri() {
  const { cases } = JSON.parse(readFileSync(new URL('../../tests/vectors/parse.json', import.meta.url), 'utf8'));
  const uri = cases.find((c) => c.id === MATTR_CASE)?.input;
  if (!uri) throw new Error(`parse.json has no case ${MATTR_CASE}`);
  return uri;
}

/** The offer the build benchmarks write: MATTR's example, as its 1.0 object. */
export const OFFER = {
  credential_issuer: 'https://example.com',
  credential_configuration_ids: ['2edaf985-fcc2-4448-9c8e-a04c6c7351c2'],
  grants: {
    [PRE_AUTH]: {
      'pre-authorized_code': 'stukD6lg9c9tQ3jUCa32wVi1HI+QIVsFK/QPvC2CHRs=',
      tx_code: { length: 6, input_mode: 'numeric', description: 'Please provide the one-time code that was sent via e-mail' },
    },
  },
};
