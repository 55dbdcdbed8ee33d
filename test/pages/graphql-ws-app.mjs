// A real consumer over ReliableWebSocket: graphql-ws's client, given our class as its `webSocketImpl`.
// Bundled by test/pages/rollup.config.mjs; test/browser/graphql-ws.spec.ts drives it.
import { createClient } from 'graphql-ws';
import { ReliableWebSocket } from 'reliable-socket/websocket';

Object.assign(window, { graphqlWs: { createClient, ReliableWebSocket } });
document.documentElement.dataset.loaded = 'graphql-ws';
