import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  CAM_METHOD_NAMES,
  COLORMAP_NAMES,
  computeCam,
  renderCamOverlay,
  targets,
  type CamMethodName,
  type ColormapName,
} from '../../src/explain';
import { labelledProbabilities, topClasses } from '../../src/model/labels';
import { imageToModelInput } from '../../src/model/preprocess';
import { readImageRgba, writePng } from '../lib/images';
import { tf } from '../lib/tf-node';
import { loadCliModel } from './cli-model';
import { UsageError, type CliValues } from './usage';

/** Overlays are written at most this large: enough to see, small enough to share. */
const OVERLAY_MAX_SIDE = 1024;

function parseMethod(value: string | undefined): CamMethodName {
  const method = (value ?? 'gradcam') as CamMethodName;
  if (!CAM_METHOD_NAMES.includes(method)) {
    throw new UsageError(
      `Unknown --method "${value}". Choose one of: ${CAM_METHOD_NAMES.join(', ')}.`,
    );
  }
  return method;
}

function parseOverlayLook(v: CliValues): { colormap: ColormapName; alpha: number } {
  const colormap = v.colormap as ColormapName;
  if (!COLORMAP_NAMES.includes(colormap)) {
    throw new UsageError(`--colormap must be one of ${COLORMAP_NAMES.join(', ')}.`);
  }
  const alpha = Number(v.alpha);
  if (!(alpha >= 0 && alpha <= 1)) throw new UsageError('--alpha must be between 0 and 1.');
  return { colormap, alpha };
}

/** `--top K`: how many of the most probable classes get an overlay each (undefined: one). */
function parseTop(v: CliValues): number | undefined {
  if (v.top === undefined) return undefined;
  const k = Number(v.top);
  if (!(Number.isInteger(k) && k >= 1 && k <= 20)) {
    throw new UsageError(`--top takes a whole number from 1 to 20, not "${v.top}".`);
  }
  if (v.class !== undefined && v.class !== 'top') {
    throw new UsageError('Give either --class NAME or --top K, not both.');
  }
  return k;
}

/** A class name as a file-name part: "Persian cat" -> "persian-cat". */
function labelSlug(label: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return slug || 'class';
}

export async function runExplain(photos: string[], v: CliValues): Promise<number> {
  if (photos.length === 0) {
    throw new UsageError('Name at least one photo: roadcam explain PHOTO... --model DIR');
  }
  const method = parseMethod(v.method);
  const look = parseOverlayLook(v);
  const top = parseTop(v);
  const { manifest, adapter, dispose } = await loadCliModel(v);
  const outDir = v.out ?? '.';
  mkdirSync(outDir, { recursive: true });
  let failures = 0;
  try {
    for (const file of photos) {
      if (!existsSync(file)) {
        process.stderr.write(`${file}: no such file\n`);
        failures++;
        continue;
      }
      let photo;
      try {
        photo = await readImageRgba(file, { maxSide: OVERLAY_MAX_SIDE });
      } catch (e) {
        process.stderr.write(
          `${file}: not a readable photo (${(e as Error).message.split('\n')[0]})\n`,
        );
        failures++;
        continue;
      }
      const x = imageToModelInput(photo, manifest.input);
      const probabilities = tf.tidy(() => adapter.predict(x).probabilities.dataSync());
      const classes = labelledProbabilities(probabilities, manifest);
      const chosen =
        top !== undefined
          ? topClasses(probabilities, manifest, top)
          : v.class === undefined || v.class === 'top'
            ? topClasses(probabilities, manifest, 1)
            : classes.filter((c) => c.label === v.class).slice(0, 1);
      if (chosen.length === 0) {
        x.dispose();
        throw new UsageError(
          `The model has no class "${v.class}". Its classes: ${manifest.labels.slice(0, 20).join(', ')}` +
            `${manifest.labels.length > 20 ? ', ...' : ''}.`,
        );
      }
      const verdict = topClasses(probabilities, manifest, 1)[0];
      const unsure =
        manifest.task === 'pothole' && verdict.probability < manifest.lowConfidenceBelow
          ? ' (low confidence)'
          : '';
      try {
        for (const [rank, c] of chosen.entries()) {
          const result = await computeCam(adapter, x, {
            method,
            target: targets.classLogit(c.classIndex),
            layer: manifest.cam.layer,
          });
          const overlay = renderCamOverlay(photo, result.grids[0], look);
          // With --top, one file per class: NAME.METHOD.top1-persian-cat.png, ...
          const suffix = top === undefined ? '' : `.top${rank + 1}-${labelSlug(c.label)}`;
          const out = path.join(outDir, `${path.parse(file).name}.${method}${suffix}.png`);
          await writePng(out, overlay.image);
          const forClass =
            top === undefined ? '' : ` (${c.probability.toFixed(3)}, rank ${rank + 1})`;
          process.stdout.write(
            `${file}: ${verdict.label} ${verdict.probability.toFixed(3)}${unsure}; ` +
              `${method} for "${c.label}"${forClass} -> ${out}` +
              `${overlay.empty ? ' (empty map: no positive evidence for this class)' : ''}\n`,
          );
        }
      } finally {
        x.dispose();
      }
    }
  } finally {
    dispose();
  }
  return failures ? 1 : 0;
}
