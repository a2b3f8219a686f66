// The shared vector files and this package's expected failures, read for the runners of vector-cases.mjs.

import { readFileSync, readdirSync } from 'node:fs';

const vectorsDir = new URL('../../tests/vectors/', import.meta.url);

/** `{ files, expectedFailures }`: every tests/vectors/*.json by name, parsed, and expected-failures.json. */
export function readVectorFiles() {
  const files = {};
  for (const name of readdirSync(vectorsDir).filter((name) => name.endsWith('.json'))) {
    files[name] = JSON.parse(readFileSync(new URL(name, vectorsDir), 'utf8'));
  }
  const expectedFailures = JSON.parse(readFileSync(new URL('./expected-failures.json', import.meta.url), 'utf8'));
  return { files, expectedFailures };
}
