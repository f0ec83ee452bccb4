/**
 * Score-CAM (Wang et al. 2020): no gradients. Each channel's activation map, upsampled to the
 * input and scaled to 0..1, masks the input; the channel's weight is the target score of the
 * masked input, softmaxed over channels. One forward pass per channel, run in batches.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CamMethod } from './methods';

const EPS = 1e-7;

export const scoreCam: CamMethod = {
  name: 'scorecam',
  title: 'Score-CAM',
  usesGradients: false,
  weigh: ({ activations }, { adapter, input, target, batchSize = 32 }) => {
    const [n, , , c] = activations.shape;
    const [, inH, inW] = input.shape;
    const perExample: tf.Tensor1D[] = [];
    for (let e = 0; e < n; e++) {
      const masks = tf.tidy(() => {
        const a = tf.slice(activations, [e, 0, 0, 0], [1, -1, -1, -1]);
        const up = tf.image.resizeBilinear(a, [inH, inW], false, true); // [1, H, W, C]
        const lo = tf.min(up, [1, 2], true);
        const hi = tf.max(up, [1, 2], true);
        const scaled = tf.div(tf.sub(up, lo), tf.add(tf.sub(hi, lo), EPS));
        return tf.transpose(scaled, [3, 1, 2, 0]) as tf.Tensor4D; // [C, H, W, 1]
      });
      const image = tf.slice(input, [e, 0, 0, 0], [1, -1, -1, -1]);
      const scores: tf.Tensor1D[] = [];
      for (let start = 0; start < c; start += batchSize) {
        const size = Math.min(batchSize, c - start);
        scores.push(
          tf.tidy(() => {
            const m = tf.slice(masks, [start, 0, 0, 0], [size, -1, -1, -1]);
            // [1, H, W, C] x [size, H, W, 1] broadcasts: no copies of the image.
            const batch = tf.mul(image, m);
            return target(adapter.predict(batch as tf.Tensor4D));
          }),
        );
      }
      perExample.push(tf.softmax(tf.concat(scores)) as tf.Tensor1D);
      tf.dispose([masks, image, ...scores]);
    }
    const weights = tf.reshape(tf.stack(perExample), [n, 1, 1, c]) as tf.Tensor4D;
    tf.dispose(perExample);
    return weights;
  },
};
