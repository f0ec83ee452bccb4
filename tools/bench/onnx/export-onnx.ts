/**
 * Writes a compiled RoadCAM program (src/explain/compiled) as an ONNX model with the same
 * weights, for the runtime benchmark: convolutions in ONNX's NCHW layout (weights transposed,
 * TensorFlow's 'same' padding made explicit), fused activations as their own nodes (onnxruntime
 * fuses them again), global average pooling, Gemm. The input is NCHW. Programs with a node that
 * has no ONNX form here (an opaque layer) are refused.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConvOp, IrGraph } from '../../../src/explain/compiled/ir';
import {
  encodeModel,
  FLOAT,
  INT64,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from './onnx-proto';

/** Shape of a value as ONNX sees it: NCHW for 4-D, [N, F] for 2-D. */
type Shape = number[];

class OnnxBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private count = 0;

  fresh(base: string): string {
    return `${base}_${this.count++}`;
  }

  constant(base: string, dims: number[], data: Float32Array | BigInt64Array): string {
    const name = this.fresh(base);
    const dataType = data instanceof BigInt64Array ? INT64 : FLOAT;
    this.initializers.push({ name, dims, dataType, data });
    return name;
  }

  node(opType: string, inputs: string[], attributes: OnnxNode['attributes'] = []): string {
    const out = this.fresh(opType.toLowerCase());
    this.nodes.push({ opType, inputs, outputs: [out], attributes });
    return out;
  }
}

function samePads(inSize: number, k: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - inSize, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** [kh, kw, in, out] or depthwise [kh, kw, C, M] as ONNX's [out, in / group, kh, kw]. */
function onnxFilter(op: ConvOp): { data: Float32Array; dims: number[]; group: number } {
  const [kh, kw, c, m] = op.filter.shape;
  const w = op.filter.dataSync();
  const outChannels = op.kind === 'depthwise' ? c * m : m;
  const inPerGroup = op.kind === 'depthwise' ? 1 : c;
  const data = new Float32Array(w.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let a = 0; a < c; a++) {
        for (let b = 0; b < m; b++) {
          const from = ((i * kw + j) * c + a) * m + b;
          const [o, inIndex] = op.kind === 'depthwise' ? [a * m + b, 0] : [b, a];
          data[((o * inPerGroup + inIndex) * kh + i) * kw + j] = w[from];
        }
      }
    }
  }
  return { data, dims: [outChannels, inPerGroup, kh, kw], group: op.kind === 'depthwise' ? c : 1 };
}

function activation(b: OnnxBuilder, x: string, name: string, alpha?: number): string {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return b.node('Relu', [x]);
    case 'relu6':
      return b.node('Clip', [
        x,
        b.constant('zero', [], Float32Array.of(0)),
        b.constant('six', [], Float32Array.of(6)),
      ]);
    case 'sigmoid':
      return b.node('Sigmoid', [x]);
    case 'tanh':
      return b.node('Tanh', [x]);
    case 'elu':
      return b.node('Elu', [x], [{ name: 'alpha', f: 1 }]);
    case 'leakyrelu':
      return b.node('LeakyRelu', [x], [{ name: 'alpha', f: alpha ?? 0.2 }]);
    case 'softmax':
      return b.node('Softmax', [x], [{ name: 'axis', i: 1 }]);
    default:
      throw new Error(`no ONNX form for activation ${name}`);
  }
}

/** Per-channel constant of `shape`'s channel axis (1 for NCHW and [N, F]). */
function channelConstant(b: OnnxBuilder, base: string, t: tf.Tensor, shape: Shape): string {
  const data = Float32Array.from(t.dataSync());
  if (data.length === 1) return b.constant(base, [], data);
  return b.constant(base, shape.length === 4 ? [data.length, 1, 1] : [data.length], data);
}

/** Reshape with NHWC element order: through NHWC when either side is 4-D. */
function reshape(b: OnnxBuilder, x: string, from: Shape, to: number[]): string {
  let v = from.length === 4 ? b.node('Transpose', [x], [{ name: 'perm', ints: [0, 2, 3, 1] }]) : x;
  v = b.node('Reshape', [v, b.constant('shape', [to.length], BigInt64Array.from(to.map(BigInt)))]);
  if (to.length === 4) v = b.node('Transpose', [v], [{ name: 'perm', ints: [0, 3, 1, 2] }]);
  return v;
}

/** The program as an ONNX model for batch 1, input NCHW [1, C, H, W]. */
export function exportOnnx(graph: IrGraph, inputShape: [number, number, number]): Uint8Array {
  const [h, w, c] = inputShape;
  const b = new OnnxBuilder();
  const names = new Map<string, string>([[graph.input, 'input']]);
  const shapes = new Map<string, Shape>([[graph.input, [1, c, h, w]]]);
  for (const node of graph.nodes) {
    const x = names.get(node.inputs[0])!;
    const s = shapes.get(node.inputs[0])!;
    const op = node.op;
    let out: string;
    let shape: Shape;
    switch (op.kind) {
      case 'conv2d':
      case 'depthwise': {
        const [kh, kw] = op.filter.shape;
        const filter = onnxFilter(op);
        const [sh, sw] = op.strides;
        const [dh, dw] = op.dilations;
        const [, , inH, inW] = s;
        let pads: number[];
        if (op.pad === 'valid') pads = [0, 0, 0, 0];
        else if (op.pad === 'same') {
          const [t, bottom] = samePads(inH, kh, sh, dh);
          const [l, r] = samePads(inW, kw, sw, dw);
          pads = [t, l, bottom, r];
        } else pads = [op.pad[1][0], op.pad[2][0], op.pad[1][1], op.pad[2][1]];
        const outH = Math.floor((inH + pads[0] + pads[2] - ((kh - 1) * dh + 1)) / sh) + 1;
        const outW = Math.floor((inW + pads[1] + pads[3] - ((kw - 1) * dw + 1)) / sw) + 1;
        const inputs = [x, b.constant('w', filter.dims, filter.data)];
        if (op.bias)
          inputs.push(b.constant('b', [filter.dims[0]], Float32Array.from(op.bias.dataSync())));
        const conv = b.node('Conv', inputs, [
          { name: 'kernel_shape', ints: [kh, kw] },
          { name: 'strides', ints: [sh, sw] },
          { name: 'dilations', ints: [dh, dw] },
          { name: 'pads', ints: pads },
          { name: 'group', i: filter.group },
        ]);
        out = activation(b, conv, op.activation, op.leakyAlpha);
        shape = [1, filter.dims[0], outH, outW];
        break;
      }
      case 'matMul': {
        if (op.transposeA || s.length !== 2) throw new Error('no ONNX form for this matMul');
        const wData = Float32Array.from(op.weights.dataSync());
        const inputs = [x, b.constant('w', op.weights.shape, wData)];
        if (op.bias)
          inputs.push(b.constant('b', [op.bias.size], Float32Array.from(op.bias.dataSync())));
        const gemm = b.node('Gemm', inputs, [{ name: 'transB', i: op.transposeB ? 1 : 0 }]);
        out = activation(b, gemm, op.activation, op.leakyAlpha);
        shape = [1, op.transposeB ? op.weights.shape[0] : op.weights.shape[1]];
        break;
      }
      case 'affine': {
        out = x;
        if (op.scale) out = b.node('Mul', [out, channelConstant(b, 'scale', op.scale, s)]);
        if (op.offset) out = b.node('Add', [out, channelConstant(b, 'offset', op.offset, s)]);
        shape = s;
        break;
      }
      case 'activation':
        out = activation(b, x, op.activation, op.alpha);
        shape = s;
        break;
      case 'mean': {
        if (s.length !== 4 || [...op.axes].sort().join() !== '1,2') {
          throw new Error('no ONNX form for this mean');
        }
        out = b.node('GlobalAveragePool', [x]);
        shape = [1, s[1], 1, 1];
        if (!op.keepDims) {
          out = b.node('Flatten', [out], [{ name: 'axis', i: 1 }]);
          shape = [1, s[1]];
        }
        break;
      }
      case 'reshape':
      case 'squeeze': {
        const nhwc = s.length === 4 ? [s[0], s[2], s[3], s[1]] : s;
        const target =
          op.kind === 'reshape'
            ? [1, ...op.shape.slice(1)]
            : nhwc.filter((d, i) => (op.axes.length ? !op.axes.includes(i) : d !== 1));
        out = reshape(b, x, s, target);
        shape = target.length === 4 ? [target[0], target[3], target[1], target[2]] : target;
        break;
      }
      default:
        throw new Error(`no ONNX form for ${op.kind} (${node.covers.join(', ')})`);
    }
    names.set(node.id, out);
    shapes.set(node.id, shape);
  }
  const output = names.get(graph.output)!;
  const outShape = shapes.get(graph.output)!;
  const model: OnnxModel = {
    nodes: b.nodes,
    initializers: b.initializers,
    input: { name: 'input', dims: [1, c, h, w] },
    output: { name: output, dims: outShape },
    opset: 13,
  };
  return encodeModel(model);
}
