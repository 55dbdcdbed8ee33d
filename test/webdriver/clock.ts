/**
 * `page.clock` for WebDriver pages: Playwright's own fake clock, injected the way Playwright injects it. The
 * in-page clock (fake `Date`, timers, `performance.now()`) is the script Playwright's server evaluates in
 * every frame; we take it from the pinned playwright-core and drive its controller with the same calls, so
 * time in WebKit behaves exactly as under `page.clock` in Chromium and Firefox. Like Playwright, every
 * operation is also kept as an init script (a `log` entry the clock replays), so time survives navigation.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/** What the clock needs from its page. */
export interface ClockHost {
  addInitScriptSource(source: string): void;
  evaluateExpression(expression: string): Promise<unknown>;
}

let cachedSource: string | undefined;

/**
 * The in-page clock script (playwright-core's generated `clockSource.ts`), read from the bundle of the pinned
 * playwright-core, where it is the string literal assigned in that module's initialiser.
 */
function clockSource(): string {
  if (cachedSource !== undefined) return cachedSource;
  const require = createRequire(import.meta.url);
  const core = path.dirname(require.resolve('playwright-core/package.json'));
  const bundle = readFileSync(path.join(core, 'lib/coreBundle.js'), 'utf8');
  const module = bundle.indexOf('"packages/playwright-core/src/generated/clockSource.ts"()');
  const start = module < 0 ? -1 : bundle.indexOf('source = ', module);
  const end = start < 0 ? -1 : bundle.indexOf(';\n  }\n});', start);
  if (end < 0) {
    throw new Error(
      "Playwright's clock source was not found in playwright-core/lib/coreBundle.js: test/webdriver/clock.ts " +
        'reads it from the pinned Playwright (1.64.1); update it with the pin.',
    );
  }
  cachedSource = String(vm.runInNewContext(bundle.slice(start + 'source = '.length, end)));
  return cachedSource;
}

/** A time as Playwright's clock accepts it: ms since the epoch, a date string, or a Date. */
function parseTime(time: number | string | Date): number {
  if (typeof time === 'number') return time;
  if (typeof time === 'string') return Date.parse(time);
  return time.getTime();
}

/** A duration as Playwright's clock accepts it: ms, or "ss", "mm:ss", "hh:mm:ss". */
function parseTicks(ticks: number | string): number {
  if (typeof ticks === 'number') return ticks;
  const parts = ticks.split(':').map(Number);
  if (parts.length > 3 || parts.some((part) => !Number.isFinite(part))) {
    throw new TypeError(`clock: bad duration ${JSON.stringify(ticks)}: use ms, "ss", "mm:ss" or "hh:mm:ss"`);
  }
  return parts.reduce((total, part) => total * 60 + part, 0) * 1000;
}

/** The subset of Playwright's `Clock` with the same semantics: every method of it. */
export class WebDriverClock {
  #installed = false;

  constructor(private readonly host: ClockHost) {}

  async install(options: { time?: number | string | Date } = {}): Promise<void> {
    await this.#call('install', options.time === undefined ? Date.now() : parseTime(options.time));
  }

  fastForward(ticks: number | string): Promise<void> {
    return this.#call('fastForward', parseTicks(ticks));
  }

  pauseAt(time: number | string | Date): Promise<void> {
    return this.#call('pauseAt', parseTime(time));
  }

  resume(): Promise<void> {
    return this.#call('resume');
  }

  runFor(ticks: number | string): Promise<void> {
    return this.#call('runFor', parseTicks(ticks));
  }

  setFixedTime(time: number | string | Date): Promise<void> {
    return this.#call('setFixedTime', parseTime(time));
  }

  setSystemTime(time: number | string | Date): Promise<void> {
    return this.#call('setSystemTime', parseTime(time));
  }

  /** As Playwright's server-side Clock: install the script once, then log the call and make it. */
  async #call(method: string, param?: number): Promise<void> {
    if (!this.#installed) {
      const script = `(() => {
        const module = {};
        ${clockSource()}
        if (!globalThis.__pwClock)
          globalThis.__pwClock = (module.exports.inject())(globalThis, 'webkit');
      })();`;
      this.host.addInitScriptSource(script);
      await this.host.evaluateExpression(script);
      this.#installed = true;
    }
    const args = param === undefined ? '' : `, ${param}`;
    this.host.addInitScriptSource(`globalThis.__pwClock.controller.log('${method}', ${Date.now()}${args})`);
    await this.host.evaluateExpression(`globalThis.__pwClock.controller.${method}(${param ?? ''})`);
  }
}
