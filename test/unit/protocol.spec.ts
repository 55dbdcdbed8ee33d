// The safe parse shared by client and server: every JSON escape that could spell `__proto__`, `constructor`
// or `prototype` makes the parse walk the result and drop the key; escapes that cannot spell them keep the
// fast path. (What the walk costs next to a reviver: `node bench/parse.mjs`.)
import { expect, test } from '@playwright/test';
import { decodeClientFrame, decodeServerFrame, MAYBE_UNSAFE, parseObject } from '../../src/protocol.js';

const UNSAFE_KEYS = ['__proto__', 'constructor', 'prototype'];

/**
 * Where a parsed value still has an own unsafe key, or an object whose prototype is not `Object.prototype`
 * (arrays: `Array.prototype`), as paths. A loop with its own stack: the values may nest 200,000 deep.
 */
function unsafeSpots(root: unknown): string[] {
  const spots: string[] = [];
  const pending: [unknown, string][] = [[root, '$']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value !== 'object' || value === null) continue;
    const expected = Array.isArray(value) ? Array.prototype : Object.prototype;
    if (Object.getPrototypeOf(value) !== expected) spots.push(`${path}: prototype`);
    for (const key of UNSAFE_KEYS) if (Object.hasOwn(value, key)) spots.push(`${path}.${key}`);
    for (const [key, child] of Object.entries(value)) pending.push([child, `${path}.${key}`]);
  }
  return spots;
}

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

test.describe('parseObject: the walk that drops unsafe keys', () => {
  test('plain JSON.parse makes "__proto__" an own data property, and deleting it leaves the prototype alone', () => {
    // What the walk relies on: nothing but an own property to delete.
    const parsed = JSON.parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')).toEqual({
      value: { polluted: true },
      writable: true,
      enumerable: true,
      configurable: true,
    });
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(parseObject('{"__proto__":{"polluted":true}}')).toEqual({});
    expect(Object.getPrototypeOf(parseObject('{"__proto__":{"polluted":true}}'))).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('drops the keys at any depth: nested objects, objects in arrays, arrays in arrays', () => {
    const text = `{"type":"message","channel":"c","data":{
      "list":[{"__proto__":{"polluted":true},"a":1},[{"constructor":{"prototype":2},"b":2}],"x",null,3],
      "deep":{"deeper":{"prototype":{"polluted":true},"c":3,"deepest":[[[{"__proto__":{},"d":4}]]]}}}}`;
    const parsed = parseObject(text);
    expect(parsed).toEqual({
      type: 'message',
      channel: 'c',
      data: {
        list: [{ a: 1 }, [{ b: 2 }], 'x', null, 3],
        deep: { deeper: { c: 3, deepest: [[[{ d: 4 }]]] } },
      },
    });
    expect(unsafeSpots(parsed)).toEqual([]);
  });

  test('drops the keys when escapes spell them, at depth and in arrays', () => {
    const text = String.raw`{"type":"message","channel":"c","data":[{"\u005f_proto__":{"polluted":true},"a":1},
      {"n":{"\u0063onstructor":{"\u0070rototype":1},"b":[{"pro\u0074otype":2,"c":3}]}}]}`;
    const parsed = parseObject(text);
    expect(parsed?.data).toEqual([{ a: 1 }, { n: { b: [{ c: 3 }] } }]);
    expect(unsafeSpots(parsed)).toEqual([]);
  });

  test('keeps string values that contain the keys, and keys that only resemble them', () => {
    const text = String.raw`{"type":"message","channel":"c","data":{"text":"__proto__","list":["constructor",
      "prototype","\u005f_proto__"],"__proto":1,"Constructor":2,"prototypes":3,"_\u005fproto_":4}}`;
    expect(MAYBE_UNSAFE.test(text)).toBe(true);
    expect(parseObject(text)?.data).toEqual({
      text: '__proto__',
      list: ['constructor', 'prototype', '__proto__'],
      __proto: 1,
      Constructor: 2,
      prototypes: 3,
      __proto_: 4,
    });
  });

  test('a frame nested 200,000 levels deep with an unsafe key at the bottom parses, and loses the key', () => {
    // JSON.parse itself does not recurse; a reviver (or a recursive walk) would overflow the stack here.
    const depth = 200_000;
    for (const inner of [
      String.raw`{"\u005f_proto__":{"polluted":true},"ok":1}`,
      '{"constructor":1,"ok":1}',
    ]) {
      const objects = `{"type":"message","channel":"c","data":${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}}`;
      const arrays = `{"type":"message","channel":"c","data":${'['.repeat(depth)}${inner}${']'.repeat(depth)}}`;
      for (const text of [objects, arrays]) {
        expect(MAYBE_UNSAFE.test(text)).toBe(true);
        let parsed: Record<string, unknown> | undefined;
        expect(() => {
          parsed = parseObject(text);
        }).not.toThrow();
        expect(parsed?.type).toBe('message');
        expect(unsafeSpots(parsed)).toEqual([]);
        let bottom: unknown = parsed?.data;
        for (let level = 0; level < depth; level++)
          bottom = Array.isArray(bottom) ? bottom[0] : (bottom as { a: unknown }).a;
        expect(bottom).toEqual({ ok: 1 });
      }
    }
  });

  test('the result has no own unsafe key anywhere, whichever way a frame spells and places them', () => {
    const spellings = [...UNSAFE_KEYS, ...Object.values(ESCAPED_KEYS)];
    for (const key of spellings) {
      const text = `{"type":"message","channel":"c","${key}":0,"data":{"${key}":{"${key}":1},"list":[{"${key}":[{"${key}":2}]},[[{"${key}":3}]]],"x":{"y":{"${key}":4,"z":5}}}}`;
      const parsed = parseObject(text);
      expect(unsafeSpots(parsed), key).toEqual([]);
      expect(parsed, key).toEqual({
        type: 'message',
        channel: 'c',
        data: { list: [{}, [[{}]]], x: { y: { z: 5 } } },
      });
    }
  });

  test('frames that are not JSON objects still give undefined, without throwing', () => {
    for (const text of ['{', '{"__proto__":', '{"a":1}x', '[{"__proto__":1}]', '"__proto__"', 'null', '']) {
      expect(parseObject(text), text).toBeUndefined();
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
