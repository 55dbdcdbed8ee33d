// The Redis broker's pure parts: the sequencer that puts a stream back in order (fetching what is missing),
// and the codec of the texts its Lua scripts write.
import { expect, test } from '@playwright/test';
import {
  decodeEntry,
  decodePublication,
  decodeSessionFrame,
  decodeSessionNotice,
  entryPublication,
  seqOf,
} from '../../src/server/redis/codec.js';
import { type Ordering, Sequencer } from '../../src/server/redis/sequencer.js';

/** A stream of numbers 1, 2, 3 … whose store holds `stored`; fetches can be held back to test what waits. */
function numbers(stored: number[] = []) {
  const delivered: number[] = [];
  const failures: unknown[] = [];
  const fetches: Array<number | undefined> = [];
  let release: (() => void) | undefined;
  let held = false;
  const ordering: Ordering<number, number> = {
    place: (last = 0, n) => (n <= last ? 'old' : n === last + 1 ? 'next' : 'hole'),
    advance: (_, n) => n,
    fetch: async (last) => {
      fetches.push(last);
      if (held) await new Promise<void>((resolve) => (release = resolve));
      if (stored.includes(-1)) throw new Error('store down');
      return stored.filter((n) => n > (last ?? 0));
    },
  };
  const sequencer = new Sequencer(
    ordering,
    (n) => delivered.push(n),
    (error) => failures.push(error),
  );
  return {
    sequencer,
    delivered,
    failures,
    fetches,
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      release?.();
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

test('in order: each delivered once, old ones dropped, no fetch', async () => {
  const { sequencer, delivered, fetches } = numbers();
  for (const n of [1, 2, 2, 3, 1, 4]) sequencer.arrive(n);
  expect(delivered).toEqual([1, 2, 3, 4]);
  expect(fetches).toEqual([]);
  expect(sequencer.last).toBe(4);
});

test('a hole: what comes meanwhile waits, the missing ones are fetched, then all in order, none twice', async () => {
  const s = numbers([1, 2, 3, 4, 5, 6]);
  s.sequencer.arrive(1);
  s.hold();
  s.sequencer.arrive(4); // 2 and 3 were missed
  s.sequencer.arrive(5);
  s.sequencer.arrive(3);
  expect(s.delivered).toEqual([1]);
  s.release();
  await settle();
  s.sequencer.arrive(6);
  s.sequencer.arrive(6);
  expect(s.delivered).toEqual([1, 2, 3, 4, 5, 6]);
  expect(s.fetches).toEqual([1]);
});

test('what the store no longer has is skipped, not waited for: the rest goes out with the hole', async () => {
  const s = numbers([5, 6]); // 2–4 trimmed
  s.sequencer.arrive(1);
  s.sequencer.arrive(6);
  await settle();
  expect(s.delivered).toEqual([1, 5, 6]);
});

test('resync fetches what came after the last one (a connection that was down); a failed fetch is reported', async () => {
  const s = numbers([1, 2, 3]);
  s.sequencer.arrive(1);
  s.sequencer.resync();
  await settle();
  expect(s.delivered).toEqual([1, 2, 3]);
  const down = numbers([-1]);
  down.sequencer.arrive(1);
  down.sequencer.arrive(3);
  await settle();
  expect(down.delivered).toEqual([1, 3]);
  expect(down.failures).toHaveLength(1);
});

test('a resync asked during a fetch fetches again after it', async () => {
  const s = numbers([1, 2]);
  s.hold();
  s.sequencer.resync();
  s.sequencer.resync();
  s.release();
  await settle();
  await settle();
  expect(s.fetches).toEqual([undefined, 2]);
  expect(s.delivered).toEqual([1, 2]);
});

test('waiting: nothing goes out before start(), then only what follows the position given', async () => {
  const delivered: number[] = [];
  const ordering: Ordering<number, number> = {
    place: (last = 0, n) => (n <= last ? 'old' : n === last + 1 ? 'next' : 'hole'),
    advance: (_, n) => n,
    fetch: async () => [],
  };
  const sequencer = new Sequencer(
    ordering,
    (n) => delivered.push(n),
    () => {},
    { waiting: true },
  );
  sequencer.arrive(3);
  sequencer.arrive(4);
  expect(delivered).toEqual([]);
  sequencer.start(3);
  expect(delivered).toEqual([4]);
  sequencer.close();
  sequencer.arrive(5);
  expect(delivered).toEqual([4]);
});

test('codec: publications, history entries, session frames and notices as the scripts write them', () => {
  expect(decodePublication('chat', '[7,"E1","n.3"]\n{"text":"a\\nb"}')).toEqual({
    channel: 'chat',
    offset: 7,
    epoch: 'E1',
    data: '{"text":"a\\nb"}',
    except: 'n.3',
  });
  expect(decodePublication('chat', '[0,"",null]\n1')).toEqual({
    channel: 'chat',
    offset: 0,
    epoch: '',
    data: '1',
  });
  for (const bad of ['no header', '[1,"e"]\n1', '["x","e",null]\n1', '[1,2,null]\n1', '{bad\n1'])
    expect(decodePublication('chat', bad)).toBeUndefined();
  const entry = decodeEntry('[3,1764000000000,null]\n"x"');
  expect(entry).toEqual({ offset: 3, at: 1764000000000, except: null, data: '"x"' });
  expect(entryPublication('c', 'E', entry!)).toEqual({ channel: 'c', offset: 3, epoch: 'E', data: '"x"' });
  expect(seqOf('{"seq":12,"type":"response"}')).toBe(12);
  expect(seqOf('{"type":"response","seq":12}')).toBeUndefined();
  expect(decodeSessionFrame('abc\n{"seq":2,"type":"ack"}')).toEqual({
    id: 'abc',
    seq: 2,
    text: '{"seq":2,"type":"ack"}',
  });
  expect(decodeSessionFrame('{"seq":2,"type":"ack"}')).toBeUndefined();
  expect(decodeSessionNotice('abc\n!7')).toEqual({ id: 'abc', kind: 'superseded', generation: 7 });
  expect(decodeSessionNotice('abc\n!budget')).toEqual({ id: 'abc', kind: 'budget' });
  for (const other of ['abc\n{"seq":2,"type":"ack"}', 'abc\n!', '\n!3', 'abc\n!x', 'abc\n!3\n'])
    expect(decodeSessionNotice(other)).toBeUndefined();
  expect(decodeSessionFrame('abc\n!7')).toBeUndefined(); // a notice is never taken for a frame
});
