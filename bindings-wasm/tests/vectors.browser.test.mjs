// The shared vectors in headless Chromium: every case of vector-cases.mjs that the browser entry serves runs
// on pkg/web/ (the build a page loads) in a page served from 127.0.0.1, with the expectations and expected
// failures the Node runner uses. The cases needing `credoffer/issuer` (issuer.json, redeem.json,
// introspect.json, secret.json's lookup keys) have no browser entry and run in Node only.

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
try {
  const chromium = await launchChromium();
  try {
    await chromium.load(`${server.origin}/tests/vectors.html`);
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
  if (ran.join('\n') !== expected.join('\n')) {
    throw new Error(`the page ran ${ran.length} cases, ${expected.length} expected`);
  }
  const nodeOnly = results.filter(({ outcome }) => outcome === 'node-only');
  const nodeOnlyFiles = [...new Set(nodeOnly.map(({ name }) => name.split(':')[0]))];
  t.diagnostic(`${ran.length} cases in Chromium; ${nodeOnly.length} Node-only (${nodeOnlyFiles.join(', ')})`);
});

test('the page ran without script errors', () => {
  if (pageErrors.length > 0) throw new Error(pageErrors.join('\n'));
});

for (const { name, outcome, message } of results.filter(({ outcome }) => outcome !== 'node-only')) {
  test(`chromium: ${name}`, { skip: outcome === 'skipped' && message }, () => {
    if (outcome === 'failed') throw new Error(message);
  });
}
