// Serves the demo page (bindings-wasm/, the page and the built package in pkg/) on 127.0.0.1 only.
//
//   node demo/serve.mjs [port]     prints the page's URL, serves until stopped

import { fileURLToPath } from 'node:url';

import { serveStatic } from '../tests/static-server.mjs';

const { origin } = await serveStatic(fileURLToPath(new URL('..', import.meta.url)), Number(process.argv[2] ?? 0));
console.log(`${origin}/demo/`);
