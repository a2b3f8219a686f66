// A tiny static file server on 127.0.0.1 only, for the pages the Chromium tests open and the demo: ES modules
// and WebAssembly need http, not file://.

import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, normalize, resolve, sep } from 'node:path';

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};

/**
 * Serves the files under the folder `root` (a path) on 127.0.0.1 at `port` (0: any free one); anything outside
 * it, or of a type not listed above, is 404. Resolves to `{ origin, close }` once listening.
 */
export function serveStatic(root, port = 0) {
  const base = resolve(root);
  const inside = base.endsWith(sep) ? base : base + sep;
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://127.0.0.1').pathname);
    const file = resolve(base, normalize(`.${path.endsWith('/') ? `${path}index.html` : path}`));
    const stat = file.startsWith(inside) ? statSync(file, { throwIfNoEntry: false }) : undefined;
    if (!stat?.isFile() || !(extname(file) in types)) {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
      return;
    }
    // A known length, not chunks: what the tests measure as transferred is the file itself.
    response.writeHead(200, {
      'content-type': types[extname(file)],
      'content-length': stat.size,
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolveServer({
        origin: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((closed) => server.close(closed)),
      });
    });
  });
}
