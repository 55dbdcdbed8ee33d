import { Emitter, type EventMap } from '../emitter.js';
import { ListenerError, type ReliableSocketServerError } from './errors.js';

/** Last resort for an error nobody listens to: a process warning, visible in the log, never a crash. */
const warn = (error: unknown): void =>
  process.emitWarning(error instanceof Error ? error : new Error(String(error), { cause: error }));

/**
 * The server's emitter never throws into the code that emits: the server emits from socket callbacks, where a
 * throw would be an uncaught exception that ends the process. A listener that throws is reported as an
 * `error` event ({@link ListenerError}) and the other listeners still run; an `error` nobody listens to — or
 * whose listener throws — becomes a process warning.
 */
export class ServerEmitter<
  Events extends EventMap<Events> & { error: [error: ReliableSocketServerError] },
> extends Emitter<Events> {
  override emit<E extends keyof Events & string>(event: E, ...args: Events[E]): boolean {
    const heard = super.emit(event, ...args);
    if (!heard && event === 'error') warn(args[0]);
    return heard;
  }

  protected override failed(error: unknown, event: string): void {
    if (event === 'error') warn(error);
    else this.emit('error', ...([new ListenerError(event, error)] as unknown as Events['error']));
  }
}
