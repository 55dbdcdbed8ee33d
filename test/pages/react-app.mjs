// A React app over reliable-socket/react, bundled with React's development build (the one whose StrictMode
// mounts twice) by test/pages/rollup.config.mjs; test/browser/react.spec.ts drives it through `window.reactApp`.
import { createElement, StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useChannel, useReliableSocket, useSocketState } from 'reliable-socket/react';

/** What the test sees of the mounted app. */
const app = {
  /** @type {import('reliable-socket').ReliableSocket | undefined} */
  socket: undefined,
  /** @type {import('reliable-socket').Channel<unknown, unknown> | undefined} */
  chat: undefined,
  /** Sockets the hook handed to renders, each once. */
  sockets: new Set(),
  /** @type {import('react-dom/client').Root | undefined} */
  root: undefined,
  /** @type {(enabled: boolean) => void} */
  setEnabled: () => {},
  /** Mounts the app under StrictMode. @param {string} url */
  mount(url) {
    const container = document.getElementById('root');
    if (!container) throw new Error('no #root');
    app.root = createRoot(container);
    app.root.render(createElement(StrictMode, null, createElement(Chat, { url })));
  },
  unmount() {
    app.root?.unmount();
    app.root = undefined;
  },
};

/** @param {{ url: string }} props */
function Chat({ url }) {
  const [enabled, setEnabled] = useState(true);
  app.setEnabled = setEnabled;
  const socket = useReliableSocket(url, { heartbeat: false, delivery: false, enabled });
  const [lines, setLines] = useState(/** @type {string[]} */ ([]));
  const chat = useChannel(socket, 'chat', (line) => setLines((previous) => [...previous, String(line)]));
  app.sockets.add(socket);
  useEffect(() => {
    app.socket = socket;
    app.chat = chat;
  });
  const state = useSocketState(socket);
  return createElement(
    'div',
    null,
    createElement('p', { id: 'state' }, state),
    createElement(
      'ul',
      { id: 'lines' },
      lines.map((line, i) => createElement('li', { key: i }, line)),
    ),
  );
}

Object.assign(window, { reactApp: app });
document.documentElement.dataset.loaded = 'react';
