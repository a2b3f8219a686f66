// Two builds of the package in one node process, timed in alternation: the way to tell whether a change
// made parsing or building faster on a shared machine, where a fresh process's median moves by more than
// most changes (bench.mjs compares with the peers instead).
//
//   node bench/side-by-side.mjs <before>/pkg <after>/pkg [--batches N]
//
// Each argument is a built package directory (`cargo xtask wasm-build` writes bindings-wasm/pkg; copy it
// aside before a change). Both builds must give the same results. For each operation it prints the least
// time of N batches of 2 000 calls (the steadiest figure here: noise only adds) and the change in percent.

import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { OFFER, mattrUri } from './inputs.mjs';

const args = process.argv.slice(2);
const batchesArg = args.indexOf('--batches');
const batches = batchesArg >= 0 ? Number(args.splice(batchesArg, 2)[1]) : 60;
if (args.length !== 2 || !(batches > 0)) {
  console.error('usage: node bench/side-by-side.mjs <before-pkg> <after-pkg> [--batches N]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const [before, after] = args.map((dir) => require(resolve(dir, 'node/index.cjs')));

const uri = mattrUri();
const operations = {
  parseOfferUri: (build) => () => build.parseOfferUri(uri),
  buildOfferUri: (build) => () => build.buildOfferUri(OFFER),
};
for (const [name, operation] of Object.entries(operations)) {
  const [a, b] = [operation(before)(), operation(after)()].map((result) => JSON.stringify(result));
  if (a !== b) throw new Error(`${name} gives different results:\n${a}\n${b}`);
}

const CALLS = 2000;
function batch(run) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) run();
  return Number(process.hrtime.bigint() - start) / CALLS;
}

const runs = Object.entries(operations).flatMap(([name, operation]) => [
  [name, 'before', operation(before)],
  [name, 'after', operation(after)],
]);
for (const [, , run] of runs) for (let i = 0; i < 10; i++) batch(run);
const least = new Map();
for (let round = 0; round < batches; round++) {
  for (const [name, which, run] of runs) {
    const key = `${name} ${which}`;
    least.set(key, Math.min(least.get(key) ?? Infinity, batch(run)));
  }
}

console.log(`node ${process.version}, least of ${batches} batches of ${CALLS} calls, ns/op\n`);
console.log(`  ${'operation'.padEnd(16)} ${'before'.padStart(8)} ${'after'.padStart(8)}   change`);
for (const name of Object.keys(operations)) {
  const [b, a] = [least.get(`${name} before`), least.get(`${name} after`)];
  const change = (a / b - 1) * 100;
  const signed = `${change > 0 ? '+' : ''}${change.toFixed(1)}`;
  console.log(`  ${name.padEnd(16)} ${b.toFixed(0).padStart(8)} ${a.toFixed(0).padStart(8)}   ${signed} %`);
}
