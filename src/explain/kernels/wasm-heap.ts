/**
 * Direct access to tensors in the wasm backend's heap, for the kernels that only move data.
 * tfjs-backend-wasm 4.22 runs its data-movement kernels (StridedSlice, rank-5/6 Transpose, Tile,
 * ScatterNd, broadcasting int ops) at roughly 100 ns per element, so a pooling gradient composed
 * from them was slower than the loop it replaces. A single pass over the heap in JavaScript, as
 * the backend's own Slice and Cast kernels do, is several times faster. Data never leaves the
 * wasm heap and nothing runs on the cpu backend.
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';
import { WasmKernelError } from './kernel-error';

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function asHeapBackend(backend: object, kernelName: string): WasmHeapBackend {
  const candidate = backend as unknown as Partial<WasmHeapBackend>;
  if (
    typeof candidate.makeOutput !== 'function' ||
    typeof candidate.typedArrayFromHeap !== 'function'
  ) {
    throw new WasmKernelError(
      'missing-kernel',
      'This gradient kernel only runs on the wasm backend.',
      `${kernelName} was called with a backend that has no wasm heap.`,
    );
  }
  return candidate as WasmHeapBackend;
}

/**
 * Allocates a float32 output and hands `fill` views of it and of the inputs. Views are taken
 * after the allocation, because growing the wasm memory detaches earlier views; `fill` must not
 * allocate wasm tensors itself.
 */
export function writeFloat32Output(
  // A kernel function receives its backend untyped.
  backend: object,
  kernelName: string,
  shape: number[],
  inputs: TensorInfo[],
  fill: (out: Float32Array, ...inputs: Float32Array[]) => void,
): TensorInfo {
  const heap = asHeapBackend(backend, kernelName);
  const out = heap.makeOutput(shape, 'float32');
  const outView = heap.typedArrayFromHeap(out) as Float32Array;
  const inputViews = inputs.map((t) => heap.typedArrayFromHeap(t) as Float32Array);
  fill(outView, ...inputViews);
  return out;
}
