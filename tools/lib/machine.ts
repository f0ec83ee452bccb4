/**
 * The machine a figure was measured on, described once for every benchmark report, the figures'
 * README and the training record: the figures depend on it.
 */
import os from 'node:os';

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  /** e.g. "linux 6.1.0-37-amd64". */
  system: string;
  /** e.g. "v20.19.0". */
  node: string;
}

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() || 'unknown CPU',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    system: `${os.platform()} ${os.release()}`,
    node: process.version,
  };
}

/** One line for a report: CPU, cores, memory, system and Node, then the browser when one ran
 * the measurement (e.g. chromiumVersion()). */
export function machineDescription(browser?: string): string {
  const m = machineFacts();
  return (
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.system}, Node ${m.node}` +
    (browser ? `, ${browser}` : '')
  );
}

/** The 1, 5 and 15-minute load averages, to two decimals. */
export function loadAverages(): number[] {
  return os.loadavg().map((v) => Number(v.toFixed(2)));
}
