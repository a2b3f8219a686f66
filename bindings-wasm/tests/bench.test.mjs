// The benchmark script still runs against the installed peers (a quick round; the figures are not checked here,
// `cargo xtask wasm-bench` reports them).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

test('bench/bench.mjs --quick measures every contender', () => {
  const script = fileURLToPath(new URL('../bench/bench.mjs', import.meta.url));
  const out = execFileSync(process.execPath, [script, '--quick'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const rows = [...out.matchAll(/^ {2}((?:parse|build): .+?)\s+(\d+)\s+\(rounds/gm)];
  assert.equal(rows.length, 8, out);
  for (const [, name, ns] of rows) assert.ok(Number(ns) > 0, name);
  assert.match(out, /parseOfferUri \/ JSON\.parse/);
});

test('bench/side-by-side.mjs times two builds in one process', () => {
  const script = fileURLToPath(new URL('../bench/side-by-side.mjs', import.meta.url));
  const pkg = fileURLToPath(new URL('../pkg', import.meta.url));
  const out = execFileSync(process.execPath, [script, pkg, pkg, '--batches', '1'], { encoding: 'utf8' });
  const rows = [...out.matchAll(/^ {2}(parseOfferUri|buildOfferUri)\s+(\d+)\s+(\d+)\s+[+-]?\d+\.\d %$/gm)];
  assert.deepEqual(rows.map(([, name]) => name), ['parseOfferUri', 'buildOfferUri'], out);
  for (const [, name, before, after] of rows) assert.ok(Number(before) > 0 && Number(after) > 0, name);
  const usage = (() => {
    try {
      execFileSync(process.execPath, [script, pkg], { stdio: 'pipe' });
    } catch (error) {
      return error;
    }
  })();
  assert.equal(usage?.status, 2);
});
