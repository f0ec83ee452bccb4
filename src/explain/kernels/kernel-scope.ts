/**
 * Calls the kernels tfjs-backend-wasm ships from inside a composite kernel, and frees every
 * intermediate the composite made, on success and on error.
 */
import {
  getKernel,
  type KernelBackend,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { WasmKernelError } from './kernel-error';

export type Paddings4D = [[number, number], [number, number], [number, number], [number, number]];

export class WasmKernelScope {
  private readonly intermediates: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    /** The composite kernel being computed, for error messages. */
    readonly owner: string,
  ) {}

  /** Runs a shipped wasm kernel; its result is freed with the scope unless released. */
  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: object = {}): TensorInfo {
    const out = this.runDetached(kernelName, inputs, attrs);
    this.intermediates.push(out);
    return out;
  }

  /** Makes the scope free `t`, a tensor made outside it (e.g. written on the wasm heap). */
  adopt(t: TensorInfo): TensorInfo {
    this.intermediates.push(t);
    return t;
  }

  /** Hands `result` to the caller: it is no longer freed with the scope. */
  release(result: TensorInfo): TensorInfo {
    const i = this.intermediates.indexOf(result);
    if (i < 0) {
      // An input: the engine must get its own reference, never a borrowed one.
      return this.runDetached('Reshape', { x: result }, { shape: result.shape });
    }
    this.intermediates.splice(i, 1);
    return result;
  }

  disposeAll(): void {
    for (const t of this.intermediates) this.backend.disposeData(t.dataId);
    this.intermediates.length = 0;
  }

  // Thin wrappers over the shipped kernels, named like the tfjs ops they implement.

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }

  pad(x: TensorInfo, paddings: Array<[number, number]>, constantValue = 0): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  sum(x: TensorInfo, axis: number[], keepDims = false): TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims });
  }

  batchMatMul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
    return this.run('BatchMatMul', { a, b }, { transposeA, transposeB });
  }

  /** A tensor made from JavaScript values, freed with the scope. */
  constant(
    values: Float32Array | Int32Array,
    shape: number[],
    dtype: 'float32' | 'int32' = 'float32',
  ): TensorInfo {
    const out = { dataId: this.backend.write(values, shape, dtype), shape, dtype };
    this.intermediates.push(out);
    return out;
  }

  /**
   * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor.
   * Returns `x` itself when there is nothing to do.
   */
  padOrCropSpatial(
    x: TensorInfo,
    [top, bottom]: [number, number],
    [left, right]: [number, number],
    constantValue = 0,
  ): TensorInfo {
    let out = x;
    const crop = [Math.max(0, -top), Math.max(0, -bottom), Math.max(0, -left), Math.max(0, -right)];
    if (crop.some((c) => c > 0)) {
      const [n, h, w, c] = out.shape;
      out = this.slice(
        out,
        [0, crop[0], crop[2], 0],
        [n, h - crop[0] - crop[1], w - crop[2] - crop[3], c],
      );
    }
    const grow: Array<[number, number]> = [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ];
    if (grow.some(([a, b]) => a > 0 || b > 0)) out = this.pad(out, grow, constantValue);
    return out;
  }

  private runDetached(
    kernelName: string,
    inputs: Record<string, TensorInfo>,
    attrs: object,
  ): TensorInfo {
    const kernel = getKernel(kernelName, 'wasm');
    if (kernel == null) {
      throw new WasmKernelError(
        'missing-kernel',
        'The wasm backend is missing a kernel this gradient is built from.',
        `${this.owner} needs the wasm kernel '${kernelName}', which is not registered.`,
      );
    }
    return kernel.kernelFunc({
      inputs,
      backend: this.backend,
      attrs: attrs as NamedAttrMap,
    }) as TensorInfo;
  }
}

/** Runs `body` in a scope; everything but the returned tensor is freed, also on errors. */
export function inScope(
  // A kernel function receives its backend untyped.
  backend: object,
  owner: string,
  body: (scope: WasmKernelScope) => TensorInfo,
): TensorInfo {
  const scope = new WasmKernelScope(backend as KernelBackend, owner);
  try {
    return scope.release(body(scope));
  } finally {
    scope.disposeAll();
  }
}
