/**
 * DepthwiseConv2dNative gradients for the wasm backend (both missing in tfjs-backend-wasm 4.22),
 * built from its XNNPACK depthwise conv.
 * - input gradient: a depthwise conv of the spread dy with the flipped filter, one channel per
 *   (channel, multiplier) pair, then a sum over the multiplier;
 * - filter gradient: one depthwise conv in which dy is the filter. x becomes a single image whose
 *   channels are (batch, channel) pairs, dy a [outH, outW, batch * channel, multiplier] filter;
 *   the forward op's stride becomes the dilation and its dilation the stride, so the result is
 *   [kh, kw] per pair, summed over the batch.
 */
import {
  backend_util,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { assertFloat32, assertShape } from './kernel-error';
import { inScope } from './kernel-scope';
import { forwardWindowPlacement, spreadForInputGradient } from './window-geometry';

const depthwiseBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { inputShape, strides, dilations, pad, dimRoundingMode } =
    attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  assertFloat32(DepthwiseConv2dNativeBackpropInput, dy, filter);
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  assertShape(DepthwiseConv2dNativeBackpropInput, 'dy', dy.shape, info.outShape);
  const [kh, kw, channels, multiplier] = filter.shape;
  return inScope(backend, DepthwiseConv2dNativeBackpropInput, (scope) => {
    const spread = spreadForInputGradient(scope, dy, info);
    // Output channel c * multiplier + m of the forward op used filter[:, :, c, m].
    const flipped = scope.reshape(scope.reverse(filter, [0, 1]), [
      kh,
      kw,
      channels * multiplier,
      1,
    ]);
    const perOutputChannel = scope.run(
      'DepthwiseConv2dNative',
      { x: spread.x, filter: flipped },
      { strides: [1, 1], pad: spread.pad, dilations: [info.dilationHeight, info.dilationWidth] },
    );
    if (multiplier === 1) return perOutputChannel;
    const [n, h, w] = perOutputChannel.shape;
    return scope.sum(scope.reshape(perOutputChannel, [n, h, w, channels, multiplier]), [4]);
  });
};

const depthwiseBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { filterShape, strides, dilations, pad, dimRoundingMode } =
    attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  assertFloat32(DepthwiseConv2dNativeBackpropFilter, x, dy);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  assertShape(DepthwiseConv2dNativeBackpropFilter, 'dy', dy.shape, info.outShape);
  const [kh, kw, channels, multiplier] = filterShape;
  const { batchSize, outHeight, outWidth } = info;
  return inScope(backend, DepthwiseConv2dNativeBackpropFilter, (scope) => {
    const placed = forwardWindowPlacement(scope, x, info);
    const [, rows, cols] = placed.x.shape;
    const pairs = scope.reshape(scope.transpose(placed.x, [1, 2, 0, 3]), [
      1,
      rows,
      cols,
      batchSize * channels,
    ]);
    const dyAsFilter = scope.reshape(scope.transpose(dy, [1, 2, 0, 3]), [
      outHeight,
      outWidth,
      batchSize * channels,
      multiplier,
    ]);
    const perPair = scope.run(
      'DepthwiseConv2dNative',
      { x: pairs, filter: dyAsFilter },
      {
        strides: [info.dilationHeight, info.dilationWidth],
        dilations: [info.strideHeight, info.strideWidth],
        pad: placed.pad,
      },
    );
    const summed = scope.sum(
      scope.reshape(perPair, [kh * kw, batchSize, channels * multiplier]),
      [1],
    );
    return scope.reshape(summed, filterShape);
  });
};

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput,
};

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter,
};
