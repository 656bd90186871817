#!/usr/bin/env node
// `npm run demo:web`: serves the browser demo (examples/browser/) and what it loads (dist/, build/,
// workers/, data/ with the embedded digits) on localhost, cross-origin isolated so that the
// simd-threads build can run: every response carries COOP same-origin, COEP require-corp and CORP
// same-origin, and .wasm/.mjs/.js get their proper MIME types. A tiny node:http server, no dependencies.
//
//   node scripts/serve-demo.mjs [--port 8080] [--host localhost] [--no-isolation] [--dir DIR] [--quiet]
//
// --no-isolation drops COOP/COEP (the page then runs one thread and says why); so does `?coi=0` on any
// request (the tests use it). --dir serves a whole folder instead (e.g. a Vite build's dist/).
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** What the demo page needs; nothing else in the repository is served. */
const DEMO_PREFIXES = ['/examples/browser/', '/dist/', '/build/', '/workers/', '/data/', '/docs/'];
export const DEMO_PATH = '/examples/browser/';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.gz': 'application/gzip',
};

/**
 * Starts the server; resolves with its URL once listening (port 0 picks a free port).
 * @param {{ port?: number, host?: string, isolation?: boolean, dir?: string, log?: (line: string) => void }} options
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export function startServer({ port = 8080, host = 'localhost', isolation = true, dir, log = () => {} } = {}) {
  const root = dir ? resolve(dir) : ROOT;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isolate = isolation && url.searchParams.get('coi') !== '0';
    const headers = {
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Resource-Policy': 'same-origin',
      ...(isolate ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
    };
    const fail = (status, text) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : `${status} ${text}\n`);
      log(`${status} ${req.method} ${url.pathname}`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'method not allowed');
    let path;
    try {
      path = normalize(decodeURIComponent(url.pathname)).replaceAll('\\', '/');
    } catch {
      return fail(400, 'bad path');
    }
    if (!dir && (path === '/' || path === DEMO_PATH.slice(0, -1))) {
      res.writeHead(302, { ...headers, Location: DEMO_PATH + url.search });
      return res.end();
    }
    if (!dir && !DEMO_PREFIXES.some((p) => path.startsWith(p))) return fail(404, 'not found (only the demo and what it loads are served)');
    let file = join(root, path);
    if (file !== root && !file.startsWith(root + sep)) return fail(403, 'forbidden');
    let stat;
    try {
      stat = statSync(file);
      if (stat.isDirectory()) {
        if (!path.endsWith('/')) {
          res.writeHead(301, { ...headers, Location: path + '/' + url.search });
          return res.end();
        }
        file = join(file, 'index.html');
        stat = statSync(file);
      }
    } catch {
      return fail(404, 'not found' + (path.startsWith('/dist/') || path.startsWith('/build/') ? ' (run `npm run build` first)' : ''));
    }
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    // The digits are 21 MB of JSON: worth compressing for anyone not on localhost.
    const gzip = type.startsWith('application/json') && stat.size > 1 << 20 && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
    res.writeHead(200, {
      ...headers,
      'Content-Type': type,
      ...(gzip ? { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' } : { 'Content-Length': stat.size }),
    });
    log(`200 ${req.method} ${url.pathname}`);
    if (req.method === 'HEAD') return res.end();
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    (gzip ? stream.pipe(createGzip({ level: 1 })) : stream).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolvePromise({
        url: `http://${shownHost}:${actual}${dir ? '/' : DEMO_PATH}`,
        port: actual,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}

function parseArgs(argv) {
  const o = { port: 8080, host: 'localhost', isolation: true, dir: undefined, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--port' || a === '-p') o.port = Number(value());
    else if (a === '--host') o.host = value();
    else if (a === '--dir') o.dir = value();
    else if (a === '--no-isolation') o.isolation = false;
    else if (a === '--quiet' || a === '-q') o.quiet = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/serve-demo.mjs [--port 8080] [--host localhost] [--no-isolation] [--dir DIR] [--quiet]');
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`--port must be 0..65535, got ${o.port}`);
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`serve-demo: ${e.message}`);
    process.exit(2);
  }
  try {
    statSync(join(ROOT, 'dist/index.js'));
    statSync(join(ROOT, 'build/denoise.simd.wasm'));
  } catch {
    if (!o.dir) console.error('serve-demo: dist/ or build/ is missing: run `npm run build` first');
  }
  startServer({ ...o, log: o.quiet ? () => {} : (line) => console.log(line) }).then(({ url }) => {
    console.log(`denoise-wasm demo: ${url}`);
    console.log(o.isolation
      ? '(cross-origin isolated: COOP same-origin + COEP require-corp, so the threads build runs; add ?coi=0 to see the one-thread fallback)'
      : '(not cross-origin isolated: one thread)');
  }, (e) => {
    console.error(`serve-demo: cannot listen on ${o.host}:${o.port}: ${e.message}${e.code === 'EADDRINUSE' ? ' (pass --port 0 for any free port)' : ''}`);
    process.exit(1);
  });
}
