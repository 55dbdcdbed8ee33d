import { ChatList, type Status } from './chat-list.js';
import { h, plural, randomLetters } from './dom.js';
import type { Log } from './log.js';
import {
  type ChatPost,
  type DemoSocket,
  LIMITS,
  parseChatLine,
  parseHistory,
  parsePresence,
} from './protocol.js';

const NAME_KEY = 'reliable-socket-demo:name';

/** localStorage, which may be unavailable (privacy settings): then the name is simply not remembered. */
const stored = {
  get(key: string): string | null {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key: string, value: string): void {
    try {
      localStorage.setItem(key, value);
    } catch {
      // not remembered, that is all
    }
  },
};

function field(id: string, label: string, input: HTMLInputElement, className: string): HTMLElement {
  input.id = id;
  return h('div', { class: `field ${className}` }, h('label', { for: id }, label), input);
}

/**
 * The chat room over the typed 'chat' channel. It leans on the socket (protocol v2): a line is sent once with
 * `sendConfirmed()` and shown as queued / sending until the server acknowledges it — the socket re-sends it
 * across reconnections and the server handles it once, so the page keeps no ids and no "maybe lost" state. The
 * room's past lines come from a history request on the first open, and again if the channel reports a `gap`
 * (what was published while away could not be replayed); otherwise the socket replays what was missed itself.
 */
export function chatRoom(
  socket: DemoSocket,
  log: Log,
  /** Called after every send: the count of unacknowledged frames changed. */
  sent: () => void,
): { element: HTMLElement; dispose(): void } {
  const chat = socket.channel('chat', { validate: parseChatLine });
  const history = socket.channel('history', { validate: parseHistory });
  const presence = socket.channel('presence', { validate: parsePresence });
  /** Our lines not acknowledged yet, and whether each is still waiting for a connection. */
  const pending = new Map<ChatPost, Status>();
  const list = new ChatList();

  const online = h('span', { class: 'presence', id: 'presence' }, 'connecting…');
  const nameInput = h('input', {
    name: 'user',
    maxlength: LIMITS.user,
    autocomplete: 'nickname',
    required: true,
    spellcheck: 'false',
  });
  nameInput.value = stored.get(NAME_KEY) ?? `guest-${randomLetters(4)}`;
  const messageInput = h('input', {
    name: 'text',
    maxlength: LIMITS.text,
    autocomplete: 'off',
    required: true,
    placeholder: 'Say something',
  });
  const form = h(
    'form',
    { class: 'chat-form', 'aria-label': 'Send a message' },
    field('chat-name', 'Your name', nameInput, 'field-name'),
    field('chat-message', 'Message', messageInput, 'field-message'),
    h('button', { type: 'submit', class: 'button-primary' }, 'Send'),
  );
  const element = h(
    'section',
    { class: 'card chat', 'aria-labelledby': 'chat-heading' },
    h('div', { class: 'card-head' }, h('h2', { id: 'chat-heading' }, 'Chat'), online),
    h(
      'p',
      { class: 'hint' },
      'A typed channel. Your lines show as “queued” while the socket is not open and “sending…” until the server acknowledges them: the socket sends them again after a reconnection, and the server handles each once.',
    ),
    list.element,
    form,
  );

  const setStatus = (post: ChatPost, status: Status): void => {
    if (status === 'delivered' || status === 'dropped') pending.delete(post);
    else pending.set(post, status);
    list.setStatus(post, status);
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const user = nameInput.value.trim();
    const text = messageInput.value.trim();
    if (!user || !text) return;
    stored.set(NAME_KEY, user);
    const post: ChatPost = { user, text };
    const status: Status = socket.state === 'open' ? 'sending' : 'queued';
    pending.set(post, status);
    list.add(post, status);
    chat.sendConfirmed(post).then(
      () => {
        setStatus(post, 'delivered');
        sent();
      },
      (error: unknown) => {
        setStatus(post, 'dropped');
        log('error', error instanceof Error ? error.message : String(error));
      },
    );
    sent();
    messageInput.value = '';
    messageInput.focus();
  });

  const loadHistory = async (why: string): Promise<void> => {
    try {
      const lines = await history.request({ last: 50 }, { timeoutMs: 5000 });
      for (const line of lines) list.deliver(line);
      log('history', `${why}: ${plural(lines.length, 'line')} from the server`);
    } catch (error) {
      log('history', `request failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const offs = [
    chat.on('message', (line) => list.deliver(line)),
    chat.on('invalid', ({ issues }) =>
      log('invalid', `chat payload: ${issues.map((issue) => issue.message).join('; ')}`),
    ),
    chat.on('gap', ({ reason }) => void loadHistory(`missed lines could not be replayed (${reason})`)),
    presence.on('message', ({ online: n }) => {
      online.textContent = `${n} online`;
    }),
    socket.once('open', () => void loadHistory('joined')),
    socket.on('open', () => {
      const queued = [...pending].filter(([, status]) => status === 'queued').map(([post]) => post);
      for (const post of queued) setStatus(post, 'sending');
      if (queued.length) log('chat', `${plural(queued.length, 'queued line')} went out`);
    }),
    socket.on('state', ({ from }) => {
      if (from === 'open') online.textContent = 'offline';
    }),
  ];
  return {
    element,
    dispose() {
      for (const off of offs) off();
      chat.close();
      history.close();
      presence.close();
    },
  };
}
