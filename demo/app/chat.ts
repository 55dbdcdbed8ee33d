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
 * The chat room over the typed 'chat' channel: the history on every (re)open, a presence count, and our own
 * lines shown as queued / sending until the server's echo (matched by `clientId`) confirms them.
 */
export function chatRoom(
  socket: DemoSocket,
  log: Log,
  /** Called after every send: the queue depth may have changed. */
  sent: () => void,
): { element: HTMLElement; dispose(): void } {
  const chat = socket.channel('chat', { validate: parseChatLine });
  const history = socket.channel('history', { validate: parseHistory });
  const presence = socket.channel('presence', { validate: parsePresence });
  const session = randomLetters(6);
  let written = 0;
  /** Our lines the server has not confirmed yet, by clientId. */
  const own = new Map<string, { post: ChatPost; status: Status }>();
  const list = new ChatList(
    (line) => line.clientId.startsWith(`${session}-`),
    (clientId) => {
      const entry = own.get(clientId);
      if (entry) post(entry);
    },
  );

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
      'A typed channel. Lines you send while the socket is not open show as “queued” until the server echoes them back.',
    ),
    list.element,
    form,
  );

  const setStatus = (entry: { post: ChatPost; status: Status }, status: Status) => {
    entry.status = status;
    list.setStatus(entry.post, status);
  };

  const post = (entry: { post: ChatPost; status: Status }) => {
    try {
      const result = chat.send(entry.post);
      setStatus(entry, result === 'sent' ? 'sending' : result);
      sent();
    } catch (error) {
      setStatus(entry, 'dropped');
      log('error', error instanceof Error ? error.message : String(error));
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const user = nameInput.value.trim();
    const text = messageInput.value.trim();
    if (!user || !text) return;
    stored.set(NAME_KEY, user);
    const entry = { post: { user, text, clientId: `${session}-${++written}` }, status: 'sending' as Status };
    own.set(entry.post.clientId, entry);
    list.add(entry.post, entry.status);
    post(entry);
    messageInput.value = '';
    messageInput.focus();
  });

  const loadHistory = async () => {
    try {
      const lines = await history.request({ last: 50 }, { timeoutMs: 5000 });
      for (const line of lines) {
        own.delete(line.clientId);
        list.deliver(line);
      }
      // What was sent on the previous connection and is not in the history did not arrive.
      for (const entry of own.values()) if (entry.status === 'unconfirmed') setStatus(entry, 'lost');
      log('history', `merged ${plural(lines.length, 'line')} from the server`);
    } catch (error) {
      log('history', `request failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const offs = [
    chat.on('message', (line) => {
      own.delete(line.clientId);
      list.deliver(line);
    }),
    chat.on('invalid', ({ issues }) =>
      log('invalid', `chat payload: ${issues.map((issue) => issue.message).join('; ')}`),
    ),
    presence.on('message', ({ online: n }) => {
      online.textContent = `${n} online`;
    }),
    socket.on('open', () => {
      const queued = [...own.values()].filter((entry) => entry.status === 'queued');
      for (const entry of queued) setStatus(entry, 'sending');
      if (queued.length) log('chat', `${plural(queued.length, 'queued line')} went out with the queue`);
      void loadHistory();
    }),
    socket.on('state', ({ from }) => {
      if (from !== 'open') return;
      online.textContent = 'offline';
      for (const entry of own.values()) if (entry.status === 'sending') setStatus(entry, 'unconfirmed');
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
