/**
 * One WebKit browser for the tests: `xvfb-run -a WebKitWebDriver --port=N` (a virtual X server, WebKitGTK's
 * WebDriver in it) and one session, which is one MiniBrowser window. MiniBrowser has no headless mode, hence
 * Xvfb. A driver serves one session at a time, so each browser has its own driver.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { findWebKit } from '../../scripts/webkit.mjs';
import { WebDriverSession } from './webdriver-session.js';

const START_ATTEMPTS = 3;
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5000;

/** A free ephemeral port on 127.0.0.1 (the driver takes a port number, not 0). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Signals the whole process group `xvfb-run` leads: Xvfb, the driver, MiniBrowser and its processes. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export class WebKitBrowser {
  #stopping: Promise<void> | undefined;

  private constructor(
    readonly session: WebDriverSession,
    readonly process: ChildProcess,
    readonly version: string,
    readonly stopOnExit: () => void,
  ) {}

  /** Starts a driver and opens a session; retries when Xvfb or the port was taken by someone else meanwhile. */
  static async launch(): Promise<WebKitBrowser> {
    const webkit = findWebKit();
    if (!webkit) throw new Error('No WebKit found: run `node scripts/ensure-browsers.mjs` (npm test does).');
    let lastError: unknown;
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        return await WebKitBrowser.#start(webkit);
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`WebKitWebDriver did not start in ${START_ATTEMPTS} attempts`, { cause: lastError });
  }

  static async #start(webkit: NonNullable<ReturnType<typeof findWebKit>>): Promise<WebKitBrowser> {
    const port = await freePort();
    // Its own process group (detached), so that stopping it reaches every process it started.
    const child = spawn(webkit.xvfbRun, ['-a', webkit.driver, `--port=${port}`], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const stopOnExit = () => signalGroup(child, 'SIGKILL'); // a worker that exits must not leave a browser
    process.on('exit', stopOnExit);
    const base = `http://127.0.0.1:${port}`;
    try {
      await WebKitBrowser.#waitUntilReady(base, child, () => stderr);
      const session = await WebDriverSession.create(base, {
        'webkitgtk:browserOptions': { binary: webkit.miniBrowser, args: ['--automation'] },
        // Like Playwright: dialogs do not block the page.
        unhandledPromptBehavior: 'dismiss',
      });
      // No script timeout: WebKit implements it with the page's own setTimeout (`_execute` in
      // https://github.com/WebKit/WebKit/blob/main/Source/WebKit/WebProcess/Automation/WebAutomationSessionProxy.js),
      // which a test's timer tracking (trackTimers) would count and `page.clock` would fire. A script that never
      // answers ends with the test, whose page is then navigated away. Loads: as Playwright's default.
      await session.command('POST', '/timeouts', { script: null, pageLoad: 30_000 });
      const version = String(session.capabilities.browserVersion ?? 'unknown');
      return new WebKitBrowser(session, child, version, stopOnExit);
    } catch (error) {
      process.off('exit', stopOnExit);
      signalGroup(child, 'SIGKILL');
      throw error;
    }
  }

  static async #waitUntilReady(base: string, child: ChildProcess, stderr: () => string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `xvfb-run WebKitWebDriver exited (${child.exitCode ?? child.signalCode}): ${stderr()}`,
        );
      }
      try {
        const response = await fetch(`${base}/status`);
        // Ours, not another driver that took the port meanwhile: ours would have exited, unable to bind.
        if (response.ok && child.exitCode === null && child.signalCode === null) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`WebKitWebDriver not ready on ${base} after ${READY_TIMEOUT_MS} ms: ${stderr()}`);
  }

  /** Ends the session (MiniBrowser quits), then stops xvfb-run, the driver and Xvfb. Idempotent. */
  close(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.session.delete();
      const exited = this.process.exitCode !== null ? Promise.resolve() : once(this.process, 'exit');
      signalGroup(this.process, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(this.process, 'SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      process.off('exit', this.stopOnExit);
    })();
    return this.#stopping;
  }
}
