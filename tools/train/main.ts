/**
 * `npm run train -- pothole|mnist|card ...`: see USAGE. Training runs on the wasm backend.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { modelManifestSchema, type ModelManifest } from '../../src/model/manifest';
import { ToolError } from '../lib/tool-error';
import { readPhotoFolder } from '../data/photo-folder';
import { DEFAULT_FRAME_BLOCK, DEFAULT_SPLIT_SEED } from '../data/split-options';
import { sharedDir } from '../lib/paths';
import { parseNumber, runCli, usageError } from './cli';
import { POTHOLE_ARCHITECTURES, type PotholeArchitecture } from './options';
import type { ComparisonRow, PotholeMetrics, PotholeTraining } from './pothole';

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
  const t = manifest.training as unknown as PotholeTraining;
  const m = manifest.metrics as unknown as PotholeMetrics | undefined;
  if (!t?.architecture || !m?.report) {
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
    if (!command) throw usageError('Say what to train: pothole or mnist.', '');
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
        mobilenet: { type: 'string' },
        'no-eval': { type: 'boolean' },
        id: { type: 'string' },
        version: { type: 'string' },
        backend: { type: 'string' },
        'max-batches': { type: 'string' },
        model: { type: 'string' },
        compare: { type: 'string', multiple: true },
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
    const training = { ...(manifest.training as object), comparison: rows };
    const updated = modelManifestSchema.parse({ ...manifest, training });
    const { writeManifest } = await import('./pothole');
    const { writeModelCard } = await import('./model-card');
    writeManifest(o.model, updated);
    writeModelCard(o.model, updated);
    log(`wrote ${path.join(o.model, 'MODEL_CARD.md')} with ${rows.length} architectures compared`);
  } else {
    throw usageError(`Unknown command "${command}": use pothole, mnist or card.`, USAGE);
  }
}

void runCli(main);
