// @ts-check
// Runs one provisioning command (apt-get, npx playwright install) with its output shown; never throws, so a
// failed install falls through to the caller's own "still missing" message.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** True when this process may install Debian packages itself (root on a machine with apt-get). */
export const canApt = () => process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');

/**
 * Runs `command args…` and says whether it succeeded.
 * @param {string} tag the script's name, printed before the command
 * @param {string} command
 * @param {string[]} args
 */
export function runCommand(tag, command, args) {
  console.log(`${tag}: ${command} ${args.join(' ')}`);
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

/**
 * `apt-get update`, then `apt-get install -y` of the packages; whether both succeeded. Says first, in one
 * paragraph, what it is about to install and why (the README says it beside `npm test` too): installing system
 * packages as root is not something to do unannounced.
 * @param {string} tag @param {string[]} packages
 */
export function aptInstall(tag, packages) {
  console.log(
    `\n${tag}: running as root on Debian, so installing what the tests need with apt-get:\n` +
      `  ${packages.join(' ')}\n` +
      `${tag}: (README, beside \`npm test\`; to do it yourself instead, run \`sudo apt-get install -y ${packages.join(' ')}\` first)\n`,
  );
  return (
    runCommand(tag, 'apt-get', ['update', '-qq']) &&
    runCommand(tag, 'apt-get', ['install', '-y', '-qq', ...packages])
  );
}
