// Debian's headless Chromium through playwright-core, as the browser tests drive it: a throwaway profile, no
// network of its own beyond the page's 127.0.0.1 server, every script error of the page collected, and what
// loading a page fetched; and the QR code read back from a screenshot's pixels.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import jsQR from 'jsqr';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts Chromium with one page: `{ page, pageErrors, load, close }`. `pageErrors` fills with the page's
 * uncaught errors and console errors; `load(url)` opens a page that sets `data-ready` on its body when it has
 * run, and resolves to what loading it fetched, `{ path, size }` per request (`size`: playwright's
 * `request.sizes()`); `close` ends the browser and removes its profile.
 */
export async function launchChromium({ viewport = { width: 1280, height: 1000 } } = {}) {
  const scratch = mkdtempSync(join(tmpdir(), 'credoffer-chromium-'));
  const remove = () => rmSync(scratch, { recursive: true, force: true });
  let context;
  try {
    context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport,
      env: { ...process.env, XDG_CONFIG_HOME: join(scratch, 'config'), XDG_CACHE_HOME: join(scratch, 'cache') },
    });
  } catch (error) {
    remove();
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  page.on('console', (message) => message.type() === 'error' && pageErrors.push(new Error(message.text())));
  const load = async (url) => {
    const fetched = [];
    const record = (request) =>
      fetched.push(request.sizes().then((size) => ({ path: new URL(request.url()).pathname, size })));
    page.on('requestfinished', record);
    try {
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
      await page.waitForLoadState('networkidle');
      return await Promise.all(fetched);
    } finally {
      page.off('requestfinished', record);
    }
  };
  return {
    page,
    pageErrors,
    load,
    close: async () => {
      await context.close();
      remove();
    },
  };
}

/** The text of the one QR code in a PNG screenshot. */
export function decodeQr(png) {
  const { data, width, height } = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), width, height);
  if (!found) throw new Error('no QR code found in the screenshot');
  return found.data;
}
