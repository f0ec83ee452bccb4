/** The machine a training run used, recorded in the manifest: its figures depend on it. */
import os from 'node:os';

export interface TrainingMachine {
  cpus: number;
  cpuModel: string;
  /** 1, 5 and 15-minute load averages (other work shared the machine). */
  loadAverageBefore: number[];
  loadAverageAfter: number[];
}

const rounded = (values: number[]) => values.map((v) => Number(v.toFixed(2)));

/** This machine now, given the load averages taken when training started. */
export function trainingMachine(loadAverageBefore: number[]): TrainingMachine {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadAverageBefore: rounded(loadAverageBefore),
    loadAverageAfter: rounded(os.loadavg()),
  };
}
