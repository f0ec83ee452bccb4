import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadAverages, machineDescription, machineFacts } from '../../tools/lib/machine';
import { trainingMachine } from '../../tools/train/machine';

describe('the machine description of benchmark reports, figures and training records', () => {
  it('names the CPU, the cores, the memory, the system and Node, then the browser if given', () => {
    const facts = machineFacts();
    expect(facts.cores).toBe(os.cpus().length);
    const line = machineDescription();
    expect(line).toContain(facts.cpuModel);
    expect(line).toContain(`${os.cpus().length} cores`);
    expect(line).toContain(`Node ${process.version}`);
    expect(line).toContain(os.release());
    expect(machineDescription('Chromium 140.0.1')).toBe(`${line}, Chromium 140.0.1`);
  });

  it('a training record carries the same CPU facts and the load averages before and after', () => {
    const record = trainingMachine([1.234, 2.345, 3.456]);
    expect(record.cpus).toBe(machineFacts().cores);
    expect(record.cpuModel).toBe(machineFacts().cpuModel);
    expect(record.loadAverageBefore).toEqual([1.23, 2.35, 3.46]);
    expect(record.loadAverageAfter).toHaveLength(3);
    expect(loadAverages().every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  });
});
