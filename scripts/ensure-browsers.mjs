// @ts-check
// First step of `npm test`: make sure Chromium, Firefox and WebKit are there, installing them if we can.
// Root on Debian: apt-get. Elsewhere: Playwright's installer (Chromium and Firefox only: WebKit is WebKitGTK
// driven over WebDriver, which only a system package provides). Otherwise stop and say exactly what to
// install. It never lets the tests run with a browser missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { debianPackage, findBrowser } from './browsers.mjs';
import { findWebKit, WEBKIT_DEBIAN_PACKAGES } from './webkit.mjs';

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
let webkitAbsent = findWebKit() === undefined;
if ((absent.length > 0 || webkitAbsent) && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
  const packages = [...absent.map(debianPackage), ...(webkitAbsent ? WEBKIT_DEBIAN_PACKAGES : [])];
  run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', ...packages]);
  absent = missing();
  webkitAbsent = findWebKit() === undefined;
}
if (absent.length > 0) {
  run('npx', ['playwright', 'install', ...absent]);
  absent = missing();
}
if (absent.length > 0 || webkitAbsent) {
  const debian = [...absent.map(debianPackage), ...(webkitAbsent ? WEBKIT_DEBIAN_PACKAGES : [])];
  const names = [...absent, ...(webkitAbsent ? ['WebKit (WebKitGTK WebDriver + xvfb)'] : [])];
  console.error(
    `\nensure-browsers: no ${names.join(' or ')} to test in. Install:\n` +
      `  Debian/Ubuntu:  sudo apt-get install -y ${debian.join(' ')}\n` +
      (absent.length > 0
        ? `  or, for ${absent.join(' and ')} anywhere:  npx playwright install ${absent.join(' ')}\n`
        : ''),
  );
  process.exit(1);
}
for (const name of wanted) console.log(`ensure-browsers: ${name} from ${findBrowser(name)?.source}`);
console.log(`ensure-browsers: webkit from the system (${findWebKit()?.miniBrowser})`);
