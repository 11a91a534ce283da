// The course's static server (scripts/serve.mjs, used by `make serve` and the browser tests): the
// Wasm MIME type and the Content-Security-Policy the lessons run under, revalidation with an ETag
// (a reload gets 304 and the browser reuses its copy and the code it compiled), no path outside
// www/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startServer, CSP } from '../../scripts/serve.mjs';

const { server, port } = await startServer({ port: 0 });
after(() => server.close());

/** A raw GET (no URL normalization, unlike fetch), resolving to { status, headers, body }. */
function get(path, headers = {}) {
  return new Promise((ok, fail) => {
    request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', fail).end();
  });
}

test('the Wasm module is served as application/wasm, every page under the lessons\' CSP', async () => {
  const wasm = await get('/pkg/receval_bg.wasm');
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers['content-type'], 'application/wasm');
  assert.deepEqual([...wasm.body.subarray(0, 4)], [0, 0x61, 0x73, 0x6d], 'a Wasm module');
  const page = await get('/');
  assert.match(page.headers['content-type'], /^text\/html/);
  assert.equal(page.headers['content-security-policy'], CSP);
  assert.match(CSP, /script-src 'self' 'wasm-unsafe-eval'/);
});

test('a revalidation with the ETag gets 304 and no body; a stale ETag gets the file', async () => {
  const first = await get('/js/lesson.js');
  assert.equal(first.status, 200);
  assert.equal(first.headers['cache-control'], 'no-cache');
  const etag = first.headers.etag;
  assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
  const again = await get('/js/lesson.js', { 'If-None-Match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal(again.headers.etag, etag);
  const stale = await get('/js/lesson.js', { 'If-None-Match': '"0-0"' });
  assert.equal(stale.status, 200);
  assert.deepEqual(stale.body, first.body);
});

test('no file outside www/ is served, and a missing one is a 404', async () => {
  // (the URL parser resolves a plain "/../" to "/": that is www/'s own Cargo.toml, which does not exist)
  assert.equal((await get('/../Cargo.toml')).status, 404);
  assert.equal((await get('/..%2fCargo.toml')).status, 403);
  assert.equal((await get('/..%2f..%2fetc%2fpasswd')).status, 403);
  assert.equal((await get('/no-such-file.js')).status, 404);
});
