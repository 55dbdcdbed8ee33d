// @ts-check
// The README's script tag carries an SRI hash of the minified UMD build (what jsDelivr serves for the version in
// its URL). This writes the hash of the file just built into README.md, and the version from package.json into
// the URL, so that the two cannot drift; `npm run build:package` runs it last, and test/docs/docs.spec.ts checks
// that the README matches dist/. `--check` only compares (exit 1 on a mismatch).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const built = readFileSync(new URL('dist/reliable-socket.umd.min.js', root));
const integrity = `sha384-${createHash('sha384').update(built).digest('base64')}`;
const readmeUrl = new URL('README.md', root);
const readme = readFileSync(readmeUrl, 'utf8');
const updated = readme
  .replace(/integrity="sha384-[^"]*"/, `integrity="${integrity}"`)
  .replace(
    /reliable-socket@[^/]+\/dist\/reliable-socket\.umd\.min\.js/,
    `reliable-socket@${pkg.version}/dist/reliable-socket.umd.min.js`,
  );
if (updated === readme) {
  console.log(`readme-sri: README.md up to date (${integrity})`);
} else if (process.argv.includes('--check')) {
  console.error(
    `readme-sri: README.md's script tag does not match dist/ (${integrity}): run node scripts/readme-sri.mjs`,
  );
  process.exit(1);
} else {
  writeFileSync(readmeUrl, updated);
  console.log(`readme-sri: README.md's script tag now has ${integrity}`);
}
