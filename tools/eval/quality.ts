/**
 * Why the photo-quality thresholds are where they are (`npm run eval -- --quality`): the
 * held-out photos darkened (exposure x factor) and blurred (Gaussian, sigma in pixels of the
 * stored photo, at most 256 px), with the model's pothole and crack AUC and the share the
 * quality check flags at each step. A threshold is good where the model is still fine on what
 * passes and clearly worse on what it flags.
 */
import sharp, { type Sharp } from 'sharp';
import type { LoadedModel } from '../../src/model/load-model';
import {
  photoQuality,
  QUALITY_THRESHOLDS,
  type QualityThresholds,
} from '../../src/image/photo-quality';
import type { QualityRecord, QualityStep } from '../../src/model/metrics-records';
import { typeLabel } from '../data/damage-labels';
import { mapLimit } from '../data/decode';
import type { PhotoRecord } from '../data/photo-folder';
import { tf } from '../lib/tf-node';
import { rocAuc, type BinaryLabel } from './classification-metrics';
import { inputTensor } from './evaluate';
import { outputSpecs } from './model-outputs';

export const DARKENING = [1, 0.5, 0.35, 0.25, 0.15];
export const BLURRING = [1, 1.5, 2, 3];

type Degrade = (s: Sharp) => Sharp;

async function degraded(
  photo: PhotoRecord,
  degrade: Degrade,
  width: number,
  height: number,
  thresholds: QualityThresholds,
): Promise<{ input: Uint8Array; brightness: number; sharpness: number; problems: string[] }> {
  const stored = await degrade(sharp(photo.path).rotate().removeAlpha())
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const q = photoQuality(
    { width: stored.info.width, height: stored.info.height, data: stored.data },
    thresholds,
  );
  const input = await sharp(stored.data, {
    raw: { width: stored.info.width, height: stored.info.height, channels: 4 },
  })
    .removeAlpha()
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { input: new Uint8Array(input), ...q };
}

/** The steps' record, and each step's photos' own brightness and sharpness (in photo order),
 * which choosing a threshold needs. */
export interface MeasuredQuality {
  record: QualityRecord;
  perPhoto: { brightness: number[]; sharpness: number[] }[];
}

export async function qualitySteps(
  loaded: LoadedModel,
  photos: readonly PhotoRecord[],
  command: string,
  log: (line: string) => void,
  /** The check's thresholds tried (the model's own, or candidates for it). */
  thresholds: QualityThresholds = QUALITY_THRESHOLDS,
): Promise<MeasuredQuality> {
  const { manifest } = loaded;
  const specs = outputSpecs(manifest).filter((s) => s.name === 'pothole' || s.name === 'crack');
  const steps: [string, number, Degrade][] = [
    ...DARKENING.map((f): [string, number, Degrade] => ['exposure', f, (s) => s.linear(f, 0)]),
    ...BLURRING.map((sigma): [string, number, Degrade] => ['blur', sigma, (s) => s.blur(sigma)]),
  ];
  const out: QualityStep[] = [];
  const perPhoto: MeasuredQuality['perPhoto'] = [];
  for (const [kind, level, degrade] of steps) {
    const values = { brightness: [] as number[], sharpness: [] as number[] };
    perPhoto.push(values);
    const scores = specs.map(() => [] as number[]);
    const labels = specs.map(() => [] as BinaryLabel[]);
    let dark = 0;
    let blurred = 0;
    let brightness = 0;
    let sharpness = 0;
    for (let start = 0; start < photos.length; start += 16) {
      const batch = photos.slice(start, start + 16);
      const d = await mapLimit(batch, 4, (p) =>
        degraded(p, degrade, manifest.input.width, manifest.input.height, thresholds),
      );
      const x = inputTensor(
        d.map((p) => ({
          data: p.input,
          width: manifest.input.width,
          height: manifest.input.height,
          originalWidth: manifest.input.width,
          originalHeight: manifest.input.height,
        })),
        manifest,
      );
      const probs = tf.tidy(() => loaded.adapter.predict(x).probabilities);
      const data = (await probs.data()) as Float32Array;
      const classes = probs.shape[1];
      tf.dispose([x, probs]);
      batch.forEach((p, i) => {
        specs.forEach((s, k) => {
          const present =
            manifest.task === 'road-damage'
              ? typeLabel(p, s.name).present
              : p.label === 'pothole'
                ? 1
                : 0;
          if (present === null) return;
          scores[k].push(classes === 1 ? data[i] : data[i * classes + s.index]);
          labels[k].push(present);
        });
        brightness += d[i].brightness;
        sharpness += d[i].sharpness;
        values.brightness.push(d[i].brightness);
        values.sharpness.push(d[i].sharpness);
        if (d[i].problems.includes('too-dark')) dark++;
        if (d[i].problems.includes('too-blurred')) blurred++;
      });
    }
    const step: QualityStep = {
      kind: kind as QualityStep['kind'],
      level,
      auc: Object.fromEntries(specs.map((s, k) => [s.name, rocAuc(labels[k], scores[k])])),
      meanBrightness: brightness / photos.length,
      meanSharpness: sharpness / photos.length,
      flaggedDark: dark / photos.length,
      flaggedBlurred: blurred / photos.length,
    };
    log(
      `${kind} ${level}: AUC ${Object.entries(step.auc)
        .map(([k, v]) => `${k} ${v?.toFixed(3)}`)
        .join(', ')}; ` +
        `flagged dark ${(step.flaggedDark * 100).toFixed(0)}%, blurred ${(step.flaggedBlurred * 100).toFixed(0)}%`,
    );
    out.push(step);
  }
  return { record: { command, photos: photos.length, thresholds, steps: out }, perPhoto };
}
