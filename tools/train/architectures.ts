/**
 * The networks the train command builds. Layer names are plain and stable, because the
 * manifest's CAM layer and the model card refer to them.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../lib/tf-node';
import { readModelDir } from '../lib/model-dir';

export { POTHOLE_ARCHITECTURES, type PotholeArchitecture } from './options';

export interface BuiltModel {
  model: tfl.LayersModel;
  /** The layer the manifest names for Grad-CAM. */
  camLayer: string;
  /** The dense layer after global average pooling, when the head is GAP + dense. */
  denseLayer?: string;
  description: string;
}

/**
 * The seed's pothole network: three 3x3 conv layers of 64, 32 and 16 filters, each followed by
 * 2x2 max pooling, then a small dense head. Input in [0, 1].
 */
export function seedPotholeCnn(inputSize: number, numClasses: number): BuiltModel {
  const model = tfl.sequential({ name: 'seed_pothole_cnn' });
  model.add(
    tfl.layers.conv2d({
      name: 'conv1',
      inputShape: [inputSize, inputSize, 3],
      filters: 64,
      kernelSize: 3,
      activation: 'relu',
    }),
  );
  model.add(tfl.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }));
  model.add(tfl.layers.conv2d({ name: 'conv2', filters: 32, kernelSize: 3, activation: 'relu' }));
  model.add(tfl.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }));
  model.add(tfl.layers.conv2d({ name: 'conv3', filters: 16, kernelSize: 3, activation: 'relu' }));
  model.add(tfl.layers.maxPooling2d({ name: 'pool3', poolSize: 2 }));
  model.add(tfl.layers.flatten({ name: 'flatten' }));
  model.add(tfl.layers.dense({ name: 'dense1', units: 64, activation: 'relu' }));
  model.add(tfl.layers.dropout({ name: 'dropout', rate: 0.5 }));
  model.add(tfl.layers.dense({ name: 'output', units: numClasses, activation: 'softmax' }));
  return {
    model,
    camLayer: 'conv3',
    description: `the seed's CNN: conv 3x3 64/32/16 with max pooling, dense 64, softmax`,
  };
}

/** Keras-JSON layer entries as MobileNet's model.json stores them. */
interface KerasLayerJson {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}
interface KerasModelJson {
  class_name: string;
  config: {
    name: string;
    layers: KerasLayerJson[];
    input_layers: unknown[];
    output_layers: unknown[];
  };
  keras_version?: string;
  backend?: string;
}

export const MOBILENET_FEATURE_LAYER = 'conv_pw_13_relu';

/** A batch norm folded into the convolution before it. */
interface FoldedNorm {
  conv: string;
  kernelName: string;
  norm: string;
  epsilon: number;
  center: boolean;
  scale: boolean;
}

const CONV_KERNELS: Record<string, string> = {
  Conv2D: 'kernel',
  DepthwiseConv2D: 'depthwise_kernel',
};

/**
 * Rewrites a Keras layer list so that every BatchNormalization that directly follows a
 * (depthwise) convolution is gone: the convolution gets a bias and its consumers read it
 * directly. The weights are folded by foldNormWeights.
 */
export function foldBatchNormLayers(layers: KerasLayerJson[]): {
  layers: KerasLayerJson[];
  folded: FoldedNorm[];
} {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const folded: FoldedNorm[] = [];
  const renamed = new Map<string, string>();
  for (const l of layers) {
    if (l.class_name !== 'BatchNormalization') continue;
    const producer = byName.get(
      (l.inbound_nodes as [string, number, number, object][][])[0]?.[0]?.[0],
    );
    if (!producer || !(producer.class_name in CONV_KERNELS)) continue;
    const consumers = layers.filter((c) =>
      JSON.stringify(c.inbound_nodes).includes(`"${producer.name}"`),
    );
    if (consumers.length !== 1) continue;
    producer.config.use_bias = true;
    producer.config.bias_initializer = { class_name: 'Zeros', config: {} };
    folded.push({
      conv: producer.name,
      kernelName: CONV_KERNELS[producer.class_name],
      norm: l.name,
      epsilon: Number(l.config.epsilon ?? 1e-3),
      center: l.config.center !== false,
      scale: l.config.scale !== false,
    });
    renamed.set(l.name, producer.name);
  }
  const kept = layers
    .filter((l) => !renamed.has(l.name))
    .map((l) => ({
      ...l,
      inbound_nodes: JSON.parse(
        JSON.stringify(l.inbound_nodes).replace(/"([^"]+)"/g, (m, name: string) =>
          renamed.has(name) ? `"${renamed.get(name)}"` : m,
        ),
      ),
    }));
  return { layers: kept, folded };
}

/**
 * kernel' = kernel * gamma / sqrt(variance + epsilon) per output channel, and
 * bias' = beta - mean * gamma / sqrt(variance + epsilon): the convolution then computes what
 * convolution + batch norm (with its moving statistics) computed.
 */
function foldNormWeights(
  model: tfl.LayersModel,
  pretrained: tf.NamedTensorMap,
  folded: readonly FoldedNorm[],
): void {
  for (const f of folded) {
    const kernel = pretrained[`${f.conv}/${f.kernelName}`];
    if (!kernel) throw new Error(`MobileNet weights lack ${f.conv}/${f.kernelName}`);
    const values = (name: string) =>
      pretrained[`${f.norm}/${name}`]?.dataSync() as Float32Array | undefined;
    const mean = values('moving_mean')!;
    const variance = values('moving_variance')!;
    const channels = mean.length;
    const gamma = f.scale ? values('gamma')! : new Float32Array(channels).fill(1);
    const beta = f.center ? values('beta')! : new Float32Array(channels);
    const factor = gamma.map((g, c) => g / Math.sqrt(variance[c] + f.epsilon));
    // The last axis of a conv kernel, and the last two of a depthwise kernel (in x multiplier),
    // index the output channels.
    const k = (kernel.dataSync() as Float32Array).map((v, i) => v * factor[i % channels]);
    const bias = beta.map((b, c) => b - mean[c] * factor[c]);
    const tensors = [tf.tensor(k, kernel.shape), tf.tensor1d(bias)];
    model.getLayer(f.conv).setWeights(tensors);
    tf.dispose(tensors);
  }
}

/**
 * MobileNet v1 (ImageNet weights) up to `featureLayer`, at a new input size, batch norm folded
 * into the convolutions, with a new head: global average pooling, optional dropout and a dense
 * softmax. One flat functional model (no nested model), so every MobileNet layer keeps its own
 * name for Grad-CAM. Input in [-1, 1]. (The positional parameters and their defaults are kept
 * as first published, since other tools call it so; the pothole command passes every one.)
 */
export async function mobilenetClassifier(
  mobilenetDir: string,
  inputSize: number,
  numClasses: number,
  featureLayer = MOBILENET_FEATURE_LAYER,
  /** Dropout before the dense layer; 0 leaves the layer out (training then repeats exactly). */
  dropout = 0.2,
  outputStride: 16 | 32 = 32,
  /** Seed of the dense layer's initial weights (none: random). */
  seed: number | null = null,
): Promise<BuiltModel> {
  return mobilenetNetwork({
    mobilenetDir,
    inputSize,
    outputs: numClasses,
    featureLayer,
    dropout,
    outputStride,
    seed,
  });
}

export interface MobilenetOptions {
  mobilenetDir: string;
  inputSize: number;
  /** Units of the dense head. */
  outputs: number;
  /** softmax: one class per photo; sigmoid: independent probabilities (several types at once). */
  activation?: 'softmax' | 'sigmoid';
  featureLayer?: string;
  dropout?: number;
  outputStride?: 16 | 32;
  seed?: number | null;
  /**
   * Blocks kept as ImageNet trained them (conv1 and blocks 1..N not trainable): the early
   * layers run at the highest resolution, so their gradients are most of a step's cost, and
   * they compute generic edges and textures.
   */
  frozenBlocks?: number;
}

/** Whether a MobileNet layer belongs to conv1 or blocks 1..n (`conv_dw_3`, `conv_pw_3_relu`). */
export function inFirstBlocks(layerName: string, n: number): boolean {
  if (n <= 0) return false;
  if (/^conv1(_|$)/.test(layerName)) return true;
  const m = /^conv_(?:dw|pw|pad)_(\d+)(?:_|$)/.exec(layerName);
  return m !== null && Number(m[1]) <= n;
}

/** MobileNet v1 with a new head, as the options say (see mobilenetClassifier). */
export async function mobilenetNetwork(options: MobilenetOptions): Promise<BuiltModel> {
  const {
    mobilenetDir,
    inputSize,
    outputs,
    activation = 'softmax',
    featureLayer = MOBILENET_FEATURE_LAYER,
    dropout = 0.2,
    outputStride = 32,
    seed = null,
    frozenBlocks = 0,
  } = options;
  const artifacts = readModelDir(mobilenetDir);
  const topology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as
    KerasModelJson | { model_config: KerasModelJson };
  const keras = 'model_config' in topology ? topology.model_config : topology;
  const layers = keras.config.layers;
  const cut = layers.findIndex((l) => l.name === featureLayer);
  if (cut < 0) throw new Error(`MobileNet has no layer ${featureLayer}`);
  // Batch norm folded into the convolutions: fine-tuning then keeps ImageNet's statistics
  // (batches of a few dozen photos estimate them poorly), and the model runs fewer ops,
  // in training (tfjs's batch-norm gradient tiles full-size tensors) and on the phone.
  const { layers: kept, folded } = foldBatchNormLayers(layers.slice(0, cut + 1));
  if (outputStride === 16) {
    // The last stride-2 convolution keeps its resolution: the heatmap layer then has twice the
    // rows and columns (8x8 at 128 px), at some extra compute in the last two blocks.
    const last = [...kept].reverse().find((l) => {
      const st = l.config.strides as number[] | undefined;
      return st?.[0] === 2;
    });
    if (last) last.config.strides = [1, 1];
  }
  for (const l of kept) if (inFirstBlocks(l.name, frozenBlocks)) l.config.trainable = false;
  const input = kept[0];
  if (input.class_name !== 'InputLayer')
    throw new Error('MobileNet topology does not start with its input');
  input.config.batch_input_shape = [null, inputSize, inputSize, 3];
  const dropoutLayer: KerasLayerJson = {
    class_name: 'Dropout',
    name: 'head_dropout',
    config: { name: 'head_dropout', trainable: true, rate: dropout, noise_shape: null, seed: null },
    inbound_nodes: [[['head_pool', 0, 0, {}]]],
  };
  const head: KerasLayerJson[] = [
    {
      class_name: 'GlobalAveragePooling2D',
      name: 'head_pool',
      config: { name: 'head_pool', trainable: true, data_format: 'channels_last' },
      inbound_nodes: [[[featureLayer, 0, 0, {}]]],
    },
    ...(dropout > 0 ? [dropoutLayer] : []),
    {
      class_name: 'Dense',
      name: 'head_dense',
      config: {
        name: 'head_dense',
        trainable: true,
        units: outputs,
        activation,
        use_bias: true,
        kernel_initializer: {
          class_name: 'VarianceScaling',
          config: { scale: 1.0, mode: 'fan_avg', distribution: 'uniform', seed },
        },
        bias_initializer: { class_name: 'Zeros', config: {} },
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
      },
      inbound_nodes: [[[dropout > 0 ? 'head_dropout' : 'head_pool', 0, 0, {}]]],
    },
  ];
  const modelJson: KerasModelJson = {
    class_name: 'Model',
    config: {
      name: `roadcam_mobilenet_v1_025_${inputSize}`,
      layers: [...kept, ...head],
      input_layers: keras.config.input_layers,
      output_layers: [['head_dense', 0, 0]],
    },
  };
  const model = await tfl.models.modelFromJSON({ modelTopology: modelJson } as never);
  const pretrained = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  try {
    foldNormWeights(model, pretrained, folded);
  } finally {
    tf.dispose(Object.values(pretrained));
  }
  return {
    model,
    camLayer: featureLayer,
    denseLayer: 'head_dense',
    description:
      `MobileNet v1 0.25 (ImageNet) to ${featureLayer}, ${inputSize}x${inputSize} input, ` +
      `batch norm folded into the convolutions, output stride ${outputStride}, ` +
      (frozenBlocks > 0
        ? `conv1 and blocks 1-${frozenBlocks} kept as trained on ImageNet, the rest fine-tuned`
        : 'all layers fine-tuned') +
      `; head: global average pooling, ${dropout > 0 ? `dropout ${dropout}, ` : ''}dense ` +
      (activation === 'sigmoid' ? `sigmoid (${outputs} independent outputs)` : 'softmax'),
  };
}

/**
 * The seed's MNIST network: two conv layers (32 and 64 filters, 3x3, with max pooling) and two
 * dense layers (128, then the 10 classes). Input 28x28x1 in [0, 1].
 */
export function seedMnistCnn(): BuiltModel {
  const model = tfl.sequential({ name: 'seed_mnist_cnn' });
  model.add(
    tfl.layers.conv2d({
      name: 'conv1',
      inputShape: [28, 28, 1],
      filters: 32,
      kernelSize: 3,
      activation: 'relu',
    }),
  );
  model.add(tfl.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }));
  model.add(tfl.layers.conv2d({ name: 'conv2', filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tfl.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }));
  model.add(tfl.layers.flatten({ name: 'flatten' }));
  model.add(tfl.layers.dense({ name: 'dense1', units: 128, activation: 'relu' }));
  model.add(tfl.layers.dropout({ name: 'dropout', rate: 0.25 }));
  model.add(tfl.layers.dense({ name: 'output', units: 10, activation: 'softmax' }));
  return {
    model,
    camLayer: 'conv2',
    description: 'the seed MNIST CNN: conv 3x3 32 and 64 with max pooling, dense 128, softmax 10',
  };
}
