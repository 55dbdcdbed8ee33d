// Small combinators that check a value and say precisely what is wrong with it: every error names the
// option (its path, e.g. `options.heartbeat.intervalMs`) and carries a stable `code`; the development build's
// message also says what the option must be and what it got. Both builds accept and reject the same values.
import { DEV } from './dev.js';
import { ERROR_DOCS } from './errors.js';

/**
 * Stable codes of the TypeErrors and RangeErrors thrown for a bad argument or option (its `code` property, and
 * in the production build's message). docs/error-codes.md explains each.
 */
export type ArgumentErrorCode =
  | 'ERR_INVALID_TYPE'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_UNKNOWN_OPTION'
  | 'ERR_NO_WEBSOCKET';

/** Checks one value, found at `path`; returns it (or its default) or throws a TypeError or RangeError. */
export type Check<T> = (value: unknown, path: string) => T;

const show = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'function'
      ? 'a function'
      : Array.isArray(value)
        ? 'an array'
        : value && typeof value === 'object'
          ? 'an object'
          : String(value);

/**
 * Throws `error` about the argument or option at `path`, with `code`. The message is `reliable-socket: ${path}`
 * followed, in the development build, by `detail` (a sentence that completes it), and in the production build
 * by the code and where it is explained, in parentheses: call sites write `DEV && '…'`, so that the production
 * build carries no detail.
 */
export function raise(
  error: TypeErrorConstructor | RangeErrorConstructor,
  code: ArgumentErrorCode,
  path: string,
  detail: string | false,
): never {
  throw Object.assign(
    new error(`reliable-socket: ${path}${DEV ? detail : ` (${code}, see ${ERROR_DOCS})`}`),
    {
      code,
    },
  );
}

/**
 * Throws `error` about `path`: in the development build saying what it must be (`expected`) and what it was; its
 * code is `ERR_OUT_OF_RANGE` for a RangeError, else `ERR_INVALID_TYPE`.
 */
export function fail(
  error: TypeErrorConstructor | RangeErrorConstructor,
  path: string,
  expected: string | false,
  value: unknown,
): never {
  raise(
    error,
    error === RangeError ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_TYPE',
    path,
    DEV && ` must be ${expected}, got ${show(value)}`,
  );
}

/** A number in [min, max]; `integer` also allows Infinity. Absent: `fallback`. */
export const num =
  (fallback: number, min: number, max: number, integer?: boolean): Check<number> =>
  (value, path) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || Number.isNaN(value)) fail(TypeError, path, DEV && 'a number', value);
    if (value < min || value > max || (integer && value !== Infinity && !Number.isInteger(value))) {
      fail(RangeError, path, DEV && `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, value);
    }
    return value;
  };

/** One of `allowed`; absent: the first of them. */
export const oneOf =
  <T extends string>(...allowed: T[]): Check<T> =>
  (value, path) => {
    if (value === undefined) return allowed[0]!;
    if (!allowed.includes(value as T))
      fail(TypeError, path, DEV && `one of ${allowed.map(show).join(', ')}`, value);
    return value as T;
  };

/** A function, a string too when `orString`; absent: undefined. */
export const fn =
  <F>(orString?: boolean): Check<F | undefined> =>
  (value, path) => {
    if (value !== undefined && typeof value !== 'function' && !(orString && typeof value === 'string')) {
      fail(TypeError, path, DEV && (orString ? 'a function or a string' : 'a function'), value);
    }
    return value as F | undefined;
  };

/** `check`, but an absent value stays absent instead of taking a default. */
export const optional =
  <T>(check: Check<T>): Check<T | undefined> =>
  (value, path) =>
    value === undefined ? undefined : check(value, path);

/** `check`, or Infinity (which then means "never" or "no limit"). */
export const orInfinity =
  (check: Check<number>): Check<number> =>
  (value, path) =>
    value === Infinity ? value : check(value, path);

/** A non-empty string. */
export const text: Check<string> = (value, path) => {
  if (typeof value !== 'string' || value === '') fail(TypeError, path, DEV && 'a non-empty string', value);
  return value;
};

/**
 * An options object whose every key has a check: each value is checked (absent ones get their defaults), and
 * a key without a check is an error that lists the known ones — so a typo is an error, not a silent default.
 */
export function group<T extends object>(
  value: unknown,
  path: string,
  checks: { [K in keyof T]-?: Check<T[K]> },
  expected: string | false = DEV && 'an object',
): T {
  const given = (value === undefined ? {} : value) as Record<string, unknown>;
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    fail(TypeError, path, expected, value);
  const keys = Object.keys(checks) as Array<keyof T & string>;
  for (const key of Object.keys(given)) {
    if (!keys.includes(key as keyof T & string)) {
      raise(
        TypeError,
        'ERR_UNKNOWN_OPTION',
        DEV ? path : `${path}.${key}`,
        DEV && ` has no option "${key}" (known: ${keys.join(', ')})`,
      );
    }
  }
  const result = {} as T;
  for (const key of keys) result[key] = checks[key](given[key], `${path}.${key}`);
  return result;
}
