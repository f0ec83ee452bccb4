/**
 * The `roadcam` command line:
 *   roadcam explain PHOTO... --model DIR [--method NAME] [--class NAME|top | --top K] [--out DIR]
 *   roadcam filters --model DIR --layer NAME [--filters 0-15] [--steps N] [--init-scale X]
 *                   --out FILE.png
 * A model folder needs model.json (+ shards) and manifest.json; for a converted model without a
 * manifest, describe it with --size, --channels, --range and --labels (see --help).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ExplainError } from '../../src/explain/errors';
import { ModelLoadError, type LoadedModel } from '../../src/model/load-model';
import { modelManifestSchema, type ModelManifest } from '../../src/model/manifest';
import { runExplain } from './explain-command';
import { runFilters } from './filters-command';
import { loadModelDir } from '../lib/model-dir';
import { useBackend } from '../lib/tf-node';

export const USAGE = `Usage:
  roadcam explain PHOTO... --model DIR [--method gradcam] [--class NAME|top] [--out DIR]
      Prints each photo's verdict and writes its heatmap overlay as PNG (default --out .).
      --top K instead of --class: one overlay per class of the K most probable
      (PHOTO.gradcam.top1-LABEL.png, PHOTO.gradcam.top2-LABEL.png, ...).
  roadcam filters --model DIR --layer NAME [--filters 0-15] [--steps N] --out FILE.png
      Writes a grid of activation-maximization images, one per filter.
      --init-scale X: noise of the start image (default 0.01); try 1 when tiles stay grey
      (a filter behind a ReLU that is zero on a grey image gets no gradient).

Model description, for a folder without manifest.json:
  --size WxH          input size, e.g. 224x224
  --channels 1|3      grey or RGB (default 3)
  --range=-1,1|0,1    the pixel range the model expects (default 0,1; write it with "=")
  --labels FILE       JSON array of class names, in output order
  --label-offset N    index of the first label in the outputs (1 when index 0 is "background")
Other options:
  --manifest FILE     use this manifest instead of DIR/manifest.json
  --backend wasm|cpu  (default wasm)
  --colormap turbo|jet|viridis, --alpha 0..1   overlay look (default turbo, 0.5)
`;

/** A user mistake: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

export const OPTIONS = {
  model: { type: 'string' },
  manifest: { type: 'string' },
  method: { type: 'string', default: 'gradcam' },
  class: { type: 'string', default: 'top' },
  top: { type: 'string' },
  out: { type: 'string' },
  layer: { type: 'string' },
  filters: { type: 'string', default: '0-15' },
  steps: { type: 'string' },
  'init-scale': { type: 'string' },
  size: { type: 'string' },
  channels: { type: 'string', default: '3' },
  range: { type: 'string', default: '0,1' },
  labels: { type: 'string' },
  'label-offset': { type: 'string', default: '0' },
  backend: { type: 'string', default: 'wasm' },
  colormap: { type: 'string', default: 'turbo' },
  alpha: { type: 'string', default: '0.5' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CliValues = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

function manifestFromFlags(dir: string, v: CliValues): ModelManifest {
  const missing = ['size', 'labels'].filter((k) => !v[k as keyof CliValues]);
  if (missing.length) {
    throw new UsageError(
      `${dir} has no manifest.json. Give one with --manifest FILE, or describe the model with ` +
        `${missing.map((m) => `--${m}`).join(' and ')} (see roadcam --help).`,
    );
  }
  const size = /^(\d+)x(\d+)$/.exec(v.size!);
  if (!size) throw new UsageError(`--size must look like 224x224, not "${v.size}".`);
  if (!existsSync(v.labels!)) throw new UsageError(`The labels file ${v.labels} does not exist.`);
  let labels: unknown;
  try {
    labels = JSON.parse(readFileSync(v.labels!, 'utf8'));
  } catch {
    throw new UsageError(`The labels file ${v.labels} is not a JSON array of class names.`);
  }
  const range = v.range === '-1,1' ? { mean: [0.5], std: [0.5] } : { mean: [0], std: [1] };
  if (v.range !== '-1,1' && v.range !== '0,1') {
    throw new UsageError(`--range must be -1,1 or 0,1, not "${v.range}".`);
  }
  const model = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
    modelTopology?: { node?: unknown };
  };
  const parsed = modelManifestSchema.safeParse({
    id: path.basename(path.resolve(dir)),
    version: '0',
    name: path.basename(path.resolve(dir)),
    task: 'classification',
    format: Array.isArray(model.modelTopology?.node) ? 'graph' : 'layers',
    labels,
    labelOffset: Number(v['label-offset']),
    input: {
      width: Number(size[1]),
      height: Number(size[2]),
      channels: Number(v.channels),
      normalization: range,
    },
    // Placeholder target: replaced by the adapter's default spatial layer on load.
    cam: { layer: '(default)' },
  });
  if (!parsed.success) {
    throw new UsageError(`The model description is not valid: ${parsed.error.issues[0].message}`);
  }
  return parsed.data;
}

export async function loadCliModel(v: CliValues): Promise<LoadedModel> {
  const dir = v.model;
  if (!dir) throw new UsageError('Name the model folder with --model DIR.');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`The model folder ${dir} does not exist.`);
  }
  if (!existsSync(path.join(dir, 'model.json'))) {
    throw new UsageError(
      `There is no model.json in ${dir}: point --model at a TensorFlow.js model folder.`,
    );
  }
  let manifest: ModelManifest | undefined;
  if (v.manifest) {
    if (!existsSync(v.manifest)) throw new UsageError(`The manifest ${v.manifest} does not exist.`);
    manifest = modelManifestSchema.parse(JSON.parse(readFileSync(v.manifest, 'utf8')));
  } else if (!existsSync(path.join(dir, 'manifest.json'))) {
    manifest = manifestFromFlags(dir, v);
  }
  const loaded = await loadModelDir(dir, manifest);
  if (loaded.manifest.cam.layer === '(default)') {
    loaded.manifest.cam.layer = loaded.adapter.defaultTargetLayer();
  }
  return loaded;
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`roadcam: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  try {
    if (values.backend !== 'wasm' && values.backend !== 'cpu') {
      throw new UsageError('--backend must be wasm or cpu.');
    }
    await useBackend(values.backend);
    if (command === 'explain') return await runExplain(rest, values);
    if (command === 'filters') return await runFilters(rest, values);
    throw new UsageError(`Unknown command "${command}".`);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ModelLoadError || e instanceof ExplainError) {
      process.stderr.write(`roadcam: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
