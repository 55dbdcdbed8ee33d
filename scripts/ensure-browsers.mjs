// @ts-check
// First step of `npm test`: make sure Chromium, Firefox and WebKit are there, installing them if we can.
// Root on Debian: apt-get. Elsewhere: Playwright's installer (Chromium and Firefox only: WebKit is WebKitGTK
// driven over WebDriver, which only a system package provides). Otherwise stop and say exactly what to
// install. It never lets the tests run with a browser missing.
import { debianPackage, findBrowser } from './browsers.mjs';
import { aptInstall, canApt, runCommand } from './run-command.mjs';
import { findWebKit, WEBKIT_DEBIAN_PACKAGES } from './webkit.mjs';

/** @type {Array<'chromium' | 'firefox'>} */
const wanted = ['chromium', 'firefox'];
const missing = () => wanted.filter((name) => findBrowser(name) === undefined);

let absent = missing();
let webkitAbsent = findWebKit() === undefined;
if ((absent.length > 0 || webkitAbsent) && canApt()) {
  aptInstall('ensure-browsers', [
    ...absent.map(debianPackage),
    ...(webkitAbsent ? WEBKIT_DEBIAN_PACKAGES : []),
  ]);
  absent = missing();
  webkitAbsent = findWebKit() === undefined;
}
if (absent.length > 0) {
  runCommand('ensure-browsers', 'npx', ['playwright', 'install', ...absent]);
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
