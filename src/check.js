// Small combinators that check a value and say precisely what is wrong with it: every error names the
// option (its path, e.g. `options.heartbeat.intervalMs`), what it must be, and what it got.
const show = (value) => typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'function'
        ? 'a function'
        : Array.isArray(value)
            ? 'an array'
            : value && typeof value === 'object'
                ? 'an object'
                : String(value);
/** Throws `error` saying what `path` must be and what it was. */
export function fail(error, path, expected, value) {
    throw new error(`reliable-socket: ${path} must be ${expected}, got ${show(value)}`);
}
/** A number in [min, max]; `integer` also allows Infinity. Absent: `fallback`. */
export const num = (fallback, min, max, integer) => (value, path) => {
    if (value === undefined)
        return fallback;
    if (typeof value !== 'number' || Number.isNaN(value))
        fail(TypeError, path, 'a number', value);
    if (value < min || value > max || (integer && value !== Infinity && !Number.isInteger(value))) {
        fail(RangeError, path, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, value);
    }
    return value;
};
/** One of `allowed`; absent: the first of them. */
export const oneOf = (...allowed) => (value, path) => {
    if (value === undefined)
        return allowed[0];
    if (!allowed.includes(value))
        fail(TypeError, path, `one of ${allowed.map(show).join(', ')}`, value);
    return value;
};
/** A function, a string too when `orString`; absent: undefined. */
export const fn = (orString) => (value, path) => {
    if (value !== undefined && typeof value !== 'function' && !(orString && typeof value === 'string')) {
        fail(TypeError, path, orString ? 'a function or a string' : 'a function', value);
    }
    return value;
};
/**
 * An options object whose every key has a check: each value is checked (absent ones get their defaults), and
 * a key without a check is an error that lists the known ones — so a typo is an error, not a silent default.
 */
export function group(value, path, checks, expected = 'an object') {
    const given = (value === undefined ? {} : value);
    if (given === null || typeof given !== 'object' || Array.isArray(given))
        fail(TypeError, path, expected, value);
    const keys = Object.keys(checks);
    for (const key of Object.keys(given)) {
        if (!keys.includes(key)) {
            throw new TypeError(`reliable-socket: ${path} has no option "${key}" (known: ${keys.join(', ')})`);
        }
    }
    const result = {};
    for (const key of keys)
        result[key] = checks[key](given[key], `${path}.${key}`);
    return result;
}
//# sourceMappingURL=check.js.map