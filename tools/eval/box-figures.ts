/**
 * Explanation figures of one photo with boxes: does the heatmap's peak fall in a box (pointing
 * game, strict and with 15 px tolerance at 256 px), how much of its energy lies in the boxes,
 * next to what a centred map and a flat map would score; and the deletion / insertion curves
 * (how fast the score falls as the map's top pixels are blurred away, or rises as they return).
 */
import type { ModelManifest } from '../../src/model/manifest';
import type { LoadedModel } from '../../src/model/load-model';
import { upsampleBilinear } from '../../src/explain/heatmap/upsample';
import type { ScalarMap } from '../../src/explain/heatmap/scalar-map';
import {
  centredGaussianMap,
  centrePeakMap,
  energyInBoxes,
  perturbationCurve,
  pointingGame,
  uniformMap,
} from '../../src/explain/metrics';
import type { Box } from '../data/photo-folder';
import { tf } from '../lib/tf-node';

export interface BoxFigures {
  pointingHit: boolean;
  pointingHitTol15: boolean;
  energyInBox: number;
  emptyMap: boolean;
  centreHit: boolean;
  centreHitTol15: boolean;
  centreEnergyInBox: number;
  uniformEnergyInBox: number;
  deletionAuc?: number;
  insertionAuc?: number;
}

/**
 * The model's heatmap at the photo's own size: the grid is upsampled onto the part of the photo
 * the model saw (all of it when stretched; the centred square when centre-cropped).
 */
export function mapOntoPhoto(
  grid: ScalarMap,
  photoWidth: number,
  photoHeight: number,
  manifest: ModelManifest,
): ScalarMap {
  if (manifest.input.resize !== 'center-crop')
    return upsampleBilinear(grid, photoWidth, photoHeight);
  const aspect = manifest.input.width / manifest.input.height;
  const cropW = Math.round(Math.min(photoWidth, photoHeight * aspect));
  const cropH = Math.round(Math.min(photoHeight, photoWidth / aspect));
  const left = Math.floor((photoWidth - cropW) / 2);
  const top = Math.floor((photoHeight - cropH) / 2);
  const inner = upsampleBilinear(grid, cropW, cropH);
  const out = {
    width: photoWidth,
    height: photoHeight,
    data: new Float32Array(photoWidth * photoHeight),
  };
  for (let y = 0; y < cropH; y++) {
    out.data.set(inner.data.subarray(y * cropW, (y + 1) * cropW), (top + y) * photoWidth + left);
  }
  return out;
}

/** Pointing game and energy of a map at the photo's size, with the baselines. */
export function boxFigures(map: ScalarMap, boxes: readonly Box[], emptyMap: boolean): BoxFigures {
  const { width: w, height: h } = map;
  const tolerancePx = (15 * Math.max(w, h)) / 256;
  return {
    pointingHit: pointingGame(map, boxes).hit,
    pointingHitTol15: pointingGame(map, boxes, { tolerancePx }).hit,
    energyInBox: energyInBoxes(map, boxes).share,
    emptyMap,
    centreHit: pointingGame(centrePeakMap(w, h), boxes).hit,
    centreHitTol15: pointingGame(centrePeakMap(w, h), boxes, { tolerancePx }).hit,
    centreEnergyInBox: energyInBoxes(centredGaussianMap(w, h), boxes).share,
    uniformEnergyInBox: energyInBoxes(uniformMap(w, h), boxes).share,
  };
}

/** A heavily blurred copy: what deleted pixels become, and where insertion starts. */
function blurredBaseline(image: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [h, w] = image.shape;
    const small = tf.image.resizeBilinear(
      image,
      [Math.max(1, h >> 4), Math.max(1, w >> 4)],
      false,
      true,
    );
    return tf.image.resizeBilinear(small, [h, w], false, true);
  });
}

/** Deletion and insertion AUCs of one photo of a batch, for the score of output `index`. */
export async function perturbationAucs(
  loaded: LoadedModel,
  batch: tf.Tensor4D,
  photo: number,
  map: ScalarMap,
  index: number,
  steps: number,
): Promise<[number, number]> {
  const image = tf.tidy(
    () => tf.squeeze(tf.slice(batch, [photo, 0, 0, 0], [1, -1, -1, -1]), [0]) as tf.Tensor3D,
  );
  const baseline = blurredBaseline(image);
  const score = (b: tf.Tensor4D) =>
    tf.tidy(() => {
      const p = loaded.adapter.predict(b).probabilities;
      return p.shape[1] === 1
        ? (tf.reshape(p, [-1]) as tf.Tensor1D)
        : (tf.reshape(tf.slice(p, [0, index], [-1, 1]), [-1]) as tf.Tensor1D);
    });
  try {
    const deletion = await perturbationCurve({
      image,
      map,
      baseline,
      mode: 'deletion',
      steps,
      score,
      batchSize: 11,
    });
    const insertion = await perturbationCurve({
      image,
      map,
      baseline,
      mode: 'insertion',
      steps,
      score,
      batchSize: 11,
    });
    return [deletion.areaUnderCurve, insertion.areaUnderCurve];
  } finally {
    tf.dispose([image, baseline]);
  }
}
