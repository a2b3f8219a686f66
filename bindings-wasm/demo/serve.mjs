// A tiny static server for the demo page: serves bindings-wasm/ (the page and the built package in pkg/) on
// 127.0.0.1 only. ES modules and WebAssembly need http, not file://.
//
//   node demo/serve.mjs [port]     prints the page's URL, serves until stopped

import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};

const server = createServer((request, response) => {
  const path = decodeURIComponent(new URL(request.url, 'http://127.0.0.1').pathname);
  const file = resolve(root, normalize(`.${path.endsWith('/') ? `${path}index.html` : path}`));
  const isFile = file.startsWith(root.endsWith(sep) ? root : root + sep) && statSync(file, { throwIfNoEntry: false })?.isFile();
  if (!isFile || !(extname(file) in types)) {
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found');
    return;
  }
  response.writeHead(200, { 'content-type': types[extname(file)], 'cache-control': 'no-store' });
  createReadStream(file).pipe(response);
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${server.address().port}/demo/`);
});
