// @ts-nocheck: the project type-checks JS against the DOM lib, and this is worker code.
// A dedicated worker that runs one ReliableSocket and reports everything to the page (test/browser/worker.spec.ts).
// It loads the UMD build: workers support no import maps, so the ESM build's bare `eventemitter3` import cannot
// resolve here without a bundler — the UMD file has it inlined. (The fixture serves the unminified development
// file under this name to the development test projects.)
/* global ReliableSocket */
importScripts('/dist/reliable-socket.umd.min.js');

const EVENTS = ['open', 'message', 'close', 'reconnecting', 'state', 'error', 'heartbeat', 'drop'];
let socket;

self.onmessage = ({ data }) => {
  switch (data.command) {
    case 'connect':
      socket = new ReliableSocket.ReliableSocket(data.url, data.options);
      for (const name of EVENTS) {
        socket.on(name, (...args) => postMessage({ event: name, args: JSON.parse(JSON.stringify(args)) }));
      }
      break;
    case 'dispatch': // an event on the worker's global scope, as the browser fires `online`/`offline` there
      self.dispatchEvent(new Event(String(data.value)));
      postMessage({ dispatched: data.value, state: socket.state });
      break;
    case 'comeOnline': // in one task: the network says it is back, and `online` is fired
      Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => true });
      self.dispatchEvent(new Event('online'));
      postMessage({ cameOnline: socket.state });
      break;
    case 'stubOnLine': // where the browser's offline emulation does not reach workers (Firefox)
      Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => data.value });
      postMessage({ stubbed: data.value });
      break;
    case 'onLine':
      postMessage({ onLine: navigator.onLine });
      break;
    case 'close':
      socket.close();
      postMessage({ closed: socket.state });
      break;
  }
};
postMessage({ ready: true });
