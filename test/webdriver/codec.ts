/**
 * Values crossing between the test and a WebDriver page, both ways, with what JSON alone loses: `undefined`,
 * NaN, ±Infinity, -0, bigint, Date, RegExp, URL, Error, Map, Set, shared and cyclic references, and handles.
 * The same rules as Playwright's `page.evaluate()` (functions, symbols and DOM objects become `undefined`),
 * so a spec sees the same values in every engine.
 *
 * {@link createCodec} runs in Node and, shipped as source, in the page: it closes over nothing.
 */

/** A value in transit: JSON primitives as they are, everything else tagged by `$`. */
export type Serialized =
  | null
  | boolean
  | string
  | number
  | { $: 'u' }
  | { $: 'n'; v: 'NaN' | 'Infinity' | '-Infinity' | '-0' }
  | { $: 'bi'; v: string }
  | { $: 'd'; v: number }
  | { $: 're'; s: string; f: string }
  | { $: 'url'; v: string }
  | { $: 'err'; name: string; message: string; stack: string }
  | { $: 'a'; id: number; v: Serialized[] }
  | { $: 'o'; id: number; v: Array<[string, Serialized]> }
  | { $: 'map'; id: number; v: Array<[Serialized, Serialized]> }
  | { $: 'set'; id: number; v: Serialized[] }
  | { $: 'ref'; id: number }
  | HandleRef;

/** A handle in transit: which in-page registry entry, in which document. */
export interface HandleRef {
  $: 'h';
  id: number;
  doc: string;
}

/** How each side treats handles: Node sends them (as arguments), the page resolves them. */
export interface CodecHooks {
  /** The reference to send for `value` if it is a handle, else undefined. */
  handleRef(value: unknown): HandleRef | undefined;
  /** The value a received reference stands for; throws if it is gone. */
  resolveHandle(ref: HandleRef): unknown;
}

export interface Codec {
  serialize(value: unknown): Serialized;
  deserialize(value: Serialized): unknown;
}

/** Builds the codec. Self-contained: it is also evaluated in the page from its source text. */
export function createCodec(hooks: CodecHooks): Codec {
  const kind = (value: object): string => Object.prototype.toString.call(value).slice(8, -1);
  const isDomObject = (value: object): boolean =>
    (typeof Node === 'function' && value instanceof Node) ||
    (typeof Window === 'function' && value instanceof Window);

  function serialize(value: unknown, seen: Map<object, number>): Serialized {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return { $: 'u' };
    if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
    if (typeof value === 'bigint') return { $: 'bi', v: String(value) };
    if (typeof value === 'number') {
      if (Object.is(value, -0)) return { $: 'n', v: '-0' };
      if (Number.isFinite(value)) return value;
      return { $: 'n', v: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' };
    }
    const object = value as object;
    const handle = hooks.handleRef(object);
    if (handle) return handle;
    if (isDomObject(object)) return { $: 'u' };
    const type = kind(object);
    if (type === 'Date') return { $: 'd', v: (object as Date).getTime() };
    if (type === 'RegExp') return { $: 're', s: (object as RegExp).source, f: (object as RegExp).flags };
    if (typeof URL === 'function' && object instanceof URL) return { $: 'url', v: object.href };
    if (object instanceof Error || type === 'Error') {
      const error = object as Error;
      return { $: 'err', name: error.name, message: error.message, stack: String(error.stack ?? '') };
    }
    const known = seen.get(object);
    if (known !== undefined) return { $: 'ref', id: known };
    const id = seen.size + 1;
    seen.set(object, id);
    if (Array.isArray(object)) return { $: 'a', id, v: object.map((item) => serialize(item, seen)) };
    if (type === 'Map') {
      const entries = [...(object as Map<unknown, unknown>)];
      return { $: 'map', id, v: entries.map(([k, v]) => [serialize(k, seen), serialize(v, seen)]) };
    }
    if (type === 'Set')
      return { $: 'set', id, v: [...(object as Set<unknown>)].map((v) => serialize(v, seen)) };
    const entries: Array<[string, Serialized]> = [];
    for (const key of Object.keys(object)) {
      entries.push([key, serialize((object as Record<string, unknown>)[key], seen)]);
    }
    return { $: 'o', id, v: entries };
  }

  function deserialize(value: Serialized, seen: Map<number, unknown>): unknown {
    if (value === null || typeof value !== 'object') return value;
    switch (value.$) {
      case 'u':
        return undefined;
      case 'n':
        return value.v === '-0' ? -0 : Number(value.v);
      case 'bi':
        return BigInt(value.v);
      case 'd':
        return new Date(value.v);
      case 're':
        return new RegExp(value.s, value.f);
      case 'url':
        return new URL(value.v);
      case 'err':
        return Object.assign(new Error(value.message), { name: value.name, stack: value.stack });
      case 'ref':
        return seen.get(value.id);
      case 'h':
        return hooks.resolveHandle(value);
      case 'a': {
        const array: unknown[] = [];
        seen.set(value.id, array);
        for (const item of value.v) array.push(deserialize(item, seen));
        return array;
      }
      case 'map': {
        const map = new Map<unknown, unknown>();
        seen.set(value.id, map);
        for (const [k, v] of value.v) map.set(deserialize(k, seen), deserialize(v, seen));
        return map;
      }
      case 'set': {
        const set = new Set<unknown>();
        seen.set(value.id, set);
        for (const item of value.v) set.add(deserialize(item, seen));
        return set;
      }
      case 'o': {
        const object: Record<string, unknown> = {};
        seen.set(value.id, object);
        // defineProperty, not assignment: a `__proto__` key is data here, never the prototype.
        for (const [key, item] of value.v) {
          Object.defineProperty(object, key, {
            value: deserialize(item, seen),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return object;
      }
    }
  }

  return {
    serialize: (value) => serialize(value, new Map()),
    deserialize: (value) => deserialize(value, new Map()),
  };
}
