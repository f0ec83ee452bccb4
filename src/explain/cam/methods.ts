/**
 * The CAM family on one skeleton (see compute-cam.ts): every method only says how the target
 * layer's channels are weighted. The map is then ReLU(sum over channels of weights x
 * activations), with weights shaped [N, 1, 1, C] (one weight per channel) or [N, H, W, C]
 * (one weight per position and channel).
 *
 * Formulas follow the papers and pytorch-grad-cam's implementations of them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelAdapter } from '../adapters/types';
import type { Target } from '../targets';

export interface CamInputs {
  /** The target layer's output, [N, H, W, C]. */
  activations: tf.Tensor4D;
  /** d(target score)/d(activations), same shape; null for gradient-free methods. */
  gradients: tf.Tensor4D | null;
}

/** What a perturbation method (Score-CAM) needs to score masked inputs itself. */
export interface CamContext {
  adapter: ModelAdapter;
  input: tf.Tensor4D;
  layer: string;
  target: Target;
  batchSize?: number;
}

export interface CamMethod {
  readonly name: string;
  readonly title: string;
  readonly usesGradients: boolean;
  /** Channel weights, broadcastable against the activations. */
  weigh(inputs: CamInputs, context: CamContext): tf.Tensor4D;
}

const EPS = 1e-7;

function grads(inputs: CamInputs): tf.Tensor4D {
  if (!inputs.gradients) throw new Error('this CAM method needs gradients');
  return inputs.gradients;
}

/** Grad-CAM (Selvaraju et al. 2017): the spatial mean of the gradients. */
export const gradCam: CamMethod = {
  name: 'gradcam',
  title: 'Grad-CAM',
  usesGradients: true,
  weigh: (i) => tf.mean(grads(i), [1, 2], true),
};

/**
 * Grad-CAM++ (Chattopadhay et al. 2018): positive gradients weighted by alpha, the closed form
 * for an exponential score, which favours small and multiple objects.
 */
export const gradCamPlusPlus: CamMethod = {
  name: 'gradcam++',
  title: 'Grad-CAM++',
  usesGradients: true,
  weigh: (i) => {
    const g = grads(i);
    const g2 = tf.square(g);
    const g3 = tf.mul(g2, g);
    const sumA = tf.sum(i.activations, [1, 2], true);
    const alpha = tf.div(g2, tf.add(tf.add(tf.mul(g2, 2), tf.mul(sumA, g3)), EPS));
    const alphaWhereGrad = tf.where(tf.notEqual(g, 0), alpha, tf.zerosLike(alpha));
    return tf.sum(tf.mul(tf.relu(g), alphaWhereGrad), [1, 2], true);
  },
};

/** XGrad-CAM (Fu et al. 2020): gradients weighted by the normalised activations. */
export const xGradCam: CamMethod = {
  name: 'xgradcam',
  title: 'XGrad-CAM',
  usesGradients: true,
  weigh: (i) => {
    const sumA = tf.sum(i.activations, [1, 2], true);
    return tf.sum(tf.div(tf.mul(grads(i), i.activations), tf.add(sumA, EPS)), [1, 2], true);
  },
};

/** LayerCAM (Jiang et al. 2021): per-position weights, the positive gradients. */
export const layerCam: CamMethod = {
  name: 'layercam',
  title: 'LayerCAM',
  usesGradients: true,
  weigh: (i) => tf.relu(grads(i)),
};

/** HiResCAM (Draelos & Carin 2020): per-position weights, the raw gradients. */
export const hiResCam: CamMethod = {
  name: 'hirescam',
  title: 'HiResCAM',
  usesGradients: true,
  weigh: (i) => grads(i),
};

/**
 * Eigen-CAM (Muhammad & Yeasin 2020): no gradients; the activations projected on their first
 * principal direction (the top right-singular vector of the [H*W, C] activation matrix). Found
 * by power iteration on A^T A, started from the all-ones vector: for non-negative (post-ReLU)
 * activations it converges to the non-negative Perron vector, which also fixes the sign that an
 * SVD leaves arbitrary. Not class-specific, by design of the method.
 */
export const eigenCam: CamMethod = {
  name: 'eigencam',
  title: 'Eigen-CAM',
  usesGradients: false,
  weigh: (i) => {
    const [n, h, w, c] = i.activations.shape;
    const a = tf.reshape(i.activations, [n, h * w, c]);
    const gram = tf.matMul(a, a, true, false); // [N, C, C]
    let v = tf.ones([n, c, 1]) as tf.Tensor3D;
    for (let step = 0; step < 50; step++) {
      const next = tf.matMul(gram, v);
      const norm = tf.add(tf.norm(next, 'euclidean', [1, 2], true), EPS);
      v = tf.div(next, norm) as tf.Tensor3D;
    }
    return tf.reshape(v, [n, 1, 1, c]) as tf.Tensor4D;
  },
};

export const CAM_METHODS = [gradCam, gradCamPlusPlus, xGradCam, layerCam, hiResCam, eigenCam];
