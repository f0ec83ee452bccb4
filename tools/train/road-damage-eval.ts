/**
 * The last step of `train road-damage`: the held-out figures, exactly as `npm run eval` gives
 * them (the command is recorded), the not-a-road check on a folder of photos that are not
 * roads, and the metrics, reliability diagram and card written into the model folder.
 */
import { evaluateFolders, inputTensor, modelInputOf } from '../eval/evaluate';
import { evaluateNotRoadFolder } from '../eval/not-road-score';
import { recordMetrics } from '../eval/record-metrics';
import { loadModelDir } from '../lib/model-dir';
import type { DamageData } from './damage-data';

function quoteArg(a: string): string {
  return /^[\w./=:@-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function roadDamageEvalCommand(
  out: string,
  data: readonly string[],
  notRoad?: string,
): string {
  return [
    'npm run eval --',
    '--model',
    quoteArg(out),
    ...data.flatMap((d) => ['--data', quoteArg(d)]),
    ...(notRoad ? ['--not-road', quoteArg(notRoad)] : []),
  ].join(' ');
}

export async function evaluateRoadDamage(
  args: { out: string; data: readonly string[]; notRoadCheck?: string },
  data: DamageData,
  log: (line: string) => void,
): Promise<void> {
  const command = roadDamageEvalCommand(args.out, args.data, args.notRoadCheck);
  log(`evaluating the held-out photos (${command})`);
  const loaded = await loadModelDir(args.out);
  try {
    const { report, results } = await evaluateFolders(loaded, args.out, data.folders, { log });
    const notRoad = args.notRoadCheck
      ? await evaluateNotRoadFolder(loaded, args.out, args.notRoadCheck, async (file) =>
          inputTensor([await modelInputOf({ path: file }, loaded.manifest)], loaded.manifest),
        )
      : undefined;
    await recordMetrics({
      modelDir: args.out,
      loaded,
      report,
      results,
      command,
      ...(notRoad && args.notRoadCheck
        ? {
            notRoad: {
              command,
              folder: args.notRoadCheck,
              n: notRoad.n,
              not_road_rate: notRoad.not_road_rate,
            },
          }
        : {}),
    });
    const types = report.types ?? {};
    log(
      `test: pothole AUC ${report.roc_auc?.toFixed(4)}, recall ${report.pothole_recall?.toFixed(4)}, ` +
        `specificity ${report.normal_specificity?.toFixed(4)}; ` +
        Object.entries(types)
          .map(([t, r]) => `${t} AUC ${r.auc?.toFixed(3) ?? 'n/a'}`)
          .join(', ') +
        `; ECE ${report.ece?.toFixed(4)}; road photos turned away ${report.not_road_rate?.toFixed(4)}` +
        (notRoad
          ? `; not-road photos turned away ${notRoad.not_road_rate.toFixed(4)} of ${notRoad.n}`
          : ''),
    );
  } finally {
    loaded.dispose();
  }
}
