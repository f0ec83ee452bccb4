/**
 * The wait for a quiet machine before a benchmark times, on a simulated machine: its load
 * average and clock are given, so the test says what the wait decides, not how long it takes.
 */
import { describe, expect, it } from 'vitest';
import {
  loadFields,
  loadSentence,
  maxWaitMinutesArg,
  parseMaxWait,
  waitForQuietMachine,
} from '../../tools/bench/quiet-machine';

/** A machine whose 1-minute load follows `loads`, one value per look, on a simulated clock. */
function simulated(loads: number[], cores = 2) {
  let clock = 0;
  let looks = 0;
  const lines: string[] = [];
  return {
    lines,
    looks: () => looks,
    minutes: () => clock / 60_000,
    options: {
      cores,
      loadAverage: () => loads[Math.min(looks++, loads.length - 1)],
      now: () => clock,
      sleep: async (ms: number) => {
        clock += ms;
      },
      log: (line: string) => lines.push(line),
    },
  };
}

describe('waiting for a quiet machine before timing', () => {
  it('times at once when the load is already below cores - 1', async () => {
    const machine = simulated([0.4]);
    const start = await waitForQuietMachine(machine.options);
    expect(start).toMatchObject({ cores: 2, threshold: 1, load: 0.4, busy: false });
    expect(machine.minutes()).toBe(0);
    expect(machine.lines.join('\n')).toMatch(/Quiet machine: 1-minute load average 0.4/);
  });

  it('waits while the load is high and times once it falls below cores - 1', async () => {
    const machine = simulated([3.2, 2.5, 1.6, 1.0, 0.9, 5]);
    const start = await waitForQuietMachine({ ...machine.options, maxWaitMinutes: 10 });
    expect(start.busy).toBe(false);
    // 1.0 is not below 1: the wait goes on to 0.9, and never looks again after that.
    expect(start.load).toBe(0.9);
    expect(machine.looks()).toBe(5);
    expect(start.waitedMinutes).toBeGreaterThan(0);
    expect(machine.lines[0]).toMatch(/Waiting up to 10 min for a quiet machine/);
    expect(loadSentence(start, 1.3)).toMatch(
      /^1-minute load average 0.9 when timing began \(below 1, 2 cores - 1, after waiting .* min\) and 1.3 at the end\.$/,
    );
  });

  it('gives up after the longest wait, times anyway, and says plainly that the machine was busy', async () => {
    const machine = simulated([4.5]);
    const start = await waitForQuietMachine({ ...machine.options, maxWaitMinutes: 3 });
    expect(start.busy).toBe(true);
    expect(start.load).toBe(4.5);
    expect(machine.minutes()).toBe(3);
    expect(machine.lines.at(-1)).toMatch(/^BUSY MACHINE: .*4\.5.*not below 1/);
    expect(loadSentence(start, 4.8)).toBe(
      '**Timed on a busy machine**: 1-minute load average 4.5 when timing began (the 3-minute wait for it to fall below 1, 2 cores - 1 ran out) and 4.8 at the end; other work slowed these figures.',
    );
    expect(loadFields(start, 4.8)).toEqual({
      load_1m_start: 4.5,
      load_1m: 4.8,
      busy_machine: true,
    });
  });

  it('--max-wait 0 times at once, busy or not; the aim is cores - 1, at least 1', async () => {
    const busy = simulated([2.5]);
    const start = await waitForQuietMachine({ ...busy.options, maxWaitMinutes: 0 });
    expect(start.busy).toBe(true);
    expect(busy.minutes()).toBe(0);
    expect(busy.lines.at(-1)).toMatch(/\(--max-wait 0: no wait\); timing anyway/);
    expect(loadSentence(start, 2.5)).toMatch(
      /^\*\*Timed on a busy machine\*\*: .*--max-wait 0: no wait/,
    );
    const eight = await waitForQuietMachine({ ...simulated([6.5], 8).options, maxWaitMinutes: 0 });
    expect(eight).toMatchObject({ threshold: 7, busy: false });
    const one = await waitForQuietMachine({ ...simulated([0.5], 1).options, maxWaitMinutes: 0 });
    expect(one).toMatchObject({ threshold: 1, busy: false });
  });

  it('reads --max-wait from the command line and refuses a bad value with a clear message', () => {
    expect(maxWaitMinutesArg(['node', 'bench'])).toBe(10);
    expect(maxWaitMinutesArg(['node', 'bench', '--max-wait', '2.5'])).toBe(2.5);
    expect(maxWaitMinutesArg(['node', 'bench', '--max-wait', '0'])).toBe(0);
    expect(() => maxWaitMinutesArg(['node', 'bench', '--max-wait'])).toThrow(
      /--max-wait takes the minutes/,
    );
    expect(() => parseMaxWait('-1')).toThrow(/0 or more/);
    expect(() => parseMaxWait('soon')).toThrow(/not "soon"/);
  });
});
