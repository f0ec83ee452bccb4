import { describe, expect, it } from 'vitest';
import { parseCpuShares } from '../../tools/lib/cpu-quota';

describe('bench:app --cpu-share (tools/lib/cpu-quota.ts)', () => {
  it('takes shares of one core between 0 and 1, separated by commas', () => {
    expect(parseCpuShares('0.2')).toEqual([0.2]);
    expect(parseCpuShares('1, 0.5,0.2')).toEqual([1, 0.5, 0.2]);
  });

  it('refuses anything else with a message that says what it takes', () => {
    for (const bad of ['', '0', '-0.2', '1.5', 'fifth', '0.2,', 'NaN']) {
      expect(() => parseCpuShares(bad)).toThrow(/shares of one CPU core between 0 and 1/);
    }
  });
});
