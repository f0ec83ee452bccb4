/**
 * Conv2D gradients for the wasm backend, built from its XNNPACK Conv2D.
 * - input gradient: a forward conv of the spread dy with the filter flipped and its in/out
 *   channels swapped (the shipped Conv2DBackpropInput is a plain loop, ~10x slower);
 * - filter gradient (missing in tfjs-backend-wasm 4.22): one conv in which the batch plays the
 *   channels: x as [inC, H, W, batch] correlated with dy as a [outH, outW, batch, outC] "filter"
 *   dilated by the stride gives [inC, kh, kw, outC].
 */
import {
  backend_util,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { assertChannelsLast, assertFloat32, assertShape } from './kernel-error';
import { inScope } from './kernel-scope';
import { forwardWindowPlacement, spreadForInputGradient } from './window-geometry';

/** Up to this many rows, a matmul without XNNPACK's weight packing is faster (measured). */
const FEW_ROWS = 8;

/** A 1x1 conv with stride 1 and no padding: a matrix product per pixel. */
function isPlainPointwise(info: backend_util.Conv2DInfo): boolean {
  return (
    info.filterHeight === 1 &&
    info.filterWidth === 1 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.outHeight === info.inHeight &&
    info.outWidth === info.inWidth &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0
  );
}

const conv2DBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } =
    attrs as unknown as Conv2DBackpropInputAttrs;
  assertChannelsLast(Conv2DBackpropInput, dataFormat);
  assertFloat32(Conv2DBackpropInput, dy, filter);
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  assertShape(Conv2DBackpropInput, 'dy', dy.shape, info.outShape);
  return inScope(backend, Conv2DBackpropInput, (scope) => {
    const rows = info.batchSize * info.inHeight * info.inWidth;
    if (isPlainPointwise(info) && rows <= FEW_ROWS) {
      // dx = dy x filter^T. XNNPACK packs the new (flipped) filter on every call, ~10 ms for a
      // 1000-class 1x1 head; for a few rows (a CAM head after global pooling) a matmul with a
      // transposed operand, which skips XNNPACK, is ~10x faster. With many rows the conv wins.
      const product = scope.batchMatMul(
        scope.reshape(dy, [1, rows, info.outChannels]),
        scope.reshape(filter, [1, info.inChannels, info.outChannels]),
        false,
        true,
      );
      return scope.reshape(product, inputShape);
    }
    const spread = spreadForInputGradient(scope, dy, info);
    const flipped = scope.transpose(scope.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    return scope.run(
      'Conv2D',
      { x: spread.x, filter: flipped },
      { strides: [1, 1], pad: spread.pad, dataFormat: 'NHWC', dilations: [1, 1] },
    );
  });
};

const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { filterShape, strides, pad, dataFormat, dimRoundingMode } =
    attrs as unknown as Conv2DBackpropFilterAttrs;
  assertChannelsLast(Conv2DBackpropFilter, dataFormat);
  assertFloat32(Conv2DBackpropFilter, x, dy);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  assertShape(Conv2DBackpropFilter, 'dy', dy.shape, info.outShape);
  const { strideHeight: sh, strideWidth: sw } = info;
  const { inHeight, inWidth, batchSize, inChannels, outChannels } = info;

  return inScope(backend, Conv2DBackpropFilter, (scope) => {
    if (isPlainPointwise(info)) {
      // Pointwise conv (most of MobileNet): one x^T dy product. The wasm matmul uses XNNPACK only
      // without transpose flags, so x is transposed explicitly.
      const rows = batchSize * inHeight * inWidth;
      const xT = scope.transpose(scope.reshape(x, [rows, inChannels]), [1, 0]);
      const product = scope.batchMatMul(
        scope.reshape(xT, [1, inChannels, rows]),
        scope.reshape(dy, [1, rows, outChannels]),
        false,
        false,
      );
      return scope.reshape(product, filterShape);
    }
    // The forward conv's rows, as a conv whose output is [inC, kh, kw, outC]: exactly
    // (outH - 1) * stride + kh padded rows, so the dy "filter" dilated by the stride fits kh times.
    const placed = forwardWindowPlacement(scope, scope.transpose(x, [3, 1, 2, 0]), info);
    const dyAsFilter = scope.transpose(dy, [1, 2, 0, 3]);
    const grad = scope.run(
      'Conv2D',
      { x: placed.x, filter: dyAsFilter },
      { strides: [1, 1], pad: placed.pad, dataFormat: 'NHWC', dilations: [sh, sw] },
    );
    return scope.transpose(grad, [1, 2, 0, 3]);
  });
};

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput,
};

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter,
};
