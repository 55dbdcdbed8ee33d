import type { StandardSchemaV1 } from './standard-schema.js';

/**
 * Checks an inbound payload at run time: a Standard Schema (zod, valibot, arktype, effect… — anything with a
 * `~standard` property, https://standardschema.dev) or a function that returns the payload or throws.
 */
export type Validator<T> = StandardSchemaV1<unknown, T> | ((data: unknown) => T);

/** Why a payload failed its validator. */
export type Issue = StandardSchemaV1.Issue;

/** What a validator said: the (possibly transformed) payload, or why it failed. */
export type Outcome<T> = { value: T; issues?: undefined } | { issues: readonly Issue[] };

const outcome = <T>(result: StandardSchemaV1.Result<T>): Outcome<T> =>
  result.issues ? { issues: result.issues } : { value: result.value };

/** Runs a validator; a Standard Schema may answer asynchronously. Never throws. */
export function validate<T>(validator: Validator<T>, data: unknown): Outcome<T> | Promise<Outcome<T>> {
  try {
    if (typeof validator === 'function') return { value: validator(data) };
    const result = validator['~standard'].validate(data);
    return result instanceof Promise ? result.then(outcome, failed) : outcome(result);
  } catch (error) {
    return failed(error);
  }
}

const failed = (error: unknown): Outcome<never> => ({
  issues: [{ message: error instanceof Error ? error.message : String(error) }],
});
