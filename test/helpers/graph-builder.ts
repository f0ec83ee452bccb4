/**
 * Builds TensorFlow graph models (tfjs-converter format) by hand, for tests: the same JSON a
 * converted SavedModel has (nodes with TF attr encodings), with weights in memory.
 */
import * as tf from '@tensorflow/tfjs-core';

export type AttrValue = number | boolean | string | number[] | string[] | { type: string };

export interface GraphNodeSpec {
  name: string;
  op: string;
  inputs?: string[];
  attrs?: Record<string, AttrValue>;
}

const INT_ATTRS = new Set(['num_args']);
const b64 = (s: string) => Buffer.from(s).toString('base64');

function encodeAttr(key: string, v: AttrValue): object {
  if (typeof v === 'object' && !Array.isArray(v)) return { type: v.type };
  if (typeof v === 'boolean') return { b: v };
  if (typeof v === 'string') return { s: b64(v) };
  if (typeof v === 'number') return INT_ATTRS.has(key) ? { i: String(v) } : { f: v };
  if (v.length && typeof v[0] === 'string') return { list: { s: (v as string[]).map(b64) } };
  return { list: { i: (v as number[]).map(String) } };
}

export class GraphBuilder {
  private readonly nodes: object[] = [];
  private readonly weights: { name: string; shape: number[]; data: Float32Array | Int32Array }[] =
    [];

  placeholder(name: string, shape: number[]): string {
    this.nodes.push({
      name,
      op: 'Placeholder',
      attr: {
        dtype: { type: 'DT_FLOAT' },
        shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } },
      },
    });
    return name;
  }

  const(name: string, value: tf.Tensor): string {
    const dtype = value.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT';
    this.nodes.push({
      name,
      op: 'Const',
      attr: {
        dtype: { type: dtype },
        value: {
          tensor: {
            dtype,
            tensorShape: value.rank ? { dim: value.shape.map((d) => ({ size: String(d) })) } : {},
          },
        },
      },
    });
    this.weights.push({
      name,
      shape: value.shape,
      data: value.dataSync() as Float32Array | Int32Array,
    });
    return name;
  }

  op(spec: GraphNodeSpec): string {
    const attr: Record<string, object> = { T: { type: 'DT_FLOAT' } };
    for (const [k, v] of Object.entries(spec.attrs ?? {})) attr[k] = encodeAttr(k, v);
    this.nodes.push({ name: spec.name, op: spec.op, input: spec.inputs ?? [], attr });
    return spec.name;
  }

  artifacts(): tf.io.ModelArtifacts {
    const specs: tf.io.WeightsManifestEntry[] = this.weights.map((w) => ({
      name: w.name,
      shape: w.shape,
      dtype: w.data instanceof Int32Array ? 'int32' : 'float32',
    }));
    const total = this.weights.reduce((n, w) => n + w.data.byteLength, 0);
    const buffer = new Uint8Array(total);
    let offset = 0;
    for (const w of this.weights) {
      buffer.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), offset);
      offset += w.data.byteLength;
    }
    return {
      modelTopology: { node: this.nodes, library: {}, versions: {} },
      weightSpecs: specs,
      weightData: buffer.buffer,
      format: 'graph-model',
    };
  }
}

export const CONV_ATTRS = {
  strides: [1, 1, 1, 1],
  padding: 'SAME',
  data_format: 'NHWC',
  dilations: [1, 1, 1, 1],
};
