import { expect, test } from '@playwright/test';
import { checkTransition, type SocketState, TRANSITIONS } from '../../src/state.js';

const states = Object.keys(TRANSITIONS) as SocketState[];

test('closed is left only for connecting (open()), and closing can only end', () => {
  expect(TRANSITIONS.closed).toEqual(['connecting']);
  expect(TRANSITIONS.closing).toEqual(['closed']);
});

test('every state but closed can reach closed, and every state is reachable from connecting', () => {
  const reachable = new Set<SocketState>(['connecting']);
  for (let grew = true; grew; ) {
    grew = false;
    for (const from of [...reachable])
      for (const to of TRANSITIONS[from]) if (!reachable.has(to)) grew = reachable.add(to) !== null;
  }
  expect([...reachable].sort()).toEqual([...states].sort());
  for (const state of states) {
    if (state !== 'closed')
      expect(TRANSITIONS[state].includes('closed') || TRANSITIONS[state].includes('closing')).toBe(true);
  }
});

test('checkTransition accepts the table and rejects everything else', () => {
  for (const from of states) {
    for (const to of states) {
      if (TRANSITIONS[from].includes(to)) expect(() => checkTransition(from, to)).not.toThrow();
      else expect(() => checkTransition(from, to)).toThrow(`illegal state transition ${from} → ${to}`);
    }
  }
});
