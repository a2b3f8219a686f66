// What @openid4vc/openid4vci needs to handle offers, shared by the interop tests and the benchmark: hashing
// and randomness from node:crypto; JWTs and client authentication are never reached by offer handling.

import { createHash, randomBytes } from 'node:crypto';

const notUsed = async () => {
  throw new Error('not used by offer handling');
};

export const openid4vcCallbacks = {
  hash: (data) => createHash('sha256').update(data).digest(),
  generateRandom: (length) => randomBytes(length),
  signJwt: notUsed,
  verifyJwt: notUsed,
  clientAuthentication: () => {},
};
