// @ts-check
// First step of `npm test`: make sure Chromium and Firefox are there, installing them if we can.
// Root on Debian: apt-get. Elsewhere: Playwright's installer. Otherwise stop and say exactly what to install.
// It never lets the tests run with a browser missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { debianPackage, findBrowser } from './browsers.mjs';

/** @type {Array<'chromium' | 'firefox'>} */
const wanted = ['chromium', 'firefox'];
const missing = () => wanted.filter((name) => findBrowser(name) === undefined);

/** @param {string} command @param {string[]} args */
function run(command, args) {
  console.log(`ensure-browsers: ${command} ${args.join(' ')}`);
  try {
    execFileSync(command, args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    return true;
  } catch {
    return false;
  }
}

let absent = missing();
if (absent.length > 0 && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
  const packages = absent.map(debianPackage);
  run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', ...packages]);
  absent = missing();
}
if (absent.length > 0) {
  run('npx', ['playwright', 'install', ...absent]);
  absent = missing();
}
if (absent.length > 0) {
  console.error(
    `\nensure-browsers: no ${absent.join(' or ')} to test in. Install one of:\n` +
      `  Debian/Ubuntu:  sudo apt-get install -y ${absent.map(debianPackage).join(' ')}\n` +
      `  anywhere else:  npx playwright install ${absent.join(' ')}\n`,
  );
  process.exit(1);
}
for (const name of wanted) console.log(`ensure-browsers: ${name} from ${findBrowser(name)?.source}`);
