/**
 * The program's ops as direct calls of the backend's kernels, for runs that no gradient tape
 * records and no profiler watches (inference, the forward half of a CAM). A tfjs op does a lot
 * of work around its kernel: argument conversion and checks, a custom-gradient wrapper for every
 * fused convolution, engine bookkeeping of every intermediate tensor. Measured here on the
 * pothole model (29 kernels), a run through ops took 1.3x the time of the same kernels called
 * directly. Intermediates are backend buffers freed after their last reader; only the wanted
 * outputs become tensors. Opaque nodes (the model's own layers) need real tensors, so a plan
 * with one runs as ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { IrOp } from './ir';

type Info = tf.TensorInfo;

interface KernelBackend {
  disposeData(dataId: object, force?: boolean): boolean;
}

const ACTIVATION_KERNELS: Record<string, string> = {
  relu: 'Relu',
  relu6: 'Relu6',
  elu: 'Elu',
  selu: 'Selu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  leakyrelu: 'LeakyRelu',
  softmax: 'Softmax',
};

const BINARY_KERNELS: Record<string, string> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Multiply',
  div: 'RealDiv',
  minimum: 'Minimum',
  maximum: 'Maximum',
};

/** Whether the op has a direct form here (everything but opaque nodes and identities). */
export function hasDirectForm(op: IrOp): boolean {
  return op.kind !== 'opaque' && op.kind !== 'identity';
}

/** Runs ops as kernels on one backend; `free` releases a buffer made by `run`. */
export class DirectKernels {
  private readonly backendName = tf.getBackend();
  private readonly backend = tf.backend() as unknown as KernelBackend;

  /** False when a kernel the program needs is not registered for this backend. */
  static available(): boolean {
    const name = tf.getBackend();
    return ['FusedConv2D', 'FusedDepthwiseConv2D', '_FusedMatMul', 'Reshape', 'Mean'].every(
      (k) => tf.getKernel(k, name) !== undefined,
    );
  }

  private kernel(name: string, inputs: Record<string, Info | undefined>, attrs: object): Info {
    const config = tf.getKernel(name, this.backendName);
    if (!config) throw new Error(`no ${name} kernel for ${this.backendName}`);
    return config.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      backend: this.backend as unknown as tf.KernelBackend,
      attrs: attrs as tf.NamedAttrMap,
    }) as Info;
  }

  free(info: Info): void {
    this.backend.disposeData(info.dataId);
  }

  /** A tensor that owns `info` (the engine frees the buffer when the tensor is disposed). */
  adopt(info: Info): tf.Tensor {
    return tf.engine().makeTensorFromTensorInfo(info, this.backend as unknown as tf.KernelBackend);
  }

  private reshape(x: Info, shape: number[]): Info {
    return this.kernel('Reshape', { x }, { shape });
  }

  run(op: IrOp, inputs: Info[]): Info {
    const [x] = inputs;
    switch (op.kind) {
      case 'conv2d':
      case 'depthwise':
        return this.kernel(
          op.kind === 'conv2d' ? 'FusedConv2D' : 'FusedDepthwiseConv2D',
          { x, filter: op.filter, bias: op.bias },
          {
            strides: op.strides,
            pad: op.pad,
            dataFormat: 'NHWC',
            dilations: op.dilations,
            activation: op.activation,
            leakyreluAlpha: op.leakyAlpha,
          },
        );
      case 'matMul': {
        // The kernel multiplies batches of matrices: [1, m, k] x [1, k, n], as tf.matMul calls it.
        const a = this.reshape(x, [1, ...x.shape]);
        const b = this.reshape(op.weights, [1, ...op.weights.shape]);
        const product = this.kernel(
          '_FusedMatMul',
          { a, b, bias: op.bias },
          {
            transposeA: op.transposeA,
            transposeB: op.transposeB,
            activation: op.activation,
            leakyreluAlpha: op.leakyAlpha,
          },
        );
        const out = this.reshape(product, product.shape.slice(1));
        [a, b, product].forEach((t) => this.free(t));
        return out;
      }
      case 'affine': {
        let y = x;
        if (op.scale) y = this.kernel('Multiply', { a: y, b: op.scale }, {});
        if (op.offset) {
          const shifted = this.kernel('Add', { a: y, b: op.offset }, {});
          if (y !== x) this.free(y);
          y = shifted;
        }
        return y === x ? this.reshape(x, x.shape) : y;
      }
      case 'activation': {
        const name = ACTIVATION_KERNELS[op.activation];
        if (!name) return this.reshape(x, x.shape); // linear
        const attrs = op.activation === 'softmax' ? { dim: -1 } : { alpha: op.alpha ?? 0.2 };
        return this.kernel(name, { x }, attrs);
      }
      case 'mean':
        return this.kernel('Mean', { x }, { axis: op.axes, keepDims: op.keepDims });
      case 'reshape':
        return this.reshape(x, op.shape[0] === -1 ? [x.shape[0], ...op.shape.slice(1)] : op.shape);
      case 'squeeze':
        return this.reshape(
          x,
          x.shape.filter((d, i) => (op.axes.length ? !op.axes.includes(i) : d !== 1)),
        );
      case 'pool':
        return this.kernel(
          op.type === 'max' ? 'MaxPool' : 'AvgPool',
          { x },
          { filterSize: op.size, strides: op.strides, pad: op.pad },
        );
      case 'pad':
        return this.kernel(
          'PadV2',
          { x },
          { paddings: [[0, 0], ...op.spatial, [0, 0]], constantValue: 0 },
        );
      case 'binary': {
        const [a, b] =
          op.constant === undefined
            ? [inputs[0], inputs[1]]
            : op.constantIndex === 0
              ? [op.constant, x]
              : [x, op.constant];
        return this.kernel(BINARY_KERNELS[op.op], { a, b }, {});
      }
      case 'opaque':
      case 'identity':
        throw new Error(`${op.kind} ops run as tfjs ops`);
    }
  }
}
