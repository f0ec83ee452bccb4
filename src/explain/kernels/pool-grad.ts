/**
 * Pooling gradients for the wasm backend, each one pass over the wasm heap (see wasm-heap.ts).
 * - MaxPoolGrad: the shipped kernel is slow and wrong in two ways: on ties it credits the LAST
 *   maximum of a window (the cpu backend and TensorFlow credit the FIRST, in row-major order;
 *   ReLU outputs tie all the time), and a window whose maximum is <= 0 credits element 0 of the
 *   whole tensor (its running maximum starts at FLT_MIN). Here each window's first strict maximum
 *   among in-bounds elements takes dy, exactly as the cpu backend's maxPoolPositions: padding,
 *   NaN and -Infinity never take a gradient.
 * - AvgPoolGrad: dy / (kh * kw) added to every in-bounds element of its window (the cpu backend
 *   divides by the full window size, padding included).
 */
import {
  AvgPoolGrad,
  backend_util,
  MaxPoolGrad,
  type AvgPoolGradAttrs,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { assertFloat32, assertShape } from './kernel-error';
import { writeFloat32Output } from './wasm-heap';

/**
 * Writes into `taps` the flat offset (channel 0) of every element of window (i, j) of image b
 * that lies inside the input, in row-major order, and returns how many there are.
 */
function windowTaps(
  info: backend_util.Conv2DInfo,
  b: number,
  i: number,
  j: number,
  taps: Int32Array,
): number {
  const { inHeight, inWidth, inChannels } = info;
  const r0 = i * info.strideHeight - info.padInfo.top;
  const c0 = j * info.strideWidth - info.padInfo.left;
  let count = 0;
  for (let r = Math.max(0, r0); r < Math.min(inHeight, r0 + info.filterHeight); r++) {
    for (let c = Math.max(0, c0); c < Math.min(inWidth, c0 + info.filterWidth); c++) {
      taps[count++] = ((b * inHeight + r) * inWidth + c) * inChannels;
    }
  }
  return count;
}

const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input: x } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  assertFloat32(MaxPoolGrad, dy, x);
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  assertShape(MaxPoolGrad, 'dy', dy.shape, info.outShape);
  const { batchSize, inChannels: channels, outHeight, outWidth } = info;
  return writeFloat32Output(backend, MaxPoolGrad, x.shape, [x, dy], (dx, xs, dys) => {
    dx.fill(0);
    const taps = new Int32Array(info.filterHeight * info.filterWidth);
    let dyAt = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let i = 0; i < outHeight; i++) {
        for (let j = 0; j < outWidth; j++) {
          const count = windowTaps(info, b, i, j, taps);
          for (let ch = 0; ch < channels; ch++) {
            let best = -Infinity;
            let bestAt = -1;
            for (let t = 0; t < count; t++) {
              const at = taps[t] + ch;
              // Strictly greater: the first maximum wins; NaN and -Infinity never do.
              if (xs[at] > best) {
                best = xs[at];
                bestAt = at;
              }
            }
            if (bestAt >= 0) dx[bestAt] += dys[dyAt + ch];
          }
          dyAt += channels;
        }
      }
    }
  });
};

const avgPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input: x } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad } = attrs as unknown as AvgPoolGradAttrs;
  assertFloat32(AvgPoolGrad, dy);
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
  );
  assertShape(AvgPoolGrad, 'dy', dy.shape, info.outShape);
  const { batchSize, inChannels: channels, outHeight, outWidth } = info;
  const share = 1 / (info.filterHeight * info.filterWidth);
  return writeFloat32Output(backend, AvgPoolGrad, x.shape, [dy], (dx, dys) => {
    dx.fill(0);
    const taps = new Int32Array(info.filterHeight * info.filterWidth);
    let dyAt = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let i = 0; i < outHeight; i++) {
        for (let j = 0; j < outWidth; j++) {
          const count = windowTaps(info, b, i, j, taps);
          for (let t = 0; t < count; t++) {
            const base = taps[t];
            for (let ch = 0; ch < channels; ch++) dx[base + ch] += dys[dyAt + ch];
          }
          dyAt += channels;
        }
      }
    }
    // Sum first, scale once: the cpu backend's order of operations.
    for (let k = 0; k < dx.length; k++) dx[k] *= share;
  });
};

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad,
};

export const avgPoolGradConfig: KernelConfig = {
  kernelName: AvgPoolGrad,
  backendName: 'wasm',
  kernelFunc: avgPoolGrad,
};
