// The page of vectors.browser.test.mjs: runs the cases of vector-cases.mjs that the browser build serves, on
// the browser entry itself (pkg/web/index.js, no bundler), and hands back one result per case.

import * as credoffer from '../pkg/web/index.js';
import { MAIN_ENTRY, vectorCases } from './vector-cases.mjs';

/** `{ name, outcome, message? }` per case: passed, failed, skipped, or `node-only` (never run here). */
window.runVectors = ({ files, expectedFailures }) =>
  vectorCases({ files, expectedFailures, credoffer }).map(({ name, entry, skip, run }) => {
    if (entry !== MAIN_ENTRY) return { name, outcome: 'node-only' };
    if (skip) return { name, outcome: 'skipped', message: skip };
    try {
      run();
      return { name, outcome: 'passed' };
    } catch (error) {
      return { name, outcome: 'failed', message: String(error?.stack ?? error) };
    }
  });

document.body.dataset.ready = 'true';
