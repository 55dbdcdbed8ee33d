// utf8Length: the UTF-8 size of a string as a WebSocket sends it, checked against TextEncoder (what browsers'
// send() writes), including surrogate pairs and lone surrogates (sent as U+FFFD).
import { expect, test } from '@playwright/test';
import { utf8Length } from '../../src/utf8.js';

const encoded = (text: string): number => new TextEncoder().encode(text).length;

test('counts what the browser sends: ASCII, 2-, 3- and 4-byte characters, lone surrogates as U+FFFD', () => {
  const samples = [
    '',
    '{"type":"message","channel":"chat","data":"hello"}',
    'é',
    'ß€',
    '😀',
    'a😀b',
    '\u07ff\u0800\uffff',
    '\ud800', // a lone high surrogate
    '\udc00', // a lone low surrogate
    'x\ud83d', // a high surrogate at the end
    '\ude00\ud83d', // a pair the wrong way round: two lone surrogates
    '\ud83d\ud83d\ude00', // a lone high surrogate, then a pair
    `{"data":${JSON.stringify('naïve 日本語 🎉'.repeat(50))}}`,
  ];
  for (const text of samples) expect(utf8Length(text), JSON.stringify(text)).toBe(encoded(text));
});
