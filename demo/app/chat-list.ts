import { clock, h } from './dom.js';
import type { ChatLine, ChatPost } from './protocol.js';

/**
 * Where one of our own lines is, as the socket tells it: `queued` waiting for a connection, `sending` on one and
 * not acknowledged yet, `delivered` once the server has handled it (exactly once, however many reconnections it
 * took), `dropped` when the socket gave up on it (closed for good, or its buffer overflowed).
 */
export type Status = 'queued' | 'sending' | 'dropped' | 'delivered';

const STATUS_TEXT: Record<Exclude<Status, 'delivered'>, [text: string, explain: string]> = {
  queued: ['queued', 'Waiting for a connection; the socket sends it as soon as one is open.'],
  sending: [
    'sending…',
    'Sent; waiting for the server to acknowledge it. If the link dies first, the socket sends it again.',
  ],
  dropped: ['dropped', 'The socket gave up on it: closed for good, or its buffer overflowed.'],
};

const MAX_LINES = 200;

/**
 * The chat history as a list: lines from the server (once per id) and our own lines, each where it was added,
 * our own with their status. A line keeps its element from typed to delivered, and nothing already in place is
 * moved (the list is a live region: a moved element would be read out again).
 */
export class ChatList {
  readonly element: HTMLElement;
  readonly #list = h('ol', { class: 'chat-list', id: 'chat-history', 'aria-live': 'polite' });
  readonly #empty = h(
    'p',
    { class: 'chat-empty' },
    'No messages yet. Say hello, then open this page in a second tab and talk to yourself.',
  );
  /** The server's lines shown, by id. */
  readonly #delivered = new Map<number, HTMLLIElement>();
  /** Our own lines, by the post object the page sent. */
  readonly #own = new Map<ChatPost, HTMLLIElement>();

  constructor() {
    this.element = h(
      'div',
      { class: 'chat-scroll', tabindex: 0, role: 'region', 'aria-label': 'Chat messages' },
      this.#list,
      this.#empty,
    );
    this.#scroll(true);
  }

  /** Shows one of our lines at the end. */
  add(post: ChatPost, status: Status): void {
    const li = h('li', { class: 'line' });
    this.#own.set(post, li);
    this.#list.append(li);
    this.#fill(li, post, status, true);
    this.#trim();
    this.#scroll(true);
  }

  /** Changes the status of one of our lines. */
  setStatus(post: ChatPost, status: Status): void {
    const li = this.#own.get(post);
    if (li) this.#fill(li, post, status, true);
  }

  /** Shows a line from the server at the end (once per id: the history and the channel may both bring it). */
  deliver(line: ChatLine): void {
    if (this.#delivered.has(line.id)) return;
    const li = h('li', { class: 'line', 'data-id': String(line.id) });
    this.#fill(li, line, 'delivered', false);
    this.#delivered.set(line.id, li);
    this.#list.append(li);
    this.#trim();
    this.#scroll(false);
  }

  #fill(li: HTMLLIElement, line: ChatPost | ChatLine, status: Status, mine: boolean): void {
    li.dataset.status = status;
    const meta = h('div', { class: 'line-meta' }, h('span', { class: 'line-user' }, line.user));
    if (mine) meta.append(h('span', { class: 'line-you' }, 'you'));
    if ('at' in line) meta.append(h('time', { datetime: new Date(line.at).toISOString() }, clock(line.at)));
    if (status !== 'delivered') {
      const [text, explain] = STATUS_TEXT[status];
      meta.append(h('span', { class: 'line-status', title: explain }, text));
    }
    li.replaceChildren(meta, h('p', { class: 'line-text' }, line.text));
  }

  /** Keeps the newest MAX_LINES. */
  #trim(): void {
    while (this.#list.childElementCount > MAX_LINES) {
      const oldest = this.#list.firstElementChild as HTMLLIElement;
      oldest.remove();
      this.#delivered.delete(Number(oldest.dataset.id));
      for (const [post, li] of this.#own) if (li === oldest) this.#own.delete(post);
    }
  }

  /** Follows new lines when the reader is at the bottom already (or when `force`), not when reading back. */
  #scroll(force: boolean): void {
    const scroller = this.element;
    const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    this.#empty.hidden = this.#list.childElementCount > 0;
    if (force || nearBottom) scroller.scrollTop = scroller.scrollHeight;
  }
}
