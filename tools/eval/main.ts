/**
 * `npm run eval -- --model DIR --data DIR [...]`: the figures of a road model (pothole, or
 * road-damage with a heatmap per type) on folders of photos it has not seen, and the share of
 * photos that are not roads it turns away, as JSON on stdout (progress on stderr). See USAGE.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CAM_METHOD_NAMES, type CamMethodName } from '../../src/explain/cam/method-names';
import { ToolError } from '../lib/tool-error';
import { readPhotoFolder } from '../data/photo-folder';
import { listPictures } from '../data/pictures';
import { parseNumber, runCli, usageError } from '../lib/cli';
import { QUALITY_THRESHOLDS, type QualityThresholds } from '../../src/image/photo-quality';
import type { EvalReport } from './evaluate';
import type { QualityChoiceRecord } from '../../src/model/metrics-records';

// tfjs, sharp and the evaluation code load only once the command line has been checked.

const USAGE = `Usage:
  npm run eval -- --model DIR --data DIR [--data DIR ...] [options]
      Evaluates a road model on folders with normal/ and potholes/, images/ + boxes.json, or
      field photos in the rdd2022 form (images/ + labels.json with D00, D10, D20 cracks, D40
      potholes, Repair patches), leaving out photos the model was trained or validated on
      (listed in DIR/split.json; found by perceptual hash, so copies under other names are left
      out too; the count is reported as excluded_seen). Prints the figures as JSON: the pothole
      figures at the top level; for a road-damage model also "types" (per damage type: auc,
      recall_at_spec90, pointing_game, centre_pointing_game, energy_in_box,
      uniform_energy_in_box, ..., and auc_interval: a 95% interval of auc resampling whole
      places, the split's groups of look-alike photos), "ece" and "not_road_rate" (road photos
      it turns away).
      --not-road DIR      a folder of photos that are not roads: adds {"n", "not_road_rate"} (the
                          share it turns away) as "not_road", or prints it alone without --data
      --quality           instead: the held-out photos darkened and blurred step by step, with the
                          model's pothole and crack AUC and the share the photo-quality check flags
                          (why its thresholds are where they are); with --update-model the
                          thresholds tried become the model's own (its manifest's photoQuality,
                          which the app reads)
      --min-brightness N, --min-sharpness N
                          with --quality: the thresholds to try (default: the model's own, else
                          the app's, ${QUALITY_THRESHOLDS.minBrightness} and ${QUALITY_THRESHOLDS.minSharpness})
      --choose            with --quality, instead: choose the thresholds on the model's validation
                          photos (along each degradation, the threshold that best tells the last
                          step at which the model is fine from the first at which an AUC falls
                          more than 0.05; tools/eval/quality-choice.ts), then measure them on the
                          held-out photos
      --boxes FILE        pothole boxes for a single --data folder (default DATA/boxes.json)
      --method NAME       CAM method: ${CAM_METHOD_NAMES.join(', ')} (default: the manifest's)
      --layer NAME        CAM layer (default: the manifest's)
      --json FILE         also write the figures to FILE
      --include-seen      evaluate the training photos too (the figures then flatter the model)
      --validation-only   evaluate only the model's validation photos (to choose settings such as
                          --layer without looking at the test photos); excluded_seen then counts
                          every other photo
      --no-perturbation   skip the deletion / insertion curves (faster)
      --update-model      record the figures in the model's manifest.json and MODEL_CARD.md
  npm run eval -- --audit --model DIR --compare DIR --data DIR [--data DIR ...] [options]
      Shortcut audit of two models (e.g. trained on all data vs on the Kaggle set alone) on the
      photos neither has seen: heatmap energy inside vs outside pothole boxes, on vegetation and
      in the top band of good-road photos, and specificity on intact close-ups. Writes overlays
      to --figures DIR (default docs/figures/shortcuts) and the report to --doc FILE (default
      docs/SHORTCUTS.md).
Common: --backend wasm|cpu (default wasm).`;

/** The keys the issue asks for, in its order, then the extras. */
const REPORT_KEYS: (keyof EvalReport)[] = [
  'n',
  'accuracy',
  'pothole_recall',
  'normal_specificity',
  'roc_auc',
  'confusion',
  'pointing_game',
  'pointing_game_tol15',
  'centre_pointing_game',
  'energy_in_box',
  'centre_energy_in_box',
  'uniform_energy_in_box',
  'deletion_auc',
  'insertion_auc',
  'centre_pointing_game_tol15',
  'boxed_photos',
  'empty_maps',
  'excluded_seen',
  'excluded_duplicates',
  'ece',
  'not_road_rate',
  'types',
];

function ordered(report: EvalReport): Record<string, unknown> {
  return Object.fromEntries(
    REPORT_KEYS.filter((k) => report[k] !== undefined).map((k) => [k, report[k]]),
  );
}

function checkModelDir(dir: string): void {
  if (!existsSync(dir)) {
    throw new ToolError('bad-model-folder', `The model folder ${dir} does not exist.`);
  }
  if (!existsSync(path.join(dir, 'model.json'))) {
    throw new ToolError(
      'bad-model-folder',
      `${dir} has no model.json: give the folder of a TensorFlow.js model (model.json, its ` +
        `weight files and manifest.json).`,
    );
  }
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      options: {
        model: { type: 'string' },
        data: { type: 'string', multiple: true },
        boxes: { type: 'string' },
        method: { type: 'string' },
        layer: { type: 'string' },
        json: { type: 'string' },
        'include-seen': { type: 'boolean' },
        'validation-only': { type: 'boolean' },
        'no-perturbation': { type: 'boolean' },
        'update-model': { type: 'boolean' },
        'not-road': { type: 'string' },
        quality: { type: 'boolean' },
        choose: { type: 'boolean' },
        'min-brightness': { type: 'string' },
        'min-sharpness': { type: 'string' },
        audit: { type: 'boolean' },
        compare: { type: 'string' },
        figures: { type: 'string' },
        doc: { type: 'string' },
        examples: { type: 'string' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw usageError((e as Error).message, USAGE);
  }
  const o = parsed.values;
  if (o.help) {
    console.log(USAGE);
    return;
  }
  if (!o.model) throw usageError('Give the --model folder to evaluate.', USAGE);
  if (!o.data?.length && !o['not-road']) {
    throw usageError('Give at least one --data folder of photos (or --not-road DIR).', USAGE);
  }
  if (o['update-model'] && !o.data?.length) {
    throw usageError('--update-model records the figures of --data folders: give them.', USAGE);
  }
  if (o['update-model'] && (o['validation-only'] || o['include-seen'])) {
    throw usageError(
      '--update-model records held-out figures only: leave out --validation-only and --include-seen.',
      USAGE,
    );
  }
  if (o.choose && (!o.quality || o['min-brightness'] || o['min-sharpness'] || o['include-seen'])) {
    throw usageError(
      '--choose goes with --quality, without --min-brightness, --min-sharpness or --include-seen: ' +
        'it chooses the thresholds itself, on validation photos.',
      USAGE,
    );
  }
  const dataDirs = o.data ?? [];
  if (o.boxes && dataDirs.length !== 1) {
    throw usageError('--boxes goes with a single --data folder.', USAGE);
  }
  const method = o.method as CamMethodName | undefined;
  if (method && !CAM_METHOD_NAMES.includes(method)) {
    throw usageError(
      `--method must be one of ${CAM_METHOD_NAMES.join(', ')}, not "${method}".`,
      USAGE,
    );
  }
  const backend = o.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') {
    throw usageError(`--backend must be wasm or cpu, not "${o.backend}".`, USAGE);
  }
  checkModelDir(o.model);
  // Read every folder before the slow part, so a bad folder fails at once.
  const folders = dataDirs.map((d) => readPhotoFolder(d, o.boxes ? { boxesFile: o.boxes } : {}));
  if (o['not-road']) listPictures(o['not-road']);
  const log = (line: string) => console.error(line);
  const { useBackend } = await import('../lib/tf-node');
  await useBackend(backend);

  if (o.audit) {
    if (!o.compare)
      throw usageError('--audit needs --compare DIR: the model to compare with.', USAGE);
    checkModelDir(o.compare);
    const { runAudit } = await import('./audit');
    await runAudit({
      modelDir: o.model,
      compareDir: o.compare,
      folders,
      dataArgs: dataDirs,
      method,
      figuresDir: o.figures ?? 'docs/figures/shortcuts',
      docFile: o.doc ?? 'docs/SHORTCUTS.md',
      jsonFile: o.json,
      examples: parseNumber('examples', o.examples, 4, USAGE),
      log,
    });
    return;
  }

  const { loadModelDir } = await import('../lib/model-dir');
  const loaded = await loadModelDir(o.model);
  try {
    const { outputSpecs } = await import('./model-outputs');
    outputSpecs(loaded.manifest);
    const notRoad = o['not-road']
      ? await notRoadFigures(loaded, o.model, o['not-road'], log)
      : undefined;
    // The JSON keeps the keys; the halves go to the model card only.
    const notRoadJson = notRoad && { n: notRoad.n, not_road_rate: notRoad.not_road_rate };
    if (!folders.length) {
      const json = JSON.stringify(notRoadJson, null, 2);
      console.log(json);
      if (o.json) writeJson(o.json, json);
      return;
    }
    if (o.quality) {
      const { excludeSeen } = await import('./evaluate');
      const { qualitySteps } = await import('./quality');
      const photos = folders.flatMap((f) => f.photos);
      const command = [
        'npm run eval --',
        ...process.argv.slice(2).filter((a) => a !== '--update-model'),
      ].join(' ');
      let thresholds = qualityThresholdsFrom(o, loaded.manifest);
      let chosen: QualityChoiceRecord | undefined;
      if (o.choose) {
        // Chosen on the validation photos; the held-out ones below only measure the choice.
        const { chooseQualityThresholds } = await import('./quality-choice');
        const validation = (await excludeSeen(photos, o.model, false, true)).evaluate;
        if (!validation.length) {
          throw usageError(
            `None of the photos of the --data folders is among ${o.model}'s validation ` +
              'photos (its split.json): --choose has nothing to choose on.',
            USAGE,
          );
        }
        log(`choosing on ${validation.length} validation photos`);
        const measured = await qualitySteps(loaded, validation, command, log, thresholds);
        ({ thresholds, choice: chosen } = chooseQualityThresholds(measured));
        log(
          `chosen: too dark below ${thresholds.minBrightness}, too blurred below ` +
            `${thresholds.minSharpness}; measuring them on the held-out photos`,
        );
      }
      const { evaluate } = await excludeSeen(photos, o.model, o['include-seen'] ?? false);
      const measured = await qualitySteps(loaded, evaluate, command, log, thresholds);
      const quality = { ...measured.record, ...(chosen ? { chosen } : {}) };
      const json = JSON.stringify(quality, null, 2);
      console.log(json);
      if (o.json) writeJson(o.json, json);
      if (o['update-model']) {
        const { recordQuality } = await import('./record-metrics');
        recordQuality(o.model, quality);
        log(
          `recorded the quality figures in ${path.join(o.model, 'manifest.json')} and MODEL_CARD.md`,
        );
      }
      return;
    }
    const { evaluateFolders } = await import('./evaluate');
    const { report, results, splitKnown } = await evaluateFolders(loaded, o.model, folders, {
      method,
      layer: o.layer,
      includeSeen: o['include-seen'] ?? false,
      validationOnly: o['validation-only'] ?? false,
      perturbation: !o['no-perturbation'],
      log,
    });
    if (!splitKnown) {
      log(
        `note: ${o.model} has no split.json, so nothing tells which photos it was trained on; ` +
          `all ${report.n} photos were evaluated.`,
      );
    } else if (report.excluded_seen > 0) {
      log(
        `left out ${report.excluded_seen} photos the model was trained or validated on` +
          (o['include-seen'] ? '' : ' (add --include-seen to measure them anyway)'),
      );
    }
    if (report.excluded_duplicates > 0) {
      log(`left out ${report.excluded_duplicates} copies of photos evaluated here`);
    }
    const output: Record<string, unknown> = {
      ...ordered(report),
      method: method ?? loaded.manifest.cam.method,
      layer: o.layer ?? loaded.manifest.cam.layer,
      ...(notRoadJson ? { not_road: notRoadJson } : {}),
    };
    if (folders.length > 1) {
      output.by_folder = Object.fromEntries(
        Object.entries(report.by_folder).map(([k, v]) => [k, ordered(v)]),
      );
    }
    const json = JSON.stringify(output, null, 2);
    console.log(json);
    if (o.json) writeJson(o.json, json);
    if (o['update-model']) {
      const command = [
        'npm run eval --',
        ...process.argv.slice(2).filter((a) => a !== '--update-model'),
      ].join(' ');
      const { recordMetrics } = await import('./record-metrics');
      await recordMetrics({
        modelDir: o.model,
        loaded,
        report,
        results,
        command,
        notRoad:
          notRoad && o['not-road'] ? { command, folder: o['not-road'], ...notRoad } : undefined,
      });
      log(`recorded the figures in ${path.join(o.model, 'manifest.json')} and MODEL_CARD.md`);
    }
  } finally {
    loaded.dispose();
  }
}

/**
 * The photo-quality thresholds `--quality` tries: those given, else the model's own (its
 * manifest's photoQuality), else the app's.
 */
function qualityThresholdsFrom(
  o: { 'min-brightness'?: string; 'min-sharpness'?: string },
  manifest: { task: string; photoQuality?: QualityThresholds },
): QualityThresholds {
  const own = manifest.photoQuality ?? QUALITY_THRESHOLDS;
  const minBrightness = parseNumber(
    'min-brightness',
    o['min-brightness'],
    own.minBrightness,
    USAGE,
    {
      integer: false,
    },
  );
  if (minBrightness > 255) {
    throw usageError(`--min-brightness is a mean luma, at most 255, not ${minBrightness}.`, USAGE);
  }
  return {
    minBrightness,
    minSharpness: parseNumber('min-sharpness', o['min-sharpness'], own.minSharpness, USAGE, {
      integer: false,
    }),
  };
}

function writeJson(file: string, json: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, json + '\n');
}

/** `--not-road DIR`: the share of the folder's photos the model turns away. */
async function notRoadFigures(
  loaded: import('../../src/model/load-model').LoadedModel,
  modelDir: string,
  dir: string,
  log: (line: string) => void,
): Promise<{ n: number; not_road_rate: number; halves: { even: number; odd: number } }> {
  const { evaluateNotRoadFolder } = await import('./not-road-score');
  const { inputTensor, modelInputOf } = await import('./evaluate');
  const { manifest } = loaded;
  const r = await evaluateNotRoadFolder(loaded, modelDir, dir, async (file) =>
    inputTensor([await modelInputOf({ path: file }, manifest)], manifest),
  );
  log(`not a road: ${Math.round(r.not_road_rate * r.n)} of ${r.n} photos in ${dir} turned away`);
  const rate = (half: 0 | 1) => {
    const scores = r.scores.filter((_, i) => i % 2 === half);
    return scores.filter((s) => s > r.threshold).length / Math.max(1, scores.length);
  };
  return { n: r.n, not_road_rate: r.not_road_rate, halves: { even: rate(0), odd: rate(1) } };
}

void runCli(main);
