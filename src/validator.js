const outcome = (result) => result.issues ? { issues: result.issues } : { value: result.value };
/** Runs a validator; a Standard Schema may answer asynchronously. Never throws. */
export function validate(validator, data) {
    try {
        if (typeof validator === 'function')
            return { value: validator(data) };
        const result = validator['~standard'].validate(data);
        return result instanceof Promise ? result.then(outcome, failed) : outcome(result);
    }
    catch (error) {
        return failed(error);
    }
}
const failed = (error) => ({
    issues: [{ message: error instanceof Error ? error.message : String(error) }],
});
//# sourceMappingURL=validator.js.map