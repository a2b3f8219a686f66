// Drives the demo page in headless Chromium (Debian's, through playwright-core): checks what loading it
// transferred, fills the issuer form, takes a screenshot, decodes the QR code from the rendered pixels back to
// the exact URI, and has the wallet panel explain it. Screenshots go to target/wasm-demo/ at the repository root.

import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { parseOfferUri } from 'credoffer';

import { decodeQr, launchChromium } from '../tests/chromium.mjs';
import { serveStatic } from '../tests/static-server.mjs';

const screenshots = fileURLToPath(new URL('../../target/wasm-demo/', import.meta.url));
/** What the page may load: itself, its script and the browser entry, never the Node build or issuer code. */
const PAGE_FILES = [
  '/demo/',
  '/demo/app.js',
  '/pkg/web/index.js',
  '/pkg/web/credoffer_wasm_bg.wasm',
];

let server;
let chromium;
let page;
let pageErrors;
/** Per request the page made while loading: its path and the bytes it took (headers and body, each way). */
let loaded;

before(async () => {
  server = await serveStatic(fileURLToPath(new URL('..', import.meta.url)));
  chromium = await launchChromium();
  ({ page, pageErrors } = chromium);
  loaded = await chromium.load(`${server.origin}/demo/`);
  mkdirSync(screenshots, { recursive: true });
});

after(async () => {
  await chromium?.close();
  await server?.close();
});

test('the page loads the browser entry only, and what it transferred is printed', (t) => {
  assert.deepEqual(loaded.map(({ path }) => path).sort(), [...PAGE_FILES].sort());
  const bodies = loaded.reduce((sum, { size }) => sum + size.responseBodySize, 0);
  const total = loaded.reduce(
    (sum, { size }) =>
      sum + size.requestHeadersSize + size.requestBodySize + size.responseHeadersSize + size.responseBodySize,
    0,
  );
  // Each body is the whole file as served: nothing cached, nothing counted twice.
  for (const { path, size } of loaded) {
    const file = new URL(`..${path.endsWith('/') ? `${path}index.html` : path}`, import.meta.url);
    assert.equal(size.responseBodySize, statSync(file).size, path);
  }
  const wasm = loaded.find(({ path }) => path.endsWith('.wasm')).size.responseBodySize;
  t.diagnostic(
    `the demo page transferred ${total} B in ${loaded.length} requests: ` +
      `${bodies} B of response bodies (uncompressed), ${wasm} B of them WebAssembly`,
  );
});

test('issuer form: offer URI, QR code and transaction code; the QR decodes to the exact URI', async () => {
  await page.fill('#issuer', 'https://issuer.example.com/tenant-7');
  await page.fill('#ids', 'org.iso.18013.5.1.mDL\neu.europa.ec.eudi.pid.1');
  await page.selectOption('#grant', 'pre-authorized');
  await page.selectOption('#dialect', 'mattr');
  await page.selectOption('#tx-mode', 'numeric');
  await page.fill('#tx-length', '6');
  await page.click('#create');
  await page.waitForSelector('#offer:not([hidden])');

  const uri = await page.textContent('#uri');
  const txCode = await page.textContent('#tx-code');
  assert.match(txCode, /^\d{6}$/);
  assert.ok(!uri.includes(txCode) || uri.split(txCode).length === 2, 'the code is not written into the offer');

  const parsed = parseOfferUri(uri);
  assert.equal(parsed.source, 'hybrid');
  assert.equal(parsed.offer.credential_issuer, 'https://issuer.example.com/tenant-7');
  assert.deepEqual(parsed.offer.credential_configuration_ids, ['org.iso.18013.5.1.mDL', 'eu.europa.ec.eudi.pid.1']);
  assert.deepEqual(parsed.txCodePrompt, { inputMode: 'numeric', length: 6, description: 'The code we sent you separately' });

  await page.screenshot({ path: join(screenshots, 'demo-issuer.png'), fullPage: true });
  const qr = await page.locator('#qr').screenshot({ path: join(screenshots, 'demo-qr.png') });
  assert.equal(decodeQr(qr), uri);
  // The whole page decodes too: what a phone pointed at the screen would read.
  assert.equal(decodeQr(await page.screenshot()), uri);
});

test('issuer form: an error is shown with its code and field, not thrown away', async () => {
  await page.fill('#issuer', 'http://issuer.example.com');
  await page.click('#create');
  await page.waitForSelector('#issuer-error:not([hidden])');
  assert.match(await page.textContent('#issuer-error'), /^insecure_url \(credential_issuer\): /);
  assert.equal(await page.isHidden('#offer'), true);
  await page.fill('#issuer', 'https://issuer.example.com');
});

test('wallet panel: a pasted URI is explained', async () => {
  await page.selectOption('#grant', 'pre-authorized');
  await page.selectOption('#dialect', '1.0');
  await page.selectOption('#tx-mode', 'text');
  await page.fill('#tx-length', '8');
  await page.click('#create');
  await page.waitForSelector('#offer:not([hidden])');
  const uri = await page.textContent('#uri');
  assert.match(await page.textContent('#tx-code'), /^[2-9A-HJ-NP-Z]{8}$/);

  await page.fill('#pasted', uri);
  await page.click('#explain');
  await page.waitForSelector('#explanation:not([hidden])');
  const text = await page.textContent('#explanation');
  assert.match(text, /Shape1\.0/);
  assert.match(text, /Issuerhttps:\/\/issuer\.example\.com/);
  assert.match(text, /Metadata athttps:\/\/issuer\.example\.com\/\.well-known\/openid-credential-issuer/);
  assert.match(text, /a text transaction code, length 8/);
  await page.screenshot({ path: join(screenshots, 'demo-wallet.png'), fullPage: true });

  await page.fill('#pasted', 'openid-credential-offer://?credential_offer=%257B%2522');
  await page.click('#explain');
  await page.waitForSelector('#wallet-error:not([hidden])');
  assert.match(await page.textContent('#wallet-error'), /^invalid_json/);
});

test('the page ran without script errors', () => {
  assert.deepEqual(pageErrors, []);
});
