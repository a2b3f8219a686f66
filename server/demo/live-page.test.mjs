// The live issuer page end to end, in headless Chromium (Debian's, through playwright-core): a real
// credoffer-server (SQLite in a temporary folder, loopback only) serves the page; the page creates an
// offer by reference; this test plays the wallet with the npm package's helpers (the QR code decoded from
// the screen, the offer fetched twice, a wrong transaction code, then the right one) and restarts the
// server in the middle. The page must show every state in order, and a webhook receiver that refuses its
// first two deliveries must still get every event exactly once, each correctly signed.
//
//   CREDOFFER_SERVER_BIN=target/debug/credoffer-server node --test server/demo/
//
// `cargo xtask live-page-test` builds what this needs and runs it. Screenshots go to target/live-page/.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Chromium as the npm package's browser tests drive it, with their development dependencies.
import { decodeQr, launchChromium } from '../../bindings-wasm/tests/chromium.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
// The npm package as `cargo xtask wasm-build` wrote it.
const { parseOfferJson, parseOfferUri, tokenRequestBody } = await import(
  pathToFileURL(join(root, 'bindings-wasm/pkg/node/index.mjs')).href
);

const SERVER_BIN = process.env.CREDOFFER_SERVER_BIN ?? join(root, 'target/debug/credoffer-server');
const PACKAGE_DIR = join(root, 'bindings-wasm/pkg/web');
const SCREENSHOTS = join(root, 'target/live-page');
const API_TOKEN = 'live-page-test-token-0123456789';
const MDL = 'org.iso.18013.5.1.mDL';
/** `whsec_` and the base64 of the bytes 0 to 31. */
const WEBHOOK_SECRET = 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
/** Every wait for a condition gives up after this long, with what it was waiting for. */
const WAIT_MS = 20_000;
/** No test, nor the setup, runs longer than this. */
const BOUND = { timeout: 90_000 };

let scratch;
let receiver;
let server;
let base;
let browser;
let page;
/** Chromium's own console lines for failed requests, as `text at url`: the tests cause some on purpose. */
const failedRequests = [];

// ---- the webhook receiver ----

/**
 * Whether a Standard Webhooks delivery carries a valid `v1` signature of its id, timestamp and body, and a
 * timestamp within five minutes of now (what a receiver checks against replayed deliveries).
 */
function verifySignature(headers, body) {
  if (Math.abs(Date.now() / 1000 - Number(headers['webhook-timestamp'])) > 300) return false;
  const key = Buffer.from(WEBHOOK_SECRET.slice('whsec_'.length), 'base64');
  const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
  const expected = createHmac('sha256', key).update(signed).digest();
  return String(headers['webhook-signature'] ?? '')
    .split(' ')
    .filter((signature) => signature.startsWith('v1,'))
    .map((signature) => Buffer.from(signature.slice(3), 'base64'))
    .some((signature) => signature.length === expected.length && timingSafeEqual(signature, expected));
}

/** Answers 500 to its first `failFirst` requests and 204 to the rest; keeps every request it answered. */
async function startReceiver(failFirst) {
  const answered = [];
  const http = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = answered.length < failFirst ? 500 : 204;
      answered.push({
        id: request.headers['webhook-id'],
        event: JSON.parse(body),
        verified: verifySignature(request.headers, body),
        status,
      });
      response.writeHead(status).end();
    });
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${http.address().port}/hooks`,
    answered,
    delivered: () => answered.filter((request) => request.status === 204),
    close: () => new Promise((resolve) => http.close(resolve)),
  };
}

// ---- the server ----

async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function writeConfig(port) {
  const origin = `http://127.0.0.1:${port}`;
  const config = {
    listen: `127.0.0.1:${port}`,
    sqlite: join(scratch, 'offers.sqlite3'),
    apiTokens: [API_TOKEN],
    webhooks: [{ url: receiver.url, secret: WEBHOOK_SECRET }],
    webhookRetryBaseMilliseconds: 100,
    webhookTimeoutSeconds: 2,
    demoPackageDirectory: PACKAGE_DIR,
    issuer: {
      credentialIssuer: origin,
      credentialConfigurations: { [MDL]: 'mso_mdoc' },
      offerUrlTemplate: `${origin}/offers/{token}`,
      allowInsecureHttp: true,
      txCode: { defaultInputMode: 'numeric', defaultLength: 6, maxFailedAttempts: 3 },
    },
  };
  const path = join(scratch, 'server.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** Starts credoffer-server and resolves once it listens. */
async function startServer(configPath) {
  const child = spawn(SERVER_BIN, ['--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${log}`)), WAIT_MS);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}:\n${log}`)));
    child.stdout.on('data', (chunk) => {
      const found = /listening on (http:\/\/\S+)/.exec(String(chunk));
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
  });
  child.removeAllListeners('exit');
  return { child, address, log: () => log };
}

/** Stops the server with SIGTERM (by its process id) and waits for it to exit. */
async function stopServer(running) {
  if (running.child.exitCode !== null) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGTERM');
  await exited;
}

// ---- the page ----

/** Waits until `predicate` (run in the page with `argument`) holds, or fails naming `what`. */
async function waitInPage(what, predicate, argument) {
  try {
    await page.waitForFunction(predicate, argument, { timeout: WAIT_MS });
  } catch (error) {
    const state = await page.textContent('#state').catch(() => '?');
    const connection = await page.textContent('#connection').catch(() => '?');
    throw new Error(`waiting for ${what} (state "${state}", stream "${connection}"): ${error.message}\n${server?.log()}`);
  }
}

const waitForState = (text) =>
  waitInPage(`the state "${text}"`, (expected) => document.getElementById('state').textContent === expected, text);
const waitForStream = (text) =>
  waitInPage(`the stream "${text}"`, (expected) => document.getElementById('connection').textContent === expected, text);

/** Waits until `condition()` holds in this process, or fails naming `what`. */
async function waitHere(what, condition) {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Creates an offer through the page's form and waits until the page follows it live. */
async function createOffer() {
  await page.fill('#api-token', API_TOKEN);
  await page.fill('#credentials', MDL);
  await page.selectOption('#tx-mode', 'numeric');
  await page.fill('#tx-length', '6');
  await page.click('#create');
  await waitForStream('live');
  await waitForState('waiting for the wallet');
  return { id: await page.textContent('#offer-id'), txCode: await page.textContent('#tx-code') };
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'credoffer-live-page-'));
  receiver = await startReceiver(2);
  server = await startServer(writeConfig(await freePort()));
  base = server.address;
  browser = await launchChromium({ viewport: { width: 1280, height: 1100 } });
  page = browser.page;
  page.on('console', (message) => {
    const prefix = 'Failed to load resource: ';
    if (message.type() === 'error' && message.text().startsWith(prefix)) {
      failedRequests.push(`${message.text().slice(prefix.length)} at ${message.location().url}`);
    }
  });
  await browser.load(`${base}/demo`);
  // Every text the state line shows, in order: each change replaces its text node, whose text is kept.
  await page.evaluate(() => {
    window.stateLog = [];
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) if (node.textContent) window.stateLog.push(node.textContent);
      }
    }).observe(document.getElementById('state'), { childList: true });
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, BOUND);

after(async () => {
  await browser?.close();
  if (server) await stopServer(server);
  await receiver?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, BOUND);

test('a wallet takes the offer: the page shows each state in order, across a server restart', BOUND, async () => {
  // The page's reads of the offer: `status`, or `events` with the Last-Event-ID it sent.
  const reads = [];
  const noteRead = (request) => {
    const path = new URL(request.url()).pathname;
    if (request.method() !== 'GET' || !path.startsWith('/v1/openid/offers/pre-authorized/')) return;
    const read = path.endsWith('/events') ? `events after ${request.headers()['last-event-id'] ?? 'none'}` : 'status';
    // A status request refused while the server is down is tried again: counted once.
    if (reads.at(-1) !== read) reads.push(read);
  };
  page.on('request', noteRead);
  const { id, txCode } = await createOffer();
  assert.match(txCode, /^\d{6}$/);
  await page.screenshot({ path: join(SCREENSHOTS, 'waiting.png'), fullPage: true });

  // The wallet scans the screen.
  const uri = decodeQr(await page.locator('#qr').screenshot({ path: join(SCREENSHOTS, 'qr.png') }));
  assert.equal(uri, await page.textContent('#uri'));
  assert.ok(!uri.includes(txCode), 'the transaction code is not in the offer');
  const parsed = parseOfferUri(uri, { allowInsecureHttp: true });
  assert.equal(parsed.kind, 'byReference');
  assert.ok(parsed.uri.startsWith(`${base}/offers/`), parsed.uri);

  const first = await fetch(parsed.uri);
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('cache-control'), 'no-store');
  const offerJson = await first.text();
  const { offer, txCodePrompt } = parseOfferJson(offerJson, { allowInsecureHttp: true });
  assert.deepEqual(offer.credential_configuration_ids, [MDL]);
  assert.deepEqual({ inputMode: txCodePrompt.inputMode, length: txCodePrompt.length }, { inputMode: 'numeric', length: 6 });
  await waitForState('fetched (1)');

  // The server restarts: the page reconnects, refreshes from the status endpoint, resumes after the
  // last event it saw, and misses nothing.
  await stopServer(server);
  await waitForStream('reconnecting');
  server = await startServer(join(scratch, 'server.json'));
  await waitForStream('live');

  const second = await fetch(parsed.uri);
  assert.equal(second.status, 200);
  assert.equal(await second.text(), offerJson, 'served again, unchanged, until redeemed');
  await waitForState('fetched (2)');
  page.off('request', noteRead);
  assert.deepEqual(
    reads,
    ['status', 'events after none', 'status', `events after ${id}.2`],
    'after the break, the status is read again and the stream resumed after the last event seen',
  );

  const token = (body) =>
    fetch(`${base}/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  const wrongCode = txCode.slice(0, -1) + String((Number(txCode.at(-1)) + 1) % 10);
  const refused = await token(tokenRequestBody(offer, { txCode: wrongCode, allowInsecureHttp: true }));
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).error, 'invalid_grant');
  await waitForState('wrong code, 2 attempts left');
  assert.equal(await page.textContent('#attempts-left'), '2');

  const issued = await token(tokenRequestBody(offer, { txCode, allowInsecureHttp: true }));
  assert.equal(issued.status, 200);
  assert.ok((await issued.json()).access_token);
  await waitForState('issued');
  await waitForStream('ended');
  await page.screenshot({ path: join(SCREENSHOTS, 'issued.png'), fullPage: true });

  assert.deepEqual(await page.evaluate(() => window.stateLog), [
    'waiting for the wallet',
    'fetched (1)',
    'fetched (2)',
    'wrong code, 2 attempts left',
    'issued',
  ]);
  const history = await page.$$eval('#history li', (items) => items.map((item) => [item.dataset.id, item.dataset.type]));
  const expected = ['offer.created', 'offer.fetched', 'offer.fetched', 'offer.tx_code_rejected', 'offer.redeemed'];
  assert.deepEqual(history, expected.map((type, index) => [`${id}.${index + 1}`, type]), 'each event once, in order');
  assert.equal(await page.textContent('#fetch-count'), '2');

  // The same events as webhooks: two refusals retried, then each event delivered exactly once, signed.
  await waitHere('five webhook deliveries', () => receiver.delivered().length >= expected.length);
  const delivered = receiver.delivered();
  assert.ok(receiver.answered.every((request) => request.verified), 'every delivery is correctly signed');
  assert.deepEqual(
    delivered.map((request) => request.id).sort(),
    history.map(([eventId]) => eventId).sort(),
    'every event delivered exactly once',
  );
  for (const request of delivered) {
    assert.equal(request.event.id, request.id);
    assert.equal(request.event.data.offerId, id);
    assert.equal(request.event.type, history.find(([eventId]) => eventId === request.id)[1]);
  }
  assert.equal(receiver.answered.filter((request) => request.status === 500).length, 2);
});

test('an offer deleted from the page ends its stream; a wrong API token is refused by name', BOUND, async () => {
  await page.fill('#api-token', 'not-the-api-token-at-all');
  await page.click('#create');
  await page.waitForSelector('#create-error:not([hidden])');
  assert.match(await page.textContent('#create-error'), /^401 Unauthorized: /);

  const { id } = await createOffer();
  await page.click('#delete');
  await waitForState('deleted');
  await waitForStream('ended');
  assert.equal(await page.isDisabled('#delete'), true);
  const history = await page.$$eval('#history li', (items) => items.map((item) => item.dataset.type));
  assert.deepEqual(history, ['offer.created', 'offer.deleted']);
  await waitHere('the deletion webhook', () => receiver.delivered().some((request) => request.id === `${id}.2`));
  assert.equal(receiver.delivered().find((request) => request.id === `${id}.2`).event.type, 'offer.deleted');
});

test('the page is sent under its Content Security Policy, with nothing but the browser build beside it', BOUND, async () => {
  const html = await fetch(`${base}/demo/`);
  assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(html.headers.get('content-security-policy'), /^default-src 'none'; script-src 'self' 'wasm-unsafe-eval';/);
  const wasm = await fetch(`${base}/demo/credoffer/credoffer_wasm_bg.wasm`);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  for (const path of ['credoffer/package.json', 'credoffer/..%2Fpackage.json', 'credoffer/', 'live-page.test.mjs']) {
    assert.equal((await fetch(`${base}/demo/${path}`)).status, 404, path);
  }
});

test('the page keeps the token in memory only and ran without script errors', BOUND, async () => {
  const stored = await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]);
  assert.deepEqual(stored, [0, 0, '']);
  const scriptErrors = browser.pageErrors.filter((error) => !error.message.startsWith('Failed to load resource: '));
  assert.deepEqual(scriptErrors, []);
  // The only failed requests are those the tests caused: the wrong token, and status requests if the
  // page retried while the server was down (the stream itself ends cleanly when the server stops).
  const offers = `${base}/v1/openid/offers/pre-authorized`;
  const lines = failedRequests.map((line) => line.replace(/pre-authorized\/[0-9a-f-]{36}/, 'pre-authorized/ID'));
  assert.deepEqual(lines.filter((line) => line !== `net::ERR_CONNECTION_REFUSED at ${offers}/ID`), [
    `the server responded with a status of 401 (Unauthorized) at ${offers}`,
  ]);
});
