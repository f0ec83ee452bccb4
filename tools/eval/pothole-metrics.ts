/**
 * The metrics record of a pothole model's manifest, from an evaluation of its held-out photos
 * (written by `train pothole` and `eval --update-model`).
 */
import type { Latency, PotholeMetrics, FoldersReport } from '../../src/model/metrics-records';
import type { PhotoResult } from './evaluate';

const POTHOLE_LABELS = ['normal', 'pothole'] as const;

/** The manifest's metrics record, from an evaluation of the held-out photos. */
export function potholeMetrics(
  report: FoldersReport,
  results: readonly PhotoResult[],
  command: string,
  latency: Latency,
): PotholeMetrics {
  return {
    evaluatedOn: 'photos neither trained nor validated on (the test split of these folders)',
    command,
    report,
    latency,
    mistakes: results
      .filter((r) => (r.potholeProbability > 0.5 ? 1 : 0) !== r.label)
      .map((r) => ({
        id: r.id,
        label: POTHOLE_LABELS[r.label],
        potholeProbability: Number(r.potholeProbability.toFixed(4)),
      })),
  };
}
