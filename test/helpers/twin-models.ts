/**
 * Small networks for the explain-core tests: the same network as a tfjs-layers model and as a
 * hand-built graph model (fused conv with Relu6, batch norm, depthwise conv, Mean, MatMul), plus
 * sequential / branching / residual / nested layers topologies.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import * as tfl from '@tensorflow/tfjs-layers';
import { CONV_ATTRS, GraphBuilder } from './graph-builder';

export const TWIN_INPUT: [number, number, number] = [16, 16, 3];

export interface TwinModels {
  layers: tfl.LayersModel;
  graph: GraphModel;
  /** Layer / node names of the last conv output (the CAM target) in each format. */
  layersTarget: string;
  graphTarget: string;
}

/**
 * conv 3x3 (8) + bias -> batch norm -> relu6 -> depthwise 3x3 + bias + relu6 -> conv 1x1 (6) +
 * bias + relu -> global average pool -> dense (3) -> softmax.
 */
export async function buildTwinModels(seed = 1): Promise<TwinModels> {
  const rand = (shape: number[], scale = 0.3) =>
    tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed++), scale);
  const w = {
    conv: rand([3, 3, 3, 8]),
    convB: rand([8], 0.1),
    gamma: tf.add(rand([8], 0.1), 1),
    beta: rand([8], 0.1),
    mean: rand([8], 0.1),
    variance: tf.add(tf.abs(rand([8], 0.2)), 0.5),
    dw: rand([3, 3, 8, 1], 0.5),
    dwB: rand([8], 0.1),
    pw: rand([1, 1, 8, 6], 0.5),
    pwB: rand([6], 0.1),
    dense: rand([6, 3], 1),
    denseB: rand([3], 0.1),
  };

  const input = tfl.input({ shape: TWIN_INPUT });
  let h = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'conv' })
    .apply(input);
  h = tfl.layers.batchNormalization({ name: 'bn', epsilon: 1e-3 }).apply(h);
  h = tfl.layers.reLU({ maxValue: 6, name: 'relu6' }).apply(h);
  h = tfl.layers
    .depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6', name: 'dw' })
    .apply(h);
  h = tfl.layers
    .conv2d({ filters: 6, kernelSize: 1, activation: 'relu', name: 'pw' })
    .apply(h) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(h);
  const out = tfl.layers
    .dense({ units: 3, activation: 'softmax', name: 'dense' })
    .apply(pooled) as tfl.SymbolicTensor;
  const layers = tfl.model({ inputs: input, outputs: out });
  layers.getLayer('conv').setWeights([w.conv, w.convB]);
  layers.getLayer('bn').setWeights([w.gamma, w.beta, w.mean, w.variance]);
  layers.getLayer('dw').setWeights([w.dw, w.dwB]);
  layers.getLayer('pw').setWeights([w.pw, w.pwB]);
  layers.getLayer('dense').setWeights([w.dense, w.denseB]);

  const g = new GraphBuilder();
  g.placeholder('image', [-1, ...TWIN_INPUT]);
  g.op({
    name: 'conv/BiasAdd',
    op: '_FusedConv2D',
    inputs: ['image', g.const('conv/w', w.conv), g.const('conv/b', w.convB)],
    attrs: { ...CONV_ATTRS, fused_ops: ['BiasAdd'], num_args: 1 },
  });
  g.op({
    name: 'bn/FusedBatchNorm',
    op: 'FusedBatchNorm',
    inputs: [
      'conv/BiasAdd',
      g.const('bn/gamma', w.gamma),
      g.const('bn/beta', w.beta),
      g.const('bn/mean', w.mean),
      g.const('bn/var', w.variance),
    ],
    attrs: { epsilon: 1e-3, data_format: 'NHWC' },
  });
  g.op({ name: 'relu6', op: 'Relu6', inputs: ['bn/FusedBatchNorm'] });
  g.op({
    name: 'dw/Relu6',
    op: 'FusedDepthwiseConv2dNative',
    inputs: ['relu6', g.const('dw/w', w.dw), g.const('dw/b', w.dwB)],
    attrs: { ...CONV_ATTRS, fused_ops: ['BiasAdd', 'Relu6'], num_args: 1 },
  });
  g.op({
    name: 'pw/Relu',
    op: '_FusedConv2D',
    inputs: ['dw/Relu6', g.const('pw/w', w.pw), g.const('pw/b', w.pwB)],
    attrs: { ...CONV_ATTRS, fused_ops: ['BiasAdd', 'Relu'], num_args: 1 },
  });
  g.op({
    name: 'gap',
    op: 'Mean',
    inputs: ['pw/Relu', g.const('gap/axes', tf.tensor1d([1, 2], 'int32'))],
    attrs: { keep_dims: false, Tidx: { type: 'DT_INT32' } },
  });
  g.op({
    name: 'dense/MatMul',
    op: 'MatMul',
    inputs: ['gap', g.const('dense/w', w.dense)],
    attrs: { transpose_a: false, transpose_b: false },
  });
  g.op({
    name: 'dense/BiasAdd',
    op: 'BiasAdd',
    inputs: ['dense/MatMul', g.const('dense/b', w.denseB)],
    attrs: { data_format: 'NHWC' },
  });
  g.op({ name: 'probabilities', op: 'Softmax', inputs: ['dense/BiasAdd'] });
  const graph = await loadGraphModel(tf.io.fromMemory(g.artifacts()));
  tf.dispose(Object.values(w));
  return { layers, graph, layersTarget: 'pw', graphTarget: 'pw/Relu' };
}

/** A global-average-pool + dense head, the network on which Grad-CAM and CAM coincide. */
export function gapDenseModel(classes = 4, seed = 1): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [12, 12, 3],
        filters: 5,
        kernelSize: 3,
        activation: 'relu',
        name: 'features',
      }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: classes, name: 'classifier', activation: 'softmax' }),
    ],
  });
  // Seeded weights, so that every run tests the same network.
  for (const layer of [model.getLayer('features'), model.getLayer('classifier')]) {
    layer.setWeights(
      layer
        .getWeights()
        .map((w) => tf.tidy(() => tf.randomNormal(w.shape, 0, 0.5, 'float32', seed++))),
    );
  }
  return model;
}

/** Residual block, a branch merged by concatenation, a nested sub-model, a smooth activation. */
export function residualBranchingNestedModel(): { model: tfl.LayersModel; layers: string[] } {
  const inner = (() => {
    const i = tfl.input({ shape: [8, 8, 6] });
    const a = tfl.layers
      .conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'elu', name: 'inner_conv' })
      .apply(i);
    const sum = tfl.layers.add({ name: 'inner_add' }).apply([i, a as tfl.SymbolicTensor]);
    return tfl.model({ inputs: i, outputs: sum as tfl.SymbolicTensor, name: 'inner_block' });
  })();
  const input = tfl.input({ shape: [16, 16, 3] });
  const stem = tfl.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'tanh',
      name: 'stem',
    })
    .apply(input) as tfl.SymbolicTensor;
  const left = tfl.layers
    .conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'elu', name: 'left' })
    .apply(stem) as tfl.SymbolicTensor;
  const right = tfl.layers
    .conv2d({ filters: 3, kernelSize: 1, activation: 'tanh', name: 'right' })
    .apply(stem) as tfl.SymbolicTensor;
  const merged = tfl.layers
    .concatenate({ name: 'merge' })
    .apply([left, right]) as tfl.SymbolicTensor;
  const block = inner.apply(merged) as tfl.SymbolicTensor;
  // A skip connection that bypasses the nested block and 'left': the head must still see it.
  const skip = tfl.layers.add({ name: 'skip' }).apply([block, merged]) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(skip);
  const out = tfl.layers
    .dense({ units: 3, activation: 'softmax', name: 'out' })
    .apply(pooled) as tfl.SymbolicTensor;
  return {
    model: tfl.model({ inputs: input, outputs: out }),
    layers: ['stem', 'left', 'merge', 'inner_conv', 'inner_add', 'inner_block', 'skip'],
  };
}
