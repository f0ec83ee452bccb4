/**
 * UnsortedSegmentSum for the wasm backend (missing in tfjs-backend-wasm 4.22): it is the gradient
 * of tf.gather, so picking a class score or sampling a flattened image needs it. Built on
 * ScatterNd, which adds up rows sent to the same segment. Ids outside [0, numSegments) are
 * dropped, as the cpu backend does, by sending them to an extra row that is cut off.
 * Segment ids must be 1-D (one per row of x), which is what the gradient of gather produces.
 */
import {
  UnsortedSegmentSum,
  util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';
import { WasmKernelError } from './kernel-error';
import { inScope } from './kernel-scope';

const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
    throw new WasmKernelError(
      'unsupported-shape',
      'The wasm backend sums segments given by one id per row only.',
      `${UnsortedSegmentSum}: x has shape [${x.shape}], segmentIds [${segmentIds.shape}].`,
    );
  }
  const rows = x.shape[0];
  const inner = util.sizeFromShape(x.shape.slice(1));
  return inScope(backend, UnsortedSegmentSum, (scope) => {
    const inRange = scope.run('LogicalAnd', {
      a: scope.run('GreaterEqual', {
        a: segmentIds,
        b: scope.constant(Int32Array.of(0), [], 'int32'),
      }),
      b: scope.run('Less', {
        a: segmentIds,
        b: scope.constant(Int32Array.of(numSegments), [], 'int32'),
      }),
    });
    const dropRow = scope.run('Fill', {}, { shape: [rows], value: numSegments, dtype: 'int32' });
    const segment = scope.run('Select', { condition: inRange, t: segmentIds, e: dropRow });
    const summed = scope.run(
      'ScatterNd',
      { indices: scope.reshape(segment, [rows, 1]), updates: scope.reshape(x, [rows, inner]) },
      { shape: [numSegments + 1, inner] },
    );
    const kept = scope.slice(summed, [0, 0], [numSegments, inner]);
    return scope.reshape(kept, [numSegments, ...x.shape.slice(1)]);
  });
};

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
