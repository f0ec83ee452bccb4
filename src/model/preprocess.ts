/**
 * Photo -> model input: fit to the model's input size (stretch or centre crop), grey or RGB,
 * normalised as the manifest says. Works on decoded RGBA pixels, so the worker (decoding with
 * createImageBitmap) and Node tools (decoding with sharp) share it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RgbaImage } from '../explain/heatmap/scalar-map';
import type { ModelManifest, Normalization } from './manifest';

export type InputSpec = Pick<ModelManifest['input'], 'width' | 'height' | 'channels' | 'resize'> & {
  normalization: Normalization;
};

/** The crop (in photo pixels) that 'center-crop' takes to match the input's aspect ratio. */
export function inputCrop(
  photo: { width: number; height: number },
  spec: Pick<InputSpec, 'width' | 'height' | 'resize'>,
): { x: number; y: number; width: number; height: number } {
  if (spec.resize !== 'center-crop')
    return { x: 0, y: 0, width: photo.width, height: photo.height };
  const target = spec.width / spec.height;
  const actual = photo.width / photo.height;
  if (actual > target) {
    const width = Math.round(photo.height * target);
    return { x: Math.floor((photo.width - width) / 2), y: 0, width, height: photo.height };
  }
  const height = Math.round(photo.width / target);
  return { x: 0, y: Math.floor((photo.height - height) / 2), width: photo.width, height };
}

/**
 * Normalises RGB pixels in 0..255 (any shape ending in channels) as the manifest says: in the
 * model's channel order, (pixel / 255 - mean) / std, e.g. [-1, 1] for
 * NORMALIZE_MINUS_ONE_TO_ONE. The one definition: the worker (through imageToModelInput),
 * training, evaluation and the tests all use it.
 */
export function normalizePixels<T extends tf.Tensor>(pixels: T, normalization: Normalization): T {
  return tf.tidy(() => {
    const channels = pixels.shape[pixels.rank - 1];
    const pick = (v: number[]) => (v.length === 1 ? v[0] : v.slice(0, channels));
    const mean = tf.tensor(pick(normalization.mean));
    const std = tf.tensor(pick(normalization.std));
    const ordered = isBgr(normalization, channels) ? tf.reverse(pixels, -1) : pixels;
    return tf.div(tf.sub(tf.div(ordered, 255), mean), std) as T;
  });
}

/** Whether a photo's RGB pixels go to the model as BGR (a grey input has no order). */
function isBgr(normalization: Pick<Normalization, 'channelOrder'>, channels: number): boolean {
  return normalization.channelOrder === 'bgr' && channels === 3;
}

/** One photo as a [1, H, W, C] model input. */
export function imageToModelInput(image: RgbaImage, spec: InputSpec): tf.Tensor4D {
  if (image.width === spec.width && image.height === spec.height && spec.channels !== 1) {
    return rgbAtInputSize(image, spec.normalization);
  }
  return tf.tidy(() => {
    const rgba = tf.tensor3d(Int32Array.from(image.data), [image.height, image.width, 4], 'int32');
    const crop = inputCrop(image, spec);
    let rgb = tf.slice(rgba, [crop.y, crop.x, 0], [crop.height, crop.width, 3]);
    if (spec.channels === 1) {
      // ITU-R BT.601 luma, as most grey-scale training pipelines (PIL 'L') compute it.
      rgb = tf.sum(tf.mul(tf.cast(rgb, 'float32'), tf.tensor1d([0.299, 0.587, 0.114])), 2, true);
    }
    const resized = tf.image.resizeBilinear(
      tf.cast(rgb, 'float32') as tf.Tensor3D,
      [spec.height, spec.width],
      false,
      true,
    );
    return tf.expandDims(normalizePixels(resized, spec.normalization), 0) as tf.Tensor4D;
  });
}

/**
 * Pixels already at the input size (the worker fits the photo on a canvas first): RGB taken in
 * one pass, with no int32 copy and no same-size resize, which would return the same values
 * (a bilinear resize at scale 1 with half-pixel centres samples each pixel exactly).
 */
function rgbAtInputSize(image: RgbaImage, normalization: Normalization): tf.Tensor4D {
  const { width, height, data } = image;
  const rgb = new Float32Array(width * height * 3);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    rgb[j] = data[i];
    rgb[j + 1] = data[i + 1];
    rgb[j + 2] = data[i + 2];
  }
  return tf.tidy(() =>
    tf.expandDims(normalizePixels(tf.tensor3d(rgb, [height, width, 3]), normalization), 0),
  ) as tf.Tensor4D;
}
