// Bundles the browser entry (`cargo xtask wasm-build` runs it on pkg/web/index.js) with the modules it imports
// (wasm-bindgen's glue) into one minified ES module, written in its place: local names shortened, comments
// gone (bundler annotations too: the entry's top-level await makes it a side effect whatever a page imports),
// the exports under their names, and a class keeps its name, so an error's constructor is still
// `CredentialOfferError`.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { rolldown } from 'rolldown';

const [entry, ...rest] = process.argv.slice(2);
if (entry === undefined || rest.length > 0) {
  throw new Error('usage: node tools/minify.mjs ENTRY.js');
}
const input = resolve(entry);
const keepClassNames = { function: false, class: true };
const bundle = await rolldown({ input, logLevel: 'warn' });
const { output } = await bundle.generate({
  format: 'es',
  comments: false,
  minify: { mangle: { keepNames: keepClassNames }, compress: { keepNames: keepClassNames } },
});
await bundle.close();
if (output.length !== 1) {
  throw new Error(`${entry}: bundling gave ${output.length} files, not one`);
}
writeFileSync(input, output[0].code);
