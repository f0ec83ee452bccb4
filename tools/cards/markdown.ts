/** Markdown pieces the model cards share: number formats, tables, the epoch table. */
import type { ModelManifest } from '../../src/model/manifest';
import type { EpochRecord } from '../../src/model/training-records';

export const f4 = (v: number | null | undefined) =>
  v === null || v === undefined ? 'n/a' : v.toFixed(4);
export const f3 = (v: number | null | undefined) =>
  v === null || v === undefined ? 'n/a' : v.toFixed(3);
export const millions = (n: number) => `${(n / 1e6).toFixed(1)} M`;

/** The per-epoch table of a training run. */
export function historyTable(history: readonly EpochRecord[]): string {
  return table(
    ['epoch', 'loss', 'accuracy', 'validation loss', 'validation accuracy', 'seconds'],
    history.map((h) => [
      h.epoch,
      f4(h.loss),
      f4(h.accuracy),
      f4(h.valLoss),
      f4(h.valAccuracy),
      h.seconds.toFixed(0),
    ]),
  );
}

export function table(header: string[], rows: (string | number)[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export function normalisationText(m: ModelManifest): string {
  const { mean, std, channelOrder } = m.input.normalization;
  if (channelOrder === 'bgr') {
    return `channels as BGR, then (x / 255 - ${JSON.stringify(mean)}) / ${JSON.stringify(std)}`;
  }
  if (mean[0] === 0.5 && std[0] === 0.5) return 'pixels scaled to [-1, 1] (`x / 127.5 - 1`)';
  if (mean[0] === 0 && std[0] === 1) return 'pixels scaled to [0, 1] (`x / 255`)';
  return `(x / 255 - ${JSON.stringify(mean)}) / ${JSON.stringify(std)}`;
}

/**
 * Where a card's Node latency was measured: the processor the figures record, or (recorded
 * before that) the training machine, with `trainingNote` after "single-threaded".
 */
export function latencyPlace(
  latency: { cpuModel?: string },
  trainingCpu: string,
  trainingNote = '',
): string {
  return latency.cpuModel
    ? `${latency.cpuModel} (single-threaded, when the figures were recorded)`
    : `the training machine (${trainingCpu}, single-threaded${trainingNote})`;
}
