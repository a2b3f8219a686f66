// The package as a page author meets it through a bundler: the packed package (`npm pack` of pkg/, what npm
// publishes) is installed into this folder, Vite builds index.html and main.js for browsers, and Chromium opens
// the built page, which builds an offer, parses it and renders its QR code. Also: what the built page loads,
// gzip -9, stays within the browser budget, and a page importing `credoffer/issuer` does not build.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { build } from 'vite';

import { decodeQr, launchChromium } from '../tests/chromium.mjs';
import { serveStatic } from '../tests/static-server.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const pkg = fileURLToPath(new URL('../pkg/', import.meta.url));
const scratch = fileURLToPath(new URL('../../target/wasm-bundle/', import.meta.url));
const configFile = join(here, 'vite.config.js');
const dist = join(scratch, 'dist');

/** What a browser may download (gzip -9), WebAssembly and JavaScript: `SIZE_CEILING_BYTES` in xtask/src/wasm.rs. */
const BUDGET_VARIABLE = 'CREDOFFER_BROWSER_BUDGET_BYTES';
/** The page's own code, on top of the package. */
const PAGE_ALLOWANCE_BYTES = 2048;

const ISSUER = 'https://issuer.example.com';
const MDL = 'org.iso.18013.5.1.mDL';
const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
/** The offer main.js builds, as the engine writes it in OpenID4VCI 1.0 (its member order, not the input's). */
const EXPECTED_URI =
  'openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fissuer.example.com%22%2C%22credential_configuration_ids%22%3A%5B%22org.iso.18013.5.1.mDL%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22bundled-code-1%22%2C%22tx_code%22%3A%7B%22length%22%3A6%2C%22input_mode%22%3A%22numeric%22%7D%7D%7D%7D';

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/** A file's size after `gzip -9`, as `cargo xtask wasm-build` measures the package. */
function gzip9Size(path) {
  const result = spawnSync('gzip', ['-9', '--stdout', path], { maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`gzip ${path} failed: ${result.stderr}`);
  return result.stdout.length;
}

let server;
let chromium;
let loaded;

before(async () => {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  // The published package, installed as an author installs it: real files, not a link to pkg/.
  const [packed] = JSON.parse(run('npm', ['pack', pkg, '--pack-destination', scratch, '--json'], here));
  rmSync(join(here, 'node_modules'), { recursive: true, force: true });
  const install = ['install', '--no-save', '--no-package-lock', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'];
  run('npm', [...install, join(scratch, packed.filename)], here);
  assert.ok(lstatSync(join(here, 'node_modules/credoffer/package.json')).isFile(), 'credoffer installed from its tarball');

  await build({ configFile });
  server = await serveStatic(dist);
  chromium = await launchChromium({ viewport: { width: 800, height: 800 } });
  loaded = await chromium.load(`${server.origin}/`);
});

after(async () => {
  await chromium?.close();
  await server?.close();
});

test('the built page builds an offer, parses it back and renders a QR code of it', async () => {
  const { page } = chromium;
  const uri = await page.textContent('#uri');
  assert.equal(uri, EXPECTED_URI);
  assert.deepEqual(JSON.parse(await page.textContent('#parsed')), {
    kind: 'byValue',
    offer: {
      credential_issuer: ISSUER,
      credential_configuration_ids: [MDL],
      grants: { [PRE_AUTH]: { 'pre-authorized_code': 'bundled-code-1', tx_code: { input_mode: 'numeric', length: 6 } } },
    },
    source: '1.0',
    txCodePrompt: { inputMode: 'numeric', length: 6 },
    warnings: [],
  });
  assert.equal(decodeQr(await page.locator('#qr').screenshot({ path: join(scratch, 'bundle-qr.png') })), uri);
  // The bundled CredentialOfferError is the class the bundled functions throw.
  assert.equal(await page.textContent('#refused'), 'invalid_json');
  assert.deepEqual(chromium.pageErrors, []);
});

test('the page loads one script and the WebAssembly, within the browser budget plus its own code', (t) => {
  const paths = loaded.map(({ path }) => path).sort();
  assert.equal(paths.length, 3, `the page fetched ${paths.join(', ')}`);
  assert.equal(paths[0], '/');
  assert.match(paths[1], /^\/assets\/credoffer_wasm_bg-[\w-]+\.wasm$/);
  assert.match(paths[2], /^\/assets\/index-[\w-]+\.js$/);

  const budget = Number(process.env[BUDGET_VARIABLE]);
  assert.ok(Number.isSafeInteger(budget) && budget > 0, `${BUDGET_VARIABLE} (cargo xtask wasm-test sets it) is not a byte count`);
  const bundle = paths.slice(1).reduce((sum, path) => sum + gzip9Size(join(dist, path)), 0);
  const web = ['credoffer_wasm_bg.wasm', 'index.js'];
  const unbundled = web.reduce((sum, file) => sum + gzip9Size(join(pkg, 'web', file)), 0);
  const limit = budget + PAGE_ALLOWANCE_BYTES;
  t.diagnostic(
    `bundled page: ${bundle} B gzip -9 (WebAssembly and JavaScript); pkg/web/: ${unbundled} B; ` +
      `budget ${budget} B; limit ${limit} B`,
  );
  assert.ok(bundle <= limit, `the bundled page loads ${bundle} B gzip -9, over ${limit} B`);
});

test('a page importing credoffer/issuer does not build: the entry is Node only', async () => {
  await assert.rejects(
    build({
      configFile,
      logLevel: 'silent',
      build: { outDir: join(scratch, 'refused'), rolldownOptions: { input: join(here, 'refused.js') } },
    }),
    (error) => {
      assert.match(error.message, /"\.\/issuer" is not exported under the conditions \[[^\]]*"browser"[^\]]*\] from package \S*credoffer/);
      return true;
    },
  );
});
