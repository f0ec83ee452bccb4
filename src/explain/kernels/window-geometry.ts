/**
 * Geometry shared by the backprop kernels: every gradient of a sliding-window op (conv, depthwise
 * conv, pooling) that maps dy back onto the input grid is a stride-1 correlation of a "spread" dy
 * (zeros inserted between its rows and columns for strides > 1, margins added or cropped) with the
 * window flipped. This builds that spread tensor, and places the forward op's windows for the
 * filter gradients.
 */
import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import type { Paddings4D, WasmKernelScope } from './kernel-scope';
import { writeFloat32Output } from './wasm-heap';

/**
 * Inserts stride - 1 zeros after every row and column of an NHWC tensor: [n, h*sh, w*sw, c].
 * A copy on the wasm heap: the shipped rank-5 PadV2 that does the same is several times slower.
 */
export function insertZeros(
  scope: WasmKernelScope,
  x: TensorInfo,
  sh: number,
  sw: number,
): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const spaced = writeFloat32Output(
    scope.backend,
    scope.owner,
    [n, h * sh, w * sw, c],
    [x],
    (out, xs) => {
      out.fill(0);
      const rowLength = w * sw * c;
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < h; i++) {
          let from = (b * h + i) * w * c;
          let to = (b * h + i) * sh * rowLength;
          for (let j = 0; j < w; j++) {
            out.set(xs.subarray(from, from + c), to);
            from += c;
            to += sw * c;
          }
        }
      }
    },
  );
  return scope.adopt(spaced);
}

/**
 * The forward op's window placement as explicit padding of a floor-rounded op: the rows it read
 * run from -padTop to (outH - 1) * stride + effective filter height - padTop. Margins it never
 * read are cropped first (the shipped kernels reject negative padding), and the output count
 * then comes out right for every dimRoundingMode, which the shipped XNNPACK kernels ignore.
 */
export function forwardWindowPlacement(
  scope: WasmKernelScope,
  x: TensorInfo,
  info: backend_util.Conv2DInfo,
): { x: TensorInfo; pad: Paddings4D } {
  const { strideHeight: sh, strideWidth: sw, inHeight, inWidth, outHeight, outWidth } = info;
  const { effectiveFilterHeight: kh, effectiveFilterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const bottom = (outHeight - 1) * sh + kh - inHeight - top;
  const right = (outWidth - 1) * sw + kw - inWidth - left;
  const cropped = scope.padOrCropSpatial(x, [0, Math.min(bottom, 0)], [0, Math.min(right, 0)]);
  return {
    x: cropped,
    pad: [
      [0, 0],
      [top, Math.max(bottom, 0)],
      [left, Math.max(right, 0)],
      [0, 0],
    ],
  };
}

export interface SpreadGradient {
  /** dy with zeros inserted and negative margins already cropped. */
  x: TensorInfo;
  /** Non-negative margins to pass as explicit padding to a stride-1 'valid' correlation. */
  pad: Paddings4D;
}

/**
 * Prepares dy for the transposed correlation that gives the input gradient: a stride-1 correlation
 * of the result with the flipped window (dilated like the forward op) has exactly the input's size.
 * Row r of the input receives dy[i] * w[a] wherever i * stride + a * dilation - padTop = r.
 */
export function spreadForInputGradient(
  scope: WasmKernelScope,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): SpreadGradient {
  const { strideHeight: sh, strideWidth: sw, inHeight, inWidth, outHeight, outWidth } = info;
  const { effectiveFilterHeight: kh, effectiveFilterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const spread = insertZeros(scope, dy, sh, sw);
  const front = kh - 1 - top;
  const back = inHeight + top - outHeight * sh;
  const leftMargin = kw - 1 - left;
  const rightMargin = inWidth + left - outWidth * sw;
  const cropped = scope.padOrCropSpatial(
    spread,
    [Math.min(front, 0), Math.min(back, 0)],
    [Math.min(leftMargin, 0), Math.min(rightMargin, 0)],
  );
  return {
    x: cropped,
    pad: [
      [0, 0],
      [Math.max(front, 0), Math.max(back, 0)],
      [Math.max(leftMargin, 0), Math.max(rightMargin, 0)],
      [0, 0],
    ],
  };
}
