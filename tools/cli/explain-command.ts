import { existsSync } from 'node:fs';
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
import { ensureDir, loadCliModel, UsageError, type CliValues } from './main';

/** Overlays are written at most this large: enough to see, small enough to share. */
const OVERLAY_MAX_SIDE = 1024;

export function parseMethod(value: string | undefined): CamMethodName {
  const method = (value ?? 'gradcam') as CamMethodName;
  if (!CAM_METHOD_NAMES.includes(method)) {
    throw new UsageError(
      `Unknown --method "${value}". Choose one of: ${CAM_METHOD_NAMES.join(', ')}.`,
    );
  }
  return method;
}

export function parseOverlayLook(v: CliValues): { colormap: ColormapName; alpha: number } {
  const colormap = v.colormap as ColormapName;
  if (!COLORMAP_NAMES.includes(colormap)) {
    throw new UsageError(`--colormap must be one of ${COLORMAP_NAMES.join(', ')}.`);
  }
  const alpha = Number(v.alpha);
  if (!(alpha >= 0 && alpha <= 1)) throw new UsageError('--alpha must be between 0 and 1.');
  return { colormap, alpha };
}

export async function runExplain(photos: string[], v: CliValues): Promise<number> {
  if (photos.length === 0) {
    throw new UsageError('Name at least one photo: roadcam explain PHOTO... --model DIR');
  }
  const method = parseMethod(v.method);
  const look = parseOverlayLook(v);
  const { manifest, adapter, dispose } = await loadCliModel(v);
  const outDir = v.out ?? '.';
  ensureDir(outDir);
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
        v.class === undefined || v.class === 'top'
          ? topClasses(probabilities, manifest, 1)[0]
          : classes.find((c) => c.label === v.class);
      if (!chosen) {
        x.dispose();
        throw new UsageError(
          `The model has no class "${v.class}". Its classes: ${manifest.labels.slice(0, 20).join(', ')}` +
            `${manifest.labels.length > 20 ? ', ...' : ''}.`,
        );
      }
      const result = await computeCam(adapter, x, {
        method,
        target: targets.classLogit(chosen.classIndex),
        layer: manifest.cam.layer,
      });
      x.dispose();
      const overlay = renderCamOverlay(photo, result.grids[0], look);
      const out = path.join(outDir, `${path.parse(file).name}.${method}.png`);
      await writePng(out, overlay.image);
      const verdict = topClasses(probabilities, manifest, 1)[0];
      const unsure =
        manifest.task === 'pothole' && verdict.probability < manifest.lowConfidenceBelow
          ? ' (low confidence)'
          : '';
      process.stdout.write(
        `${file}: ${verdict.label} ${verdict.probability.toFixed(3)}${unsure}; ` +
          `${method} for "${chosen.label}" -> ${out}` +
          `${overlay.empty ? ' (empty map: no positive evidence for this class)' : ''}\n`,
      );
    }
  } finally {
    dispose();
  }
  return failures ? 1 : 0;
}
