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

/** `apt-get update`, then `apt-get install -y` of the packages; whether both succeeded. */
/** @param {string} tag @param {string[]} packages */
export const aptInstall = (tag, packages) =>
  runCommand(tag, 'apt-get', ['update', '-qq']) &&
  runCommand(tag, 'apt-get', ['install', '-y', '-qq', ...packages]);
