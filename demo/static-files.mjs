// @ts-check
// The demo server's static files: the two pages, their stylesheet, the compiled page script, the built
// library and eventemitter3's ESM build (for the ESM page's import map). Nothing else is reachable.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */

const root = fileURLToPath(new URL('..', import.meta.url));
/** URL path → file, for the files served by exact path. */
const FILES = new Map([
  ['/', 'demo/index.html'],
  ['/index.html', 'demo/index.html'],
  ['/esm.html', 'demo/esm.html'],
  ['/style.css', 'demo/style.css'],
  ['/vendor/eventemitter3.esm.js', 'node_modules/eventemitter3/dist/eventemitter3.esm.js'],
]);
/** URL prefix → directory whose .js and .map files are served. @type {Array<[string, string]>} */
const MOUNTS = [
  ['/build/', path.join(root, 'demo/build')],
  ['/dist/', path.join(root, 'dist')],
];
/** @type {Record<string, string>} */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The file a URL path names, or undefined: nothing outside {@link FILES} and {@link MOUNTS} is reachable. */
function staticFile(/** @type {string} */ pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const file = FILES.get(decoded);
  if (file) return path.join(root, file);
  for (const [prefix, dir] of MOUNTS) {
    if (!decoded.startsWith(prefix)) continue;
    const candidate = path.join(dir, decoded.slice(prefix.length));
    // path.join normalises `..`: a result outside the directory is a traversal attempt.
    const inside = candidate.startsWith(dir + path.sep);
    return inside && ['.js', '.map'].includes(path.extname(candidate)) ? candidate : undefined;
  }
  return undefined;
}

/**
 * Answers a GET or HEAD request for a static file: the file, or 404 (with a hint when the build is missing).
 * @param {IncomingMessage} req
 * @param {ServerResponse} res
 * @param {string} pathname the request's path, still percent-encoded
 */
export async function serveStatic(req, res, pathname) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const file = staticFile(pathname);
  let body;
  try {
    if (file) body = await readFile(file);
  } catch {
    // A missing build is the likely cause when the path itself is allowed.
  }
  if (!file || !body) {
    const hint = file ? ' (run `npm run build` first)' : '';
    res
      .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      .end(`Not found: ${pathname}${hint}\n`);
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
