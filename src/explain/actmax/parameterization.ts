/**
 * How the optimised images are parameterised: what Adam changes, and how that becomes a batch of
 * images in 0..1 ([N, H, W, C]).
 *
 * - 'pixels': one free number per pixel and channel, image = sigmoid(p). A sigmoid rather than
 *   clipping: clipped pixels get no gradient while Adam's momentum keeps pushing them past the
 *   bound, so they stick at 0 or 255; the sigmoid keeps every pixel in range and movable.
 * - 'decorrelated' (Lucid, Distill "Feature Visualization"): image = sigmoid(colour(irfft2d(
 *   spectrum / frequency))). Scaling the coefficients by 1/frequency gives every frequency about
 *   the same influence on the image, so the gradient no longer favours the high frequencies that
 *   make plain-pixel images noise; decorrelating colour does the same for the colour channels.
 *
 * The wasm backend has no FFT kernel and tfjs has no FFT gradient, so the inverse real 2-D DFT
 * is two matrix products with precomputed cosine / sine bases (first along the columns, complex;
 * then along the rows, real): differentiable, and fast on XNNPACK.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ExplainError } from '../errors';

export type ParameterizationName = 'pixels' | 'decorrelated';

export interface ImageParameterization {
  readonly name: ParameterizationName;
  /** [N, H, W, C] of the images it makes. */
  readonly imageShape: [number, number, number, number];
  /**
   * Initial parameters (owned by the caller). Image i is drawn from seed + i alone, so an image
   * starts the same whatever batch it is optimised in.
   */
  init(seed: number): tf.Tensor;
  /** The images (0..1) for parameters `p`; differentiable. */
  render(p: tf.Tensor): tf.Tensor4D;
  /** Frees the constant bases. */
  dispose(): void;
}

export interface ParameterizationOptions {
  /** Standard deviation of the initial parameters (Lucid uses 0.01). */
  initScale?: number;
  /** 'decorrelated': exponent of the 1/frequency scaling (1 in Lucid). */
  decayPower?: number;
  /** 'decorrelated', RGB only: decorrelate colour (default true). */
  decorrelateColour?: boolean;
}

/** Normal noise for `count` images stacked on the first axis, image i from seed + i. */
function perImage(count: number, shape: number[], std: number, seed: number): tf.Tensor {
  return tf.tidy(() =>
    tf.concat(
      Array.from({ length: count }, (_, i) => tf.randomNormal(shape, 0, std, 'float32', seed + i)),
      0,
    ),
  );
}

/** image = sigmoid(p), p of the image's shape. */
export function pixelParameterization(
  imageShape: [number, number, number, number],
  options: ParameterizationOptions = {},
): ImageParameterization {
  const initScale = options.initScale ?? 0.01;
  return {
    name: 'pixels',
    imageShape,
    init: (seed) => perImage(imageShape[0], [1, ...imageShape.slice(1)], initScale, seed),
    render: (p) => tf.sigmoid(p) as tf.Tensor4D,
    dispose: () => {},
  };
}

/**
 * Square root of the colour correlation of ImageNet photos (RGB), as published with Lucid
 * (lucid/optvis/param/color.py), normalised below by its largest column norm. Multiplying
 * decorrelated channels by it gives channels correlated as in photos.
 */
const COLOUR_CORRELATION_SQRT = [
  [0.26, 0.09, 0.02],
  [0.27, 0.0, -0.05],
  [0.27, -0.09, 0.03],
];

/** The colour matrix, transposed for `[pixels, 3] x M`: rgb = decorrelated · (C / max‖col‖)ᵀ. */
export function colourDecorrelationMatrix(): number[][] {
  const columnNorm = (j: number) => Math.hypot(...COLOUR_CORRELATION_SQRT.map((row) => row[j]));
  const maxNorm = Math.max(columnNorm(0), columnNorm(1), columnNorm(2));
  // (C / maxNorm)ᵀ: entry [i][j] = C[j][i] / maxNorm.
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => COLOUR_CORRELATION_SQRT[j][i] / maxNorm));
}

/** Number of non-negative horizontal frequencies a real signal of length w has. */
export function halfSpectrumWidth(w: number): number {
  return Math.floor(w / 2) + 1;
}

/**
 * Frequency magnitude of each coefficient [ky][kx] (cycles per pixel), as numpy's fftfreq:
 * ky over the full height (negative frequencies in the upper half), kx over the half width.
 */
export function spectrumFrequencies(h: number, w: number): Float32Array {
  const fw = halfSpectrumWidth(w);
  const freqs = new Float32Array(h * fw);
  for (let ky = 0; ky < h; ky++) {
    const fy = (ky <= (h - 1) / 2 ? ky : ky - h) / h;
    for (let kx = 0; kx < fw; kx++) freqs[ky * fw + kx] = Math.hypot(fy, kx / w);
  }
  return freqs;
}

/**
 * The bases of the inverse real 2-D DFT, numpy's `irfft2(X, s=(h, w))`:
 * x[y, x] = 1/(h w) Σ_ky Σ_kx c_kx Re(X[ky, kx] e^{2πi (ky y / h + kx x / w)}), with c = 1 for the
 * DC and Nyquist columns (whose imaginary parts drop out, as in irfft) and 2 for the others.
 *
 * - `columns` [2h, 2h]: [Re X(ky) | Im X(ky)] -> [Re Z(y) | Im Z(y)], the complex inverse DFT
 *   along the height, Z = (1/h) Σ_ky X e^{2πi ky y / h}: [[C, S], [-S, C]] / h.
 * - `rows` [2 fw, w]: [Re Z(kx) ; Im Z(kx)] -> x, the real inverse along the width:
 *   [[c cos], [-c sin]] / w.
 */
export function inverseRealDftBases(
  h: number,
  w: number,
): { columns: Float32Array; rows: Float32Array } {
  const fw = halfSpectrumWidth(w);
  const columns = new Float32Array(4 * h * h);
  for (let ky = 0; ky < h; ky++) {
    for (let y = 0; y < h; y++) {
      // The angle modulo 2π from the integer product keeps large sizes exact.
      const angle = (2 * Math.PI * ((ky * y) % h)) / h;
      const c = Math.cos(angle) / h;
      const s = Math.sin(angle) / h;
      columns[ky * 2 * h + y] = c; // Re -> Re
      columns[ky * 2 * h + h + y] = s; // Re -> Im
      columns[(h + ky) * 2 * h + y] = -s; // Im -> Re
      columns[(h + ky) * 2 * h + h + y] = c; // Im -> Im
    }
  }
  const rows = new Float32Array(2 * fw * w);
  for (let kx = 0; kx < fw; kx++) {
    const weight = kx === 0 || 2 * kx === w ? 1 : 2;
    for (let x = 0; x < w; x++) {
      const angle = (2 * Math.PI * ((kx * x) % w)) / w;
      rows[kx * w + x] = (weight * Math.cos(angle)) / w;
      rows[(fw + kx) * w + x] = (-weight * Math.sin(angle)) / w;
    }
  }
  return { columns, rows };
}

/**
 * a x B for a constant B, with B's transpose given: tfjs differentiates matMul(a, B) into
 * matMul(dy, B, false, true), and transposed products run about 10x slower than plain ones on
 * the wasm backend (470 ms against 44 ms for [1356, 448] x [448, 448]).
 */
export function matMulConstant(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  bTransposed: tf.Tensor2D,
): tf.Tensor2D {
  const product = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    (args[1] as tf.GradSaveFunc)([bTransposed]);
    return {
      value: tf.matMul(args[0] as tf.Tensor2D, b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.matMul(dy as tf.Tensor2D, saved[0] as tf.Tensor2D),
    };
  });
  return product(a) as tf.Tensor2D;
}

export interface DftBases {
  columns: tf.Tensor2D;
  columnsT: tf.Tensor2D;
  rows: tf.Tensor2D;
  rowsT: tf.Tensor2D;
}

/** The bases of inverseRealDftBases as tensors, with their transposes (see matMulConstant). */
export function dftBaseTensors(h: number, w: number): DftBases {
  const { columns, rows } = inverseRealDftBases(h, w);
  const fw = halfSpectrumWidth(w);
  return tf.tidy(() => {
    const c = tf.tensor2d(columns, [2 * h, 2 * h]);
    const r = tf.tensor2d(rows, [2 * fw, w]);
    return { columns: c, columnsT: tf.transpose(c), rows: r, rowsT: tf.transpose(r) };
  });
}

/**
 * Batched inverse real 2-D DFT. `spectra` [B, fw, 2h]: for each of B signals and each
 * horizontal frequency kx, the real parts over ky then the imaginary parts. Returns [B, h, w].
 */
export function inverseRealDft2d(
  spectra: tf.Tensor3D,
  bases: DftBases,
  h: number,
  w: number,
): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, fw] = spectra.shape;
    // Along the height: [B fw, 2h] x [2h, 2h] -> [B, fw, (re|im), h].
    const z = matMulConstant(tf.reshape(spectra, [b * fw, 2 * h]), bases.columns, bases.columnsT);
    // (re|im, kx) becomes the contracted axis: [B, h, (re|im), fw].
    const zt = tf.transpose(tf.reshape(z, [b, fw, 2, h]), [0, 3, 2, 1]);
    const x = matMulConstant(tf.reshape(zt, [b * h, 2 * fw]), bases.rows, bases.rowsT);
    return tf.reshape(x, [b, h, w]) as tf.Tensor3D;
  });
}

/**
 * Lucid's decorrelated parameterisation. Parameters [N C, fw, 2h] (Fourier coefficients, real
 * then imaginary over ky, per horizontal frequency kx). image = sigmoid(colour(irfft2d(P · s)/4)),
 * s = sqrt(h w) / max(f, 1/max(h, w))^decay — the constants of Lucid's fft_image, so that an
 * initial scale of 0.01 gives the same faint smooth noise as there.
 */
export function decorrelatedParameterization(
  imageShape: [number, number, number, number],
  options: ParameterizationOptions = {},
): ImageParameterization {
  const [n, h, w, c] = imageShape;
  const initScale = options.initScale ?? 0.01;
  const decayPower = options.decayPower ?? 1;
  const useColour = c === 3 && (options.decorrelateColour ?? true);
  const fw = halfSpectrumWidth(w);
  const freqs = spectrumFrequencies(h, w);
  const scale = new Float32Array(fw * 2 * h);
  const floor = 1 / Math.max(h, w);
  for (let kx = 0; kx < fw; kx++) {
    for (let ky = 0; ky < h; ky++) {
      const s = Math.sqrt(h * w) / Math.pow(Math.max(freqs[ky * fw + kx], floor), decayPower) / 4;
      scale[kx * 2 * h + ky] = s;
      scale[kx * 2 * h + h + ky] = s;
    }
  }
  const bases = dftBaseTensors(h, w);
  const colour = useColour ? tf.tensor2d(colourDecorrelationMatrix()) : null;
  const constants = {
    scale: tf.tensor3d(scale, [1, fw, 2 * h]),
    colour,
    colourT: colour ? tf.transpose(colour) : null,
  };
  let disposed = false;
  return {
    name: 'decorrelated',
    imageShape,
    init: (seed) => perImage(n, [c, fw, 2 * h], initScale, seed),
    render: (p) =>
      tf.tidy(() => {
        if (disposed) {
          throw new ExplainError(
            'bad-argument',
            'Internal error: the image parameterisation was freed.',
          );
        }
        const planes = inverseRealDft2d(tf.mul(p, constants.scale) as tf.Tensor3D, bases, h, w);
        let images = tf.transpose(tf.reshape(planes, [n, c, h, w]), [0, 2, 3, 1]);
        if (constants.colour && constants.colourT) {
          const flat = tf.reshape(images, [n * h * w, 3]) as tf.Tensor2D;
          images = tf.reshape(matMulConstant(flat, constants.colour, constants.colourT), [
            n,
            h,
            w,
            3,
          ]);
        }
        return tf.sigmoid(images) as tf.Tensor4D;
      }),
    dispose: () => {
      if (disposed) return;
      disposed = true;
      tf.dispose([constants.scale, bases.columns, bases.columnsT, bases.rows, bases.rowsT]);
      if (constants.colour) tf.dispose([constants.colour, constants.colourT as tf.Tensor]);
    },
  };
}

export function createParameterization(
  name: ParameterizationName,
  imageShape: [number, number, number, number],
  options: ParameterizationOptions = {},
): ImageParameterization {
  if (name === 'pixels') return pixelParameterization(imageShape, options);
  if (name === 'decorrelated') return decorrelatedParameterization(imageShape, options);
  throw new ExplainError(
    'bad-argument',
    `Unknown image parameterisation "${String(name)}": use "pixels" or "decorrelated".`,
  );
}
