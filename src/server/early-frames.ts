/**
 * How long frames sent to a client before its first frame wait to learn its protocol. A v2 client says `hello`
 * as soon as it is connected, so this only delays a v1 client that sends nothing.
 */
export const EARLY_FRAMES_MS = 2000;

/**
 * Frames for one client sent before its first frame (a greeting from the `connection` listener): they wait to
 * learn whether the client speaks v2 — then they go through its session, after `welcome` — or v1. Bounded in
 * bytes; owns the timer that lets them go after {@link EARLY_FRAMES_MS}, cleared by {@link take}.
 */
export class EarlyFrames {
  /** Undefined once taken: the client's protocol is known (or it was silent too long). */
  #frames: string[] | undefined = [];
  #bytes = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly maxBytes: number,
    /** Called once {@link EARLY_FRAMES_MS} after the first frame kept, if they were not taken before. */
    readonly timedOut: () => void,
  ) {}

  /** Whether frames still wait (the client's protocol is not known yet). */
  get waiting(): boolean {
    return this.#frames !== undefined;
  }

  /** Keeps a frame until {@link take}; false, keeping nothing, when it would take them past `maxBytes`. */
  keep(text: string): boolean {
    if (!this.#frames) return false;
    this.#bytes += Buffer.byteLength(text);
    if (this.#bytes > this.maxBytes) return false;
    this.#frames.push(text);
    this.#timer ??= setTimeout(this.timedOut, EARLY_FRAMES_MS);
    return true;
  }

  /** The frames kept, in order — once: from then on nothing waits. */
  take(): string[] {
    clearTimeout(this.#timer);
    const frames = this.#frames ?? [];
    this.#frames = undefined;
    return frames;
  }
}
