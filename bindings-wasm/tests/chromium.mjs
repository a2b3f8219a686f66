// Debian's headless Chromium through playwright-core, as the browser tests drive it: a throwaway profile, no
// network of its own beyond the page's 127.0.0.1 server, and every script error of the page collected.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

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
 * Starts Chromium with one page: `{ page, pageErrors, close }`. `pageErrors` fills with the page's uncaught
 * errors and console errors; `close` ends the browser and removes its profile.
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
  return {
    page,
    pageErrors,
    close: async () => {
      await context.close();
      remove();
    },
  };
}
