/**
 * Whether this is the development build. The sources say `true`; the production build (rollup.config.mjs) loads
 * this module as `export const DEV = false`, and rollup then drops every branch that only the development build
 * takes: the long error messages, internal assertions, warnings about likely mistakes. Bundlers pick the build
 * by the `development` export condition (package.json); docs/getting-started.md, "Two builds and the error codes",
 * says what differs.
 *
 * Only behaviour-neutral code may depend on it: both builds accept and reject the same input, throw the same
 * classes with the same codes, and emit the same events.
 */
export const DEV: boolean = true;
