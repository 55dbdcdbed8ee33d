import { expect, test } from '@playwright/test';
import { resolveOptions } from '../../src/resolve-options.js';

test('without a global WebSocket, the error names the option and how to fix it', () => {
  // Node 20 has no global WebSocket, which is exactly the case this message is for.
  expect(globalThis.WebSocket).toBeUndefined();
  expect(() => resolveOptions({})).toThrow(TypeError);
  expect(() => resolveOptions({})).toThrow(/options\.WebSocket.*import \{ WebSocket \} from 'ws'/);
});
