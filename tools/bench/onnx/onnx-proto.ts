/**
 * The few ONNX protobuf messages a feed-forward CNN needs (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto), written with a minimal protobuf encoder. Field
 * numbers are those of onnx.proto. For the runtime benchmark only: RoadCAM does not ship ONNX.
 */

type Bytes = number[];

function varint(value: number): Bytes {
  if (value < 0 || !Number.isInteger(value)) throw new Error(`varint of ${value}`);
  const out: Bytes = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

const tag = (field: number, wireType: number): Bytes => varint(field * 8 + wireType);
const intField = (field: number, value: number): Bytes => [...tag(field, 0), ...varint(value)];
const bytesField = (field: number, bytes: ArrayLike<number>): Bytes => [
  ...tag(field, 2),
  ...varint(bytes.length),
  ...Array.from(bytes),
];
const stringField = (field: number, s: string): Bytes =>
  bytesField(field, new TextEncoder().encode(s));
function floatField(field: number, value: number): Bytes {
  const b = new Uint8Array(new Float32Array([value]).buffer);
  return [...tag(field, 5), ...b];
}

export const FLOAT = 1;
export const INT64 = 7;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: typeof FLOAT | typeof INT64;
  /** Little-endian values: Float32Array for FLOAT, BigInt64Array for INT64. */
  data: Float32Array | BigInt64Array;
}

export type OnnxAttribute =
  { name: string; f: number } | { name: string; i: number } | { name: string; ints: number[] };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes?: OnnxAttribute[];
}

export interface OnnxModel {
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  input: { name: string; dims: number[] };
  output: { name: string; dims: (number | string)[] };
  opset: number;
}

function tensorProto(t: OnnxTensor): Bytes {
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return [
    ...t.dims.flatMap((d) => intField(1, d)),
    ...intField(2, t.dataType),
    ...stringField(8, t.name),
    ...bytesField(9, raw),
  ];
}

function attributeProto(a: OnnxAttribute): Bytes {
  // AttributeType: FLOAT 1, INT 2, INTS 7.
  if ('f' in a) return [...stringField(1, a.name), ...floatField(2, a.f), ...intField(20, 1)];
  if ('i' in a) return [...stringField(1, a.name), ...intField(3, a.i), ...intField(20, 2)];
  return [...stringField(1, a.name), ...a.ints.flatMap((v) => intField(8, v)), ...intField(20, 7)];
}

function nodeProto(n: OnnxNode, index: number): Bytes {
  return [
    ...n.inputs.flatMap((i) => stringField(1, i)),
    ...n.outputs.flatMap((o) => stringField(2, o)),
    ...stringField(3, `${n.opType}_${index}`),
    ...stringField(4, n.opType),
    ...(n.attributes ?? []).flatMap((a) => bytesField(5, attributeProto(a))),
  ];
}

function valueInfo(name: string, dims: (number | string)[]): Bytes {
  const shape = dims.flatMap((d) =>
    bytesField(1, typeof d === 'number' ? intField(1, d) : stringField(2, d)),
  );
  const tensorType = [...intField(1, FLOAT), ...bytesField(2, shape)];
  return [...stringField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

export function encodeModel(model: OnnxModel): Uint8Array {
  const graph = [
    ...model.nodes.flatMap((n, i) => bytesField(1, nodeProto(n, i))),
    ...stringField(2, 'roadcam'),
    ...model.initializers.flatMap((t) => bytesField(5, tensorProto(t))),
    ...bytesField(11, valueInfo(model.input.name, model.input.dims)),
    ...bytesField(12, valueInfo(model.output.name, model.output.dims)),
  ];
  const opset = [...stringField(1, ''), ...intField(2, model.opset)];
  return new Uint8Array([
    ...intField(1, 7), // ir_version 7 (opset 13)
    ...stringField(2, 'roadcam bench:runtimes'),
    ...bytesField(7, graph),
    ...bytesField(8, opset),
  ]);
}
