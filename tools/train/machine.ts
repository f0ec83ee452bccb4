/** The machine a training run used, recorded in the manifest: its figures depend on it. */
import { loadAverages, machineFacts } from '../lib/machine';

export interface TrainingMachine {
  cpus: number;
  cpuModel: string;
  /** 1, 5 and 15-minute load averages (other work shared the machine). */
  loadAverageBefore: number[];
  loadAverageAfter: number[];
}

/** This machine now, given the load averages taken when training started. */
export function trainingMachine(loadAverageBefore: number[]): TrainingMachine {
  const machine = machineFacts();
  return {
    cpus: machine.cores,
    cpuModel: machine.cpuModel,
    loadAverageBefore: loadAverageBefore.map((v) => Number(v.toFixed(2))),
    loadAverageAfter: loadAverages(),
  };
}
