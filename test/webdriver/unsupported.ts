/**
 * Makes a WebDriver stand-in (page, handle, context) fail loudly where it differs from Playwright's object:
 * any member it lacks throws when used, naming itself and what to do. A spec that stays within the supported
 * subset runs in WebKit unchanged; one that does not fails at its first unsupported call, never silently.
 */

/** Properties that tools probe on any object (await, expect, util.inspect): absent, not errors. */
const PROBED = new Set([
  'then',
  'toJSON',
  'asymmetricMatch',
  '$$typeof',
  'nodeType',
  'constructor',
  'inspect',
]);

function unsupported(member: string): unknown {
  const fail = (): never => {
    throw new Error(
      `${member} is not supported in the webkit project: WebKit is driven over WebDriver (test/webdriver/), ` +
        'which offers the subset of the page API listed in CONTRIBUTING.md ("Browsers for the tests"). Use ' +
        'page.evaluate()/waitForFunction(), or add the spec to NOT_IN_WEBKIT in playwright.config.ts with the reason.',
    );
  };
  // Callable (page.locator(…)) and with members (page.keyboard.press): both fail.
  return new Proxy(fail, {
    get: (_target, property) => (typeof property === 'symbol' || PROBED.has(property) ? undefined : fail()),
  });
}

/** Wraps `target` so that its own members work (bound to it) and any other member fails as {@link unsupported}. */
export function withUnsupported<T extends object>(target: T, name: string): T {
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === 'symbol' || property in object || PROBED.has(property)) {
        const value: unknown = Reflect.get(object, property, object);
        return typeof value === 'function' ? value.bind(object) : value;
      }
      return unsupported(`${name}.${property}`);
    },
  });
}
