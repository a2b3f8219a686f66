// Minifies the browser build's JavaScript in place (`cargo xtask wasm-build` runs it on pkg/web/): each file
// an ES module of its own, its imports left as they are, its exports under their names. Local names are
// shortened, but a class keeps its name, so an error's constructor is still `CredentialOfferError`.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { rolldown } from 'rolldown';

const keepClassNames = { function: false, class: true };
const files = process.argv.slice(2);
if (files.length === 0) {
  throw new Error('usage: node tools/minify.mjs FILE.js…');
}
for (const file of files) {
  const input = resolve(file);
  const bundle = await rolldown({ input, external: (id) => resolve(id) !== input, logLevel: 'warn' });
  const { output } = await bundle.generate({
    format: 'es',
    minify: { mangle: { keepNames: keepClassNames }, compress: { keepNames: keepClassNames } },
  });
  await bundle.close();
  if (output.length !== 1) {
    throw new Error(`${file}: minifying gave ${output.length} files, not one`);
  }
  writeFileSync(input, output[0].code);
}
