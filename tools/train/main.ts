/**
 * `npm run train -- pothole|mnist|card ...`: see USAGE. Training runs on the wasm backend.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { modelManifestSchema, type ModelManifest } from '../../src/model/manifest';
import { ToolError } from '../lib/tool-error';
import { readPhotoFolder } from '../data/photo-folder';
import { DEFAULT_PASTE } from '../data/paste-boxes';
import { DEFAULT_FRAME_BLOCK, DEFAULT_SPLIT_SEED } from '../data/split-options';
import { projectRoot, sharedDir } from '../lib/paths';
import { parseNumber, runCli, usageError } from '../lib/cli';

/** A path as the card should show it: relative to where the command runs (../shared/...). */
function relativeToHere(p: string): string {
  return path.relative(process.cwd(), p) || '.';
}

/** A folder of the shared material when it is there (an optional default). */
function optionalShared(...parts: string[]): string | undefined {
  const p = path.join(sharedDir(), ...parts);
  return existsSync(p) ? p : undefined;
}
import {
  DAMAGE_TYPE_NAMES,
  isDamageTypeName,
  type DamageTypeName,
} from '../../src/model/damage-types';
import {
  DEFAULT_DAMAGE_DATA,
  DEFAULT_DAMAGE_EPOCHS,
  DEFAULT_DAMAGE_TYPES,
  DEFAULT_FIELD_POTHOLE_REPEAT,
  DEFAULT_FROZEN_BLOCKS,
  DEFAULT_INPUT_SIZES,
  DEFAULT_TARGET_SPECIFICITY,
  DEFAULT_NOT_ROAD_NEIGHBOURS,
  defaultNotRoadPooling,
  NOT_ROAD_DEFAULTS,
  POTHOLE_ARCHITECTURES,
  type NotRoadSetup,
  type PotholeArchitecture,
} from './options';
import type { ComparisonRow } from '../../src/model/training-records';

// tfjs, sharp and the training code load only once the command line has been checked, so a
// mistake is answered at once.

const USAGE = `Usage:
  npm run train -- pothole --data DIR [--data DIR ...] --out DIR [options]
      Trains the pothole / good-road classifier from folders with normal/ and potholes/
      (or images/ + boxes.json, all potholes), writes model.json, weights, split.json,
      manifest.json and MODEL_CARD.md into --out, then evaluates the held-out photos.
      --arch mobilenet|seed-cnn   network (default mobilenet: MobileNet v1 0.25, fine-tuned)
      --input-size N              input side in pixels (default 160)
      --output-stride 16|32       MobileNet: 16 keeps the last stride-2 layer at stride 1, for a
                                  heatmap grid of input/16 instead of input/32 (default 16)
      --negative-crops R          share of crops of boxed pothole photos taken beside the boxes and
                                  labelled good road (default 0.15; 0 turns box-aware crops off)
      --box-loss W                weight of a loss on the share of the pothole heatmap outside the
                                  boxes of boxed training photos (mobilenet: default 1; 0: off)
      --epochs N                  most epochs (default 15); --patience N (default 8)
      --batch-size N (default 32) --lr X (default 0.001 seed-cnn, 0.0005 mobilenet)
      --seed N                    split and augmentation seed (default ${DEFAULT_SPLIT_SEED})
      --frame-block N             neighbouring video frames grouped for the split (default ${DEFAULT_FRAME_BLOCK})
      --split-from FILE           keep the photo placement of another model's split.json, so two
                                  models are evaluated on the same held-out photos
      --mobilenet DIR             pretrained MobileNet (default $ROADCAM_SHARED/models/mobilenet_v1_0.25_224)
      --no-eval                   skip the evaluation of the held-out photos
      --id ID --version V         manifest id (default roadcam-pothole) and version (default 1.0.0)
  npm run train -- road-damage [--data DIR ...] [--out DIR] [options]
      Trains the field model: one sigmoid output per damage type, from folders in any layout
      (normal/ + potholes/, images/ + boxes.json, images/ + labels.json of rdd2022 field photos).
      Default data: the four shared data sets; default out: public/models/road-damage.
      --types LIST          outputs, comma-separated (default ${DEFAULT_DAMAGE_TYPES.join(',')})
      --input-sizes LIST    input sides to compare on the validation photos after training; the
                            best pothole AUC ships (default ${DEFAULT_INPUT_SIZES.join(',')});
                            --input-size N compares none
      --train-size N        input side in training, on random crops (default: the smallest input size)
      --frozen-blocks N     MobileNet blocks kept as trained on ImageNet (default ${DEFAULT_FROZEN_BLOCKS})
      --target-specificity X or TYPE=X,...  each type's threshold keeps this share of the
                            validation photos without it below (default ${DEFAULT_TARGET_SPECIFICITY})
      --sure-confidence X   below this calibrated chance of being right a verdict is "not
                            sure" (default 0.8)
      --not-road-method nearest-neighbours|mahalanobis  how the not-a-road score compares a
                            photo's features with the training road photos': the mean distance
                            to its nearest ones (default), or one Gaussian of them all
      --not-road-neighbours N  nearest road photos averaged over (default ${DEFAULT_NOT_ROAD_NEIGHBOURS})
      --not-road-network imagenet|model  whose features the not-a-road score reads (default
                            imagenet: the MobileNet before fine-tuning, shipped beside the model;
                            model: the model's own layers, in the same pass)
      --not-road-layers LIST  layers whose pooled features it sums (default imagenet:
                            ${NOT_ROAD_DEFAULTS.imagenet.layers.join(',')}; model:
                            ${NOT_ROAD_DEFAULTS.model.layers.join(',')})
      --not-road-pooling mean|mean-std  per channel: the spatial mean, or the mean and standard
                            deviation (default nearest-neighbours: mean; mahalanobis, imagenet:
                            ${NOT_ROAD_DEFAULTS.imagenet.pooling}; model: ${NOT_ROAD_DEFAULTS.model.pooling})
      --not-road-components LIST  (mahalanobis) numbers of principal directions of the statistics
                            to choose from by the validation road photos' likelihood
                            (default 8,16,32,64,128)
      --max-road-rejection X   share of validation road photos the not-a-road threshold may
                            turn away (default 0.02)
      --not-road DIR        photos that are not roads, to check the answer on (never to tune
                            it; default $ROADCAM_SHARED/data/not-road when it exists)
      --hold-out DIR        photos never to train or validate on: any data photo as close as a
                            copy of one goes to test with its group (default test/fixtures when
                            it exists)
      --split-from FILE     default public/models/pothole/split.json when it exists (so the
                            pothole model's held-out photos stay held out)
      --field-pothole-repeat N  field photos with a pothole come up N times per epoch (default
                            ${DEFAULT_FIELD_POTHOLE_REPEAT}): few beside the web photos' potholes, they are the ones that count
      --paste-potholes R    share of the photos without a pothole that get one, cut from another
                            training photo, pasted at a random place (default 0: none; tried at
                            ${DEFAULT_PASTE.rate}, not kept: docs/APP.md)
      --epochs N (default ${DEFAULT_DAMAGE_EPOCHS}), --negative-crops R, --box-loss W, --patience N,
      --batch-size N, --lr X, --seed N, --frame-block N, --mobilenet DIR, --id, --version: as above
  npm run train -- not-road --model DIR [--data DIR ...] [--not-road-method M]
      [--not-road-neighbours N] [--not-road-network imagenet|model] [--not-road-layers LIST]
      [--not-road-pooling P] [--not-road-components LIST] [--max-road-rejection X] [--mobilenet DIR]
      [--version V]
      Fits a trained road-damage model's not-a-road check again (what road-damage does after
      training) from the photos of its split.json; --version names the model it makes (a changed
      check is a new release; default: unchanged). Then measure it with npm run eval -- --update-model.
  npm run train -- not-road-candidates --model DIR [--not-road DIR] [--data DIR ...] [--mobilenet DIR]
      How the not-a-road method was chosen: each candidate (the model's own layers or the ImageNet
      network's, pooled by mean or mean and standard deviation, at the model's input size and at
      224/160/128 px; an earlier layer beside conv_pw_13, or conv_pw_11 alone) fitted as not-road
      fits it, and the share of the folder's even- and odd-numbered photos it turns away (chosen
      on the even half), and of held-out road photos. Writes nothing.
  npm run train -- mnist [--out DIR] [--epochs N (30)] [--batch-size N (64)] [--lr X (0.002)] [--seed N]
      Trains the seed's MNIST network on the mnist package's digits (default out public/models/mnist).
  npm run train -- card --model DIR [--compare DIR ...]
      Rewrites DIR/MODEL_CARD.md with an architecture comparison of DIR and the other trained
      model folders (each trained on the same data with the pothole command).
Common: --backend wasm|cpu (default wasm), --max-batches N (cap per epoch, for smoke runs).`;

function commandLine(argv: readonly string[]): string {
  return ['npm run train --', ...argv.map((a) => (/^[\w./=:@-]+$/.test(a) ? a : `'${a}'`))].join(
    ' ',
  );
}

/** The not-a-road options of `train road-damage` and `train not-road`. */
function notRoadSetupOf(o: {
  'not-road-method'?: string;
  'not-road-neighbours'?: string;
  'not-road-network'?: string;
  'not-road-layers'?: string;
  'not-road-pooling'?: string;
  'not-road-components'?: string;
  'max-road-rejection'?: string;
}): NotRoadSetup {
  const network = o['not-road-network'] ?? 'imagenet';
  if (network !== 'imagenet' && network !== 'model') {
    throw usageError(`--not-road-network must be imagenet or model, not "${network}".`, USAGE);
  }
  const method = o['not-road-method'] ?? 'nearest-neighbours';
  if (method !== 'nearest-neighbours' && method !== 'mahalanobis') {
    throw usageError(
      `--not-road-method must be nearest-neighbours or mahalanobis, not "${method}".`,
      USAGE,
    );
  }
  const defaults = NOT_ROAD_DEFAULTS[network];
  const layers = (o['not-road-layers'] ?? defaults.layers.join(','))
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  if (layers.length === 0) throw usageError('--not-road-layers needs at least one layer.', USAGE);
  const pooling = o['not-road-pooling'] ?? defaultNotRoadPooling(method, network);
  if (pooling !== 'mean' && pooling !== 'mean-std') {
    throw usageError(`--not-road-pooling must be mean or mean-std, not "${pooling}".`, USAGE);
  }
  return {
    method,
    neighbours: parseNumber(
      'not-road-neighbours',
      o['not-road-neighbours'],
      DEFAULT_NOT_ROAD_NEIGHBOURS,
      USAGE,
    ),
    network,
    layers,
    pooling,
    components: (o['not-road-components'] ?? '8,16,32,64,128')
      .split(',')
      .map((v) => parseNumber('not-road-components', v.trim(), 0, USAGE)),
    maxRoadRejection: parseNumber(
      'max-road-rejection',
      o['max-road-rejection'] ?? '0.02',
      0,
      USAGE,
      {
        integer: false,
        min: 0,
      },
    ),
  };
}

function outputStrideOf(value: string | undefined): 16 | 32 {
  if (value === undefined || value === '16') return 16;
  if (value === '32') return 32;
  throw usageError(`--output-stride must be 16 or 32, not "${value}".`, USAGE);
}

function backendOf(value: string | undefined): 'wasm' | 'cpu' {
  const backend = value ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') {
    throw usageError(`--backend must be wasm or cpu, not "${value}".`, USAGE);
  }
  return backend;
}

async function startBackend(backend: 'wasm' | 'cpu'): Promise<void> {
  const { useBackend } = await import('../lib/tf-node');
  await useBackend(backend);
}

function readManifestFile(dir: string): ModelManifest {
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file)) {
    throw new ToolError(
      'bad-model-folder',
      `${dir} has no manifest.json: train a model into it first.`,
    );
  }
  return modelManifestSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

function comparisonRow(manifest: ModelManifest): ComparisonRow {
  const t = manifest.task === 'pothole' ? manifest.training : undefined;
  const m = manifest.task === 'pothole' ? manifest.metrics : undefined;
  if (!t || !m) {
    throw new ToolError(
      'bad-model-folder',
      `The model "${manifest.name}" has no pothole training record or evaluation to compare.`,
    );
  }
  return {
    model:
      (t.architecture === 'mobilenet'
        ? `MobileNet v1 0.25 fine-tuned, output stride ${t.outputStride ?? 32}`
        : 'seed CNN (64/32/16)') +
      (t.boxCrops?.negativeRate ? `, negative crops ${t.boxCrops.negativeRate}` : '') +
      (t.boxLoss ? `, box loss ${t.boxLoss}` : ''),
    architecture: t.architecture,
    inputSize: t.inputSize,
    multiplyAdds: t.multiplyAdds,
    parameters: t.parameters,
    testAccuracy: m.report.accuracy,
    closeupSpecificity: m.report.by_folder['potholes-closeup']?.normal_specificity ?? null,
    // The annotated web photos are the explanation benchmark; all boxed photos otherwise.
    pointingGame: (m.report.by_folder['potholes-annotated'] ?? m.report).pointing_game,
    energyInBox: (m.report.by_folder['potholes-annotated'] ?? m.report).energy_in_box,
    loadAverage: t.machine.loadAverageAfter[0],
    trainingMinutes: t.trainingMinutes,
    classifyMs: m.latency?.classifyMs ?? null,
    command: t.command,
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    console.log(USAGE);
    if (!command) throw usageError('Say what to train: road-damage, pothole or mnist.', '');
    return;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        data: { type: 'string', multiple: true },
        out: { type: 'string' },
        arch: { type: 'string' },
        'input-size': { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        lr: { type: 'string' },
        patience: { type: 'string' },
        seed: { type: 'string' },
        'frame-block': { type: 'string' },
        'split-from': { type: 'string' },
        'output-stride': { type: 'string' },
        'negative-crops': { type: 'string' },
        'box-loss': { type: 'string' },
        'field-pothole-repeat': { type: 'string' },
        'paste-potholes': { type: 'string' },
        mobilenet: { type: 'string' },
        'no-eval': { type: 'boolean' },
        id: { type: 'string' },
        version: { type: 'string' },
        backend: { type: 'string' },
        'max-batches': { type: 'string' },
        model: { type: 'string' },
        compare: { type: 'string', multiple: true },
        types: { type: 'string' },
        'train-size': { type: 'string' },
        'frozen-blocks': { type: 'string' },
        'hold-out': { type: 'string', multiple: true },
        'input-sizes': { type: 'string' },
        'target-specificity': { type: 'string' },
        'sure-confidence': { type: 'string' },
        'not-road-components': { type: 'string' },
        'not-road-method': { type: 'string' },
        'not-road-neighbours': { type: 'string' },
        'not-road-layers': { type: 'string' },
        'not-road-network': { type: 'string' },
        'not-road-pooling': { type: 'string' },
        'max-road-rejection': { type: 'string' },
        'not-road': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw usageError((e as Error).message, USAGE);
  }
  const o = parsed.values;
  const num = (
    name: keyof typeof o,
    fallback: number,
    opts?: { integer?: boolean; min?: number },
  ) => parseNumber(name, o[name] as string | undefined, fallback, USAGE, opts);
  const maxBatches = o['max-batches'] === undefined ? undefined : num('max-batches', 0);
  const log = (line: string) => console.log(line);

  if (command === 'pothole') {
    if (!o.data?.length) throw usageError('Give at least one --data folder of photos.', USAGE);
    if (!o.out) throw usageError('Give the --out folder to write the model into.', USAGE);
    const architecture = (o.arch ?? 'mobilenet') as PotholeArchitecture;
    if (!POTHOLE_ARCHITECTURES.includes(architecture)) {
      throw usageError(
        `--arch must be one of ${POTHOLE_ARCHITECTURES.join(', ')}, not "${o.arch}".`,
        USAGE,
      );
    }
    const backend = backendOf(o.backend);
    const args = {
      data: o.data,
      out: o.out,
      architecture,
      inputSize: num('input-size', 160, { min: 32 }),
      epochs: num('epochs', 15),
      batchSize: num('batch-size', 32),
      learningRate: num('lr', architecture === 'mobilenet' ? 5e-4 : 1e-3, {
        integer: false,
        min: 1e-7,
      }),
      patience: num('patience', 8),
      seed: num('seed', DEFAULT_SPLIT_SEED, { min: 0 }),
      frameBlock: num('frame-block', DEFAULT_FRAME_BLOCK),
      splitFrom: o['split-from'],
      outputStride: outputStrideOf(o['output-stride']),
      negativeCropRate: num('negative-crops', 0.15, { integer: false, min: 0 }),
      boxLoss: num('box-loss', architecture === 'mobilenet' ? 1 : 0, { integer: false, min: 0 }),
      mobilenetDir: '',
      evaluate: !o['no-eval'],
      maxBatchesPerEpoch: maxBatches,
      id: o.id ?? 'roadcam-pothole',
      version: o.version ?? '1.0.0',
      command: commandLine(argv),
      progress: true,
    };
    // The command line is checked first, then the folders it names (the default MobileNet only
    // when it is used), before anything heavy loads.
    if (architecture === 'mobilenet') {
      args.mobilenetDir = path.resolve(
        o.mobilenet ?? path.join(sharedDir(), 'models', 'mobilenet_v1_0.25_224'),
      );
      if (!existsSync(path.join(args.mobilenetDir, 'model.json'))) {
        throw new ToolError(
          'missing-folder',
          `The pretrained MobileNet is not at ${args.mobilenetDir}: give --mobilenet DIR (a ` +
            `layers-format MobileNet v1 0.25) or set ROADCAM_SHARED to the shared material's folder.`,
        );
      }
    }
    for (const d of o.data) readPhotoFolder(d);
    await startBackend(backend);
    const { trainPothole } = await import('./pothole');
    await trainPothole(args, log);
  } else if (command === 'road-damage') {
    const data = o.data?.length
      ? o.data
      : DEFAULT_DAMAGE_DATA.map((d) => relativeToHere(path.join(sharedDir(), 'data', d)));
    const types = (o.types ?? DEFAULT_DAMAGE_TYPES.join(',')).split(',').map((t) => t.trim());
    const unknown = types.filter((t) => !isDamageTypeName(t));
    if (unknown.length || types.length === 0 || new Set(types).size !== types.length) {
      throw usageError(
        `--types must list distinct damage types of ${DAMAGE_TYPE_NAMES.join(', ')}` +
          (unknown.length ? `; unknown: ${unknown.join(', ')}` : '') +
          '.',
        USAGE,
      );
    }
    const mobilenetDir = path.resolve(
      o.mobilenet ?? path.join(sharedDir(), 'models', 'mobilenet_v1_0.25_224'),
    );
    if (!existsSync(path.join(mobilenetDir, 'model.json'))) {
      throw new ToolError(
        'missing-folder',
        `The pretrained MobileNet is not at ${mobilenetDir}: give --mobilenet DIR (a layers-format ` +
          `MobileNet v1 0.25) or set ROADCAM_SHARED to the shared material's folder.`,
      );
    }
    const backend = backendOf(o.backend);
    const inputSizes =
      o['input-size'] !== undefined
        ? [num('input-size', 256, { min: 32 })]
        : o['input-sizes'] !== undefined
          ? o['input-sizes']
              .split(',')
              .map((v) => parseNumber('input-sizes', v.trim(), 0, USAGE, { min: 32 }))
          : [...DEFAULT_INPUT_SIZES];
    const fraction = (name: string, value: string) =>
      parseNumber(name, value, 0, USAGE, { integer: false, min: 0 });
    const specificity: Record<string, number> = {};
    for (const part of (o['target-specificity'] ?? DEFAULT_TARGET_SPECIFICITY).split(',')) {
      const [k, v] = part.includes('=') ? part.split('=') : ['*', part];
      const x = fraction('target-specificity', v.trim());
      if (x > 1) throw usageError('--target-specificity values are shares between 0 and 1.', USAGE);
      if (k.trim() === '*') for (const t of types) specificity[t] = x;
      else if (types.includes(k.trim())) specificity[k.trim()] = x;
      else throw usageError(`--target-specificity names ${k}, which is not in --types.`, USAGE);
    }
    // The shared folder is looked for only when --not-road is not given.
    const notRoadDefault = o['not-road'] ? undefined : optionalShared('data', 'not-road');
    const sharedNotRoad = o['not-road'] ?? (notRoadDefault && relativeToHere(notRoadDefault));
    const fixtures = path.join(projectRoot, 'test', 'fixtures');
    const pothole = path.join(projectRoot, 'public', 'models', 'pothole', 'split.json');
    const args = {
      data,
      out: o.out ?? 'public/models/road-damage',
      types: types as DamageTypeName[],
      inputSizes,
      trainSize: num('train-size', Math.min(...inputSizes), { min: 32 }),
      frozenBlocks: num('frozen-blocks', DEFAULT_FROZEN_BLOCKS, { min: 0 }),
      epochs: num('epochs', DEFAULT_DAMAGE_EPOCHS),
      batchSize: num('batch-size', 32),
      learningRate: num('lr', 5e-4, { integer: false, min: 1e-7 }),
      patience: num('patience', 6),
      seed: num('seed', DEFAULT_SPLIT_SEED, { min: 0 }),
      frameBlock: num('frame-block', DEFAULT_FRAME_BLOCK),
      negativeCropRate: num('negative-crops', 0.15, { integer: false, min: 0 }),
      boxLoss: num('box-loss', 1, { integer: false, min: 0 }),
      fieldPotholeRepeat: num('field-pothole-repeat', DEFAULT_FIELD_POTHOLE_REPEAT, { min: 1 }),
      pasteRate: num('paste-potholes', 0, { integer: false, min: 0 }),
      targetSpecificity: specificity,
      sureConfidence: num('sure-confidence', 0.8, { integer: false, min: 0.5 }),
      notRoad: notRoadSetupOf(o),
      ...(sharedNotRoad ? { notRoadCheck: sharedNotRoad } : {}),
      splitFrom:
        o['split-from'] ??
        (existsSync(pothole) ? path.relative(process.cwd(), pothole) : undefined),
      holdOut:
        o['hold-out'] ?? (existsSync(fixtures) ? [path.relative(process.cwd(), fixtures)] : []),
      mobilenetDir,
      evaluate: !o['no-eval'],
      maxBatchesPerEpoch: maxBatches,
      id: o.id ?? 'roadcam-road-damage',
      version: o.version ?? '2.2.0',
      command: commandLine(argv),
      progress: true,
    };
    log(
      `split from ${args.splitFrom ?? '(none)'}; held out: ${args.holdOut.join(', ') || '(none)'}; ` +
        `not-road check: ${args.notRoadCheck ?? '(none)'}`,
    );
    // A missing or empty folder is reported before anything heavy loads.
    for (const d of data) readPhotoFolder(d);
    await startBackend(backend);
    const { trainRoadDamage } = await import('./road-damage');
    await trainRoadDamage(args, log);
  } else if (command === 'not-road') {
    if (!o.model)
      throw usageError('Give the --model folder whose not-a-road statistics to fit.', USAGE);
    const notRoad = notRoadSetupOf(o);
    const args = {
      model: o.model,
      version: o.version,
      data: o.data?.length
        ? o.data
        : DEFAULT_DAMAGE_DATA.map((d) => relativeToHere(path.join(sharedDir(), 'data', d))),
      notRoad,
      // Looked for only when the ImageNet network is the one read.
      mobilenetDir:
        notRoad.network === 'imagenet'
          ? path.resolve(o.mobilenet ?? path.join(sharedDir(), 'models', 'mobilenet_v1_0.25_224'))
          : undefined,
      frameBlock: num('frame-block', DEFAULT_FRAME_BLOCK),
    };
    for (const d of args.data) readPhotoFolder(d);
    await startBackend(backendOf(o.backend));
    const { refitNotRoad } = await import('./refit-not-road');
    await refitNotRoad(args, log);
  } else if (command === 'not-road-candidates') {
    if (!o.model) throw usageError('Give the --model folder to compare the methods on.', USAGE);
    const setup = notRoadSetupOf(o);
    const args = {
      model: o.model,
      data: o.data?.length
        ? o.data
        : DEFAULT_DAMAGE_DATA.map((d) => relativeToHere(path.join(sharedDir(), 'data', d))),
      notRoadCheck: o['not-road'] ?? relativeToHere(path.join(sharedDir(), 'data', 'not-road')),
      mobilenetDir: path.resolve(
        o.mobilenet ?? path.join(sharedDir(), 'models', 'mobilenet_v1_0.25_224'),
      ),
      frameBlock: num('frame-block', DEFAULT_FRAME_BLOCK),
      components: setup.components,
      maxRoadRejection: setup.maxRoadRejection,
    };
    for (const d of args.data) readPhotoFolder(d);
    await startBackend(backendOf(o.backend));
    const { compareNotRoadCandidates } = await import('./not-road-candidates');
    await compareNotRoadCandidates(args, log);
  } else if (command === 'mnist') {
    const backend = backendOf(o.backend);
    const args = {
      out: o.out ?? 'public/models/mnist',
      epochs: num('epochs', 30),
      batchSize: num('batch-size', 64),
      learningRate: num('lr', 2e-3, { integer: false, min: 1e-7 }),
      patience: num('patience', 6),
      seed: num('seed', DEFAULT_SPLIT_SEED, { min: 0 }),
      maxShift: 2,
      maxBatchesPerEpoch: maxBatches,
      command: commandLine(argv),
      progress: true,
    };
    await startBackend(backend);
    const { trainMnist } = await import('./mnist');
    await trainMnist(args, log);
  } else if (command === 'card') {
    if (!o.model) throw usageError('Give the --model folder whose card to rewrite.', USAGE);
    const manifest = readManifestFile(o.model);
    const rows = [manifest, ...(o.compare ?? []).map(readManifestFile)].map(comparisonRow);
    if (manifest.task !== 'pothole' || !manifest.training) {
      throw new ToolError(
        'bad-model-folder',
        `${o.model} is not a pothole model with a training record: the architecture ` +
          `comparison of a road-damage model is written by its own training command.`,
      );
    }
    const training = { ...manifest.training, comparison: rows };
    const updated = modelManifestSchema.parse({ ...manifest, training });
    const { writeManifest } = await import('../lib/model-dir');
    const { writeModelCard } = await import('../cards/model-card');
    writeManifest(o.model, updated);
    writeModelCard(o.model, updated);
    log(`wrote ${path.join(o.model, 'MODEL_CARD.md')} with ${rows.length} architectures compared`);
  } else {
    throw usageError(
      `Unknown command "${command}": use road-damage, not-road, pothole, mnist or card.`,
      USAGE,
    );
  }
}

void runCli(main);
