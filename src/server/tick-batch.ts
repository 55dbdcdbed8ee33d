import type { Socket } from 'node:net';

/** Bytes of frames held back in a tick before they are written anyway. */
export const BATCH_BYTES = 16 * 1024;

/**
 * Batches the writes of one socket per tick: the first write of a tick corks the socket, and the end of the
 * tick uncorks it, so the frames a client is sent in one tick (a burst of publications, a response and its
 * ack) leave in one system call, and the client reads several frames per read. Past {@link BATCH_BYTES} they
 * go at once: bigger writes save nothing, and what waits here should stay what the network has not taken
 * (`bufferedAmount`, which the buffer limit reads — corked bytes count in it all along).
 */
export class TickBatch {
  readonly #socket: Socket;
  #corked = false;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Call before each write to the socket. */
  hold(): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#release);
    } else if (this.#socket.writableLength >= BATCH_BYTES) {
      this.#socket.uncork();
      this.#socket.cork();
    }
  }

  readonly #release = (): void => {
    this.#corked = false;
    this.#socket.uncork();
  };
}
