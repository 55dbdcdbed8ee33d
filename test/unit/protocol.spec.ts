// The safe parse shared by client and server: every JSON escape that could spell `__proto__`, `constructor`
// or `prototype` takes the reviver path and loses the key; escapes that cannot spell them keep the fast path.
import { expect, test } from '@playwright/test';
import { decodeClientFrame, decodeServerFrame, MAYBE_UNSAFE, parseObject } from '../../src/protocol.js';

/** Keys spelt with each escape form that can spell a dangerous key (String.raw: the backslashes reach JSON). */
const ESCAPED_KEYS = {
  'underscore, lowercase hex': String.raw`\u005f_proto__`,
  'underscore, uppercase hex': String.raw`_\u005Fproto__`,
  'letter, lowercase hex': String.raw`__\u0070roto__`,
  'letter, uppercase hex digit': String.raw`__pr\u006Fto__`,
  'every character escaped': String.raw`\u005f\u005f\u0070\u0072\u006f\u0074\u006f\u005f\u005f`,
  'constructor, first letter': String.raw`\u0063onstructor`,
  'constructor, last letter': String.raw`constructo\u0072`,
  'prototype, a middle letter': String.raw`proto\u0074ype`,
  'prototype, two letters': String.raw`\u0070rototyp\u0065`,
};

test.describe('parseObject', () => {
  for (const [form, key] of Object.entries(ESCAPED_KEYS)) {
    test(`drops a dangerous key spelt with an escape: ${form}`, () => {
      const text = `{"type":"message","channel":"c","data":{"${key}":{"polluted":true},"nested":{"${key}":1},"ok":1}}`;
      expect(MAYBE_UNSAFE.test(text)).toBe(true);
      const parsed = parseObject(text);
      const data = parsed?.data as Record<string, unknown>;
      expect(data).toEqual({ nested: {}, ok: 1 });
      expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
      expect(Object.keys(data.nested as object)).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      // Both decoders go through it.
      expect((decodeClientFrame(text) as { data?: unknown }).data).toEqual({ nested: {}, ok: 1 });
      expect((decodeServerFrame(text) as { data?: unknown }).data).toEqual({ nested: {}, ok: 1 });
    });
  }

  test('escapes that cannot spell a dangerous key keep the fast path, and decode as JSON says', () => {
    const fast = [
      String.raw`{"text":"caf\u00e9 \u2028 \ud83d\ude00"}`,
      String.raw`{"text":"line\nbreak \"quoted\" tab\t"}`,
      String.raw`{"\u0041BC":"uppercase letters cannot spell the keys"}`,
      '{"__proto":1,"constructors":2,"prototype ":3}',
    ];
    for (const text of fast) {
      expect(MAYBE_UNSAFE.test(text), text).toBe(false);
      expect(parseObject(text)).toEqual(JSON.parse(text));
    }
  });

  test('keys spelt out plainly take the safe path too', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const text = `{"a":{"${key}":{"polluted":1}},"ok":1}`;
      expect(MAYBE_UNSAFE.test(text)).toBe(true);
      expect(parseObject(text)).toEqual({ a: {}, ok: 1 });
    }
  });
});

test.describe('server frames about subscriptions', () => {
  test('the reply to subscribe and the unsubscribed notice decode; anything else is not one', () => {
    expect(decodeServerFrame('{"type":"subscribed","channel":"c"}')).toEqual({
      type: 'subscribed',
      channel: 'c',
    });
    expect(
      decodeServerFrame(
        '{"type":"subscribed","channel":"c","error":{"message":"no","code":"ERR_SUBSCRIBE_DENIED"}}',
      ),
    ).toEqual({ type: 'subscribed', channel: 'c', error: { message: 'no', code: 'ERR_SUBSCRIBE_DENIED' } });
    expect(decodeServerFrame('{"type":"unsubscribed","channel":"c","reason":"kicked"}')).toEqual({
      type: 'unsubscribed',
      channel: 'c',
      reason: 'kicked',
    });
    expect(decodeServerFrame('{"type":"unsubscribed","channel":"c"}')).toEqual({
      type: 'unsubscribed',
      channel: 'c',
      reason: '',
    });
    for (const bad of [
      '{"type":"subscribed"}',
      '{"type":"subscribed","channel":""}',
      '{"type":"subscribed","channel":"c","error":"no"}',
      '{"type":"unsubscribed","channel":1}',
    ])
      expect(decodeServerFrame(bad), bad).toBeUndefined();
  });
});
