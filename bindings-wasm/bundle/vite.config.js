// The bundler's settings for the page: Vite's defaults but for where the build goes (target/wasm-bundle/) and
// relative asset URLs, so the built page runs from any folder.
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../target/wasm-bundle/dist/', import.meta.url)),
    emptyOutDir: true,
  },
});
