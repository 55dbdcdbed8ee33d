// The test doubles' own guarantees, where a broken double would make other tests hang or pass vacuously.
import { expect, test } from '@playwright/test';
import { Timer } from '../../src/timer.js';
import { FakeClock } from './fakes.js';

test('FakeClock.advance fails, instead of spinning forever, on a timer that reschedules itself at once', () => {
  const clock = new FakeClock();
  clock.install();
  const timer = new Timer(); // an SDK timer: its setTimeout calls come from src/, so they are faked
  let runs = 0;
  const again = (): void => {
    runs++;
    timer.set(again, 0);
  };
  try {
    timer.set(again, 0);
    expect(() => clock.advance(1)).toThrow(/more than 10000 timers ran; one never stops/);
    expect(runs).toBe(FakeClock.MAX_RUNS);
  } finally {
    timer.clear();
    clock.uninstall();
  }
});

test('FakeClock: advance and jump move both clocks; setWall moves only the wall clock', () => {
  const [realDateNow, realPerformanceNow] = [Date.now, performance.now];
  const clock = new FakeClock();
  clock.install();
  try {
    const [wall, mono] = [Date.now(), performance.now()];
    clock.advance(100);
    clock.jump(50);
    expect([Date.now() - wall, performance.now() - mono]).toEqual([150, 150]);
    clock.setWall(-3_600_000);
    expect([Date.now() - wall, performance.now() - mono]).toEqual([150 - 3_600_000, 150]);
  } finally {
    clock.uninstall();
  }
  expect([Date.now, performance.now]).toEqual([realDateNow, realPerformanceNow]); // the real clocks are back
});
