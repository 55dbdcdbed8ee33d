// @ts-check
// What every child process of the fan-out bench shares: its options (JSON in argv[2]), messages to the driver,
// commands from it, and leaving when the driver goes (its IPC channel closes), so that nothing outlives a run.

/** @typedef {{ type: string } & Record<string, unknown>} Message */

/** The options the driver gave this child. */
export const options = /** @type {Record<string, unknown>} */ (JSON.parse(process.argv[2] ?? '{}'));

/** @param {Message} message */
export const tell = (message) => {
  if (process.connected) process.send?.(message);
};

/** Reports a failure to the driver (which prints it) and exits. @param {unknown} error */
export function fail(error) {
  tell({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  setImmediate(() => process.exit(1));
}

/**
 * Runs `handlers[command.type]` for each command from the driver; `close` exits unless handled.
 * @param {Record<string, (command: Message) => unknown>} handlers
 */
export function commands(handlers) {
  process.on('message', (/** @type {Message} */ command) => {
    const handler = handlers[command.type];
    if (handler) Promise.resolve(handler(command)).catch(fail);
    else if (command.type === 'close') process.exit(0);
  });
}

/** Collects garbage (the driver forks with --expose-gc) before an RSS reading. */
export function collect() {
  globalThis.gc?.();
  globalThis.gc?.();
}

// Leave through process.exit, so that `exit` handlers run (the redis keeper stops its redis-server in one).
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

/** The same wall clock in every process, with sub-millisecond resolution: for one-way latency. */
export const now = () => performance.timeOrigin + performance.now();
