import type { RequestOptions } from './channel.js';
import { num } from './check.js';
import {
  ConnectionLostError,
  InvalidPayloadError,
  QueueFullError,
  RequestError,
  RequestTimeoutError,
  SocketClosedError,
} from './errors.js';
import type { DropReason } from './events.js';
import type { SequencedFrame, ServerFrame } from './protocol.js';
import type { SendResult } from './send-queue.js';
import { Timer } from './timer.js';
import type { Outcome } from './validator.js';

type Accept = (data: unknown) => Outcome<unknown> | Promise<Outcome<unknown>>;

/** A request frame. */
export type RequestFrame = Extract<SequencedFrame, { type: 'request' }>;

interface Pending {
  /** The request frame: to find it in the queue or resend buffer, and to recognise it in a `drop`. */
  frame: RequestFrame;
  accept: Accept;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** What {@link Requests} needs from the channel layer. */
export interface RequestsHost {
  /** Sends a frame: at once when it can, else it waits (queue, or resend buffer) for the next connection. */
  send(frame: RequestFrame): SendResult;
  /** Whether a frame is still waiting to go out. */
  queued(frame: RequestFrame): boolean;
  /**
   * Takes a frame back, wherever it waits (queue, resend buffer), if it never went out; over v2 one already
   * written stays for its seq (only the app has given up on it).
   */
  withdraw(frame: RequestFrame): void;
}

/**
 * Requests waiting for their response. Each owns a timeout timer, cleared however it settles. Over v1, whether a
 * request's frame has left the queue decides what a connection loss does to it: gone out → rejected (its
 * response cannot come on another connection); still queued → kept, it goes out on the next one. A request
 * that settles while still queued (timeout, abort) takes its frame out of the queue: the server never sees it.
 * Over v2 the resend buffer decides: a frame never written is taken out; one written keeps its seq (the server
 * may handle it; its late answer is dropped) — see `ResendBuffer`.
 */
export class Requests {
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;

  readonly #host: RequestsHost;

  constructor(host: RequestsHost) {
    this.#host = host;
  }

  /** Sends a request; the promise settles with the response or one of the errors listed on `Channel.request`. */
  start(channel: string, data: unknown, options: RequestOptions = {}, accept: Accept): Promise<unknown> {
    const { signal } = options;
    return new Promise((resolve, reject) => {
      const timeoutMs = num(10_000, 1, Infinity)(options.timeoutMs, 'request options.timeoutMs');
      if (signal?.aborted) return reject(signal.reason);
      const id = ++this.#nextId;
      const timer = new Timer();
      const abort = (): void => pending.reject(signal?.reason);
      const settle = (outcome: () => void): void => {
        if (!this.#pending.delete(id)) return;
        timer.clear();
        signal?.removeEventListener('abort', abort);
        this.#host.withdraw(pending.frame);
        outcome();
      };
      const pending: Pending = {
        frame: { type: 'request', id, channel, data },
        accept,
        resolve: (value) => settle(() => resolve(value)),
        reject: (error) => settle(() => reject(error)),
      };
      this.#pending.set(id, pending);
      timer.set(() => pending.reject(new RequestTimeoutError(timeoutMs)), timeoutMs);
      signal?.addEventListener('abort', abort);
      try {
        this.#host.send(pending.frame);
      } catch (error) {
        pending.reject(error);
      }
    });
  }

  /** Settles the request a response is for; false if none is waiting (it then goes to `message`). */
  respond(frame: Extract<ServerFrame, { type: 'response' }>): boolean {
    const pending = this.#pending.get(frame.id);
    if (!pending) return false;
    if ('error' in frame) {
      pending.reject(new RequestError(frame.error.message, frame.error.code));
    } else {
      const settle = (outcome: Outcome<unknown>): void =>
        outcome.issues
          ? pending.reject(new InvalidPayloadError(outcome.issues))
          : pending.resolve(outcome.value);
      const outcome = pending.accept(frame.data);
      if (outcome instanceof Promise) void outcome.then(settle);
      else settle(outcome);
    }
    return true;
  }

  /** Frames of the requests still waiting for a response, oldest first. */
  frames(): RequestFrame[] {
    return [...this.#pending.values()].map((pending) => pending.frame);
  }

  /** A v1 connection was lost: requests that went out on it cannot be answered any more. */
  lost(): void {
    for (const pending of [...this.#pending.values()])
      if (!this.#host.queued(pending.frame)) pending.reject(new ConnectionLostError());
  }

  /** The socket closed for good. */
  closed(): void {
    for (const pending of [...this.#pending.values()]) pending.reject(new SocketClosedError());
  }

  /** A frame was dropped unsent: if it was a request's, that request fails. */
  dropped(matches: (frame: RequestFrame) => boolean, reason: DropReason): void {
    for (const pending of this.#pending.values()) {
      if (matches(pending.frame))
        pending.reject(reason === 'closed' ? new SocketClosedError() : new QueueFullError());
    }
  }
}
