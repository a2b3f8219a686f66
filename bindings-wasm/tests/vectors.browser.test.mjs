// The shared vectors in headless Chromium: every case of vector-cases.mjs that the browser entry serves runs
// on pkg/web/ (the build a page loads) in a page served from 127.0.0.1, with the expectations and expected
// failures the Node runner uses. The cases needing `credoffer/issuer` (issuer.json, redeem.json,
// introspect.json, secret.json's lookup keys) have no browser entry and run in Node only.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launchChromium } from './chromium.mjs';
import { serveStatic } from './static-server.mjs';
import { MAIN_ENTRY, vectorCases } from './vector-cases.mjs';
import { readVectorFiles } from './vector-files.mjs';

const vectors = readVectorFiles();
const browserCases = vectorCases(vectors).filter(({ entry }) => entry === MAIN_ENTRY);

const server = await serveStatic(fileURLToPath(new URL('..', import.meta.url)));
let results;
let pageErrors;
let fetched;
try {
  const chromium = await launchChromium();
  try {
    fetched = (await chromium.load(`${server.origin}/tests/vectors.html`)).map(({ path }) => path);
    results = await chromium.page.evaluate((given) => window.runVectors(given), vectors);
    pageErrors = chromium.pageErrors.map(String);
  } finally {
    await chromium.close();
  }
} finally {
  await server.close();
}

test('Chromium ran exactly the cases the browser entry serves', (t) => {
  const ran = results.filter(({ outcome }) => outcome !== 'node-only').map(({ name }) => name);
  const expected = browserCases.map(({ name }) => name);
  assert.deepEqual(ran, expected);
  const nodeOnly = results.filter(({ outcome }) => outcome === 'node-only');
  const nodeOnlyFiles = [...new Set(nodeOnly.map(({ name }) => name.split(':')[0]))];
  t.diagnostic(`${ran.length} cases in Chromium; ${nodeOnly.length} Node-only (${nodeOnlyFiles.join(', ')})`);
});

test('the page ran on the browser build, without script errors', () => {
  assert.ok(fetched.includes('/pkg/web/credoffer_wasm_bg.wasm'), fetched.join(', '));
  assert.deepEqual(fetched.filter((path) => path.startsWith('/pkg/') && !path.startsWith('/pkg/web/')), []);
  assert.deepEqual(pageErrors, []);
});

for (const { name, outcome, message } of results.filter(({ outcome }) => outcome !== 'node-only')) {
  test(`chromium: ${name}`, { skip: outcome === 'skipped' && message }, () => {
    if (outcome === 'failed') throw new Error(message);
  });
}
