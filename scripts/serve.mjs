// A small static file server for the course site (www/), with the right MIME type for .wasm and
// the Content-Security-Policy the lessons are built to run under.
//
//   node scripts/serve.mjs            serves www/ at http://localhost:8000/ (PORT and HOST override)
//
// The end-to-end tests import startServer() to serve www/ (and a second, foreign-origin host page)
// on free ports.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.woff2': 'font/woff2',
  '.ts': 'text/plain; charset=utf-8',
};

/** The policy every lesson runs under: no inline scripts, Wasm compilation allowed. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Serve `dir` on `port` (0 = any free port). Resolves to { server, port, url }.
 * `headers` adds or overrides response headers (tests use it to serve a host page without CSP).
 */
export function startServer({ dir = join(ROOT, 'www'), port = 8000, host = '127.0.0.1', headers = {}, quiet = true } = {}) {
  const base = resolve(dir);
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    let file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    let stat;
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      stat = statSync(file);
    } catch {
      if (!quiet) console.log(`404 ${req.url}`);
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${path}`);
      return;
    }
    // A validator for revalidation (no-cache): a reload gets 304 Not Modified, and the browser
    // reuses its cached copy (and, for the Wasm module and scripts, the code compiled from it).
    const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const common = {
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
      ETag: etag,
      // Public, static teaching material: pages on other origins may load the embed script
      // (<receval-lesson>), which is a module and so fetched with CORS.
      'Access-Control-Allow-Origin': '*',
    };
    if (req.headers['if-none-match'] === etag) return res.writeHead(304, { ...common, ...headers }).end();
    res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', ...common, ...headers });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const actual = server.address().port;
      ok({ server, port: actual, url: `http://localhost:${actual}/` });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 8000);
  const host = process.env.HOST ?? '127.0.0.1';
  try {
    const { url } = await startServer({ port, host, quiet: false });
    console.log(`\n  receval course: ${url}   (Ctrl-C to stop)\n`);
  } catch (e) {
    console.error(e.code === 'EADDRINUSE' ? `port ${port} is in use: try PORT=8001 make serve` : e.message);
    process.exit(1);
  }
  const stop = () => process.exit(0);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
