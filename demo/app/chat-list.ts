import { clock, h } from './dom.js';
import type { ChatLine, ChatPost } from './protocol.js';

/**
 * Where one of our own lines is: `queued` in the socket's queue, `sending` on an open connection, `unconfirmed`
 * when that connection died before the echo came, `lost` when the next connection's history lacks it too,
 * `dropped` when the socket refused it. Once the server's echo (or its history) has it, it is `delivered`.
 */
export type Status = 'queued' | 'sending' | 'unconfirmed' | 'lost' | 'dropped' | 'delivered';

const STATUS_TEXT: Record<Exclude<Status, 'delivered'>, [text: string, explain: string]> = {
  queued: ['queued', 'Waiting in the socket’s queue; it goes out as soon as the connection is back.'],
  sending: ['sending…', 'Sent; waiting for the server to echo it.'],
  unconfirmed: [
    'unconfirmed',
    'Sent on a connection that died before the echo came: it may or may not have arrived.',
  ],
  lost: ['not delivered', 'Sent on a connection that died, and the server’s history does not have it.'],
  dropped: ['dropped', 'The socket refused it (closed for good).'],
};

const MAX_LINES = 200;

/**
 * The chat history as a list: the server's lines in id order, then our own lines not confirmed yet, each with
 * its status. A line keeps its element from typed to delivered, and nothing already in place is moved (the
 * list is a live region: a moved element would be read out again).
 */
export class ChatList {
  readonly element: HTMLElement;
  readonly #list = h('ol', { class: 'chat-list', id: 'chat-history', 'aria-live': 'polite' });
  readonly #empty = h(
    'p',
    { class: 'chat-empty' },
    'No messages yet. Say hello, then open this page in a second tab and talk to yourself.',
  );
  /** The server's lines, by id, oldest first. */
  readonly #delivered = new Map<number, HTMLLIElement>();
  /** Our lines not confirmed yet, by clientId. */
  readonly #pending = new Map<string, HTMLLIElement>();
  readonly #isMine: (line: ChatLine) => boolean;
  readonly #resend: (clientId: string) => void;

  constructor(isMine: (line: ChatLine) => boolean, resend: (clientId: string) => void) {
    this.#isMine = isMine;
    this.#resend = resend;
    this.element = h(
      'div',
      { class: 'chat-scroll', tabindex: 0, role: 'region', 'aria-label': 'Chat messages' },
      this.#list,
      this.#empty,
    );
    this.#scroll(true);
  }

  /** Shows one of our lines, not confirmed yet, at the end. */
  add(post: ChatPost, status: Status): void {
    const li = h('li', { class: 'line', 'data-client-id': post.clientId });
    this.#pending.set(post.clientId, li);
    this.#list.append(li);
    this.#fill(li, post, status, true);
    this.#scroll(true);
  }

  /** Changes the status of one of our lines not confirmed yet. */
  setStatus(post: ChatPost, status: Status): void {
    const li = this.#pending.get(post.clientId);
    if (li) this.#fill(li, post, status, true);
  }

  /** Shows a line from the server (once per id), in place of our pending line with the same clientId. */
  deliver(line: ChatLine): void {
    if (this.#delivered.has(line.id)) return;
    const pending = line.clientId ? this.#pending.get(line.clientId) : undefined;
    if (pending) this.#pending.delete(line.clientId);
    const li = pending ?? h('li', { class: 'line' });
    li.dataset.id = String(line.id);
    this.#fill(li, line, 'delivered', this.#isMine(line));
    this.#delivered.set(line.id, li);
    this.#place(li, line.id);
    for (const [id, old] of this.#delivered) {
      if (this.#delivered.size <= MAX_LINES) break;
      old.remove();
      this.#delivered.delete(id);
    }
    this.#scroll(pending !== undefined);
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
    if (status === 'lost') {
      const again = h('button', { type: 'button', class: 'button-small' }, 'Send again');
      again.addEventListener('click', () => this.#resend(line.clientId));
      li.append(again);
    }
  }

  /** Puts a confirmed line in id order, before every unconfirmed one; moves nothing that is already in place. */
  #place(li: HTMLLIElement, id: number): void {
    let before: Element | null = null;
    for (const child of this.#list.children) {
      if (child === li) continue;
      const other = child as HTMLElement;
      if (other.dataset.status !== 'delivered' || Number(other.dataset.id) > id) {
        before = child;
        break;
      }
    }
    if (li.parentElement !== this.#list || li.nextElementSibling !== before) {
      this.#list.insertBefore(li, before);
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
