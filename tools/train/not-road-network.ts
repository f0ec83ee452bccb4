/**
 * Where the not-a-road score reads a photo's features, and fitting it there.
 *
 * - `imagenet` (default): MobileNet v1 0.25 as ImageNet trained it, before any fine-tuning, up to
 *   conv_pw_13_relu, its channels' spatial means and standard deviations. It ships in the model
 *   folder (not-road-net/, 0.9 MB) and runs beside the model on the phone. Fine-tuning for damage
 *   types teaches the model's own layers to ignore whatever is not damage, a cat included; the
 *   ImageNet network still describes what a photo shows.
 * - `model`: the model's own layers (read in the same pass; road-damage 2.0-2.1's choice).
 *
 * Both are fitted by the same code the app scores with (src/model/damage-forward.ts), on
 * training road photos only; the threshold comes from validation road photos.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelAdapter } from '../../src/explain/adapters/types';
import { LayersModelAdapter } from '../../src/explain/adapters/layers-adapter';
import { compileLayersAdapter } from '../../src/explain/compiled/from-layers';
import { notRoadFeatures, type NotRoadPooling } from '../../src/model/damage-forward';
import { tf } from '../lib/tf-node';
import { mobilenetNetwork } from './architectures';
import type { DamageExamples } from './damage-examples';
import type { NotRoad } from '../../src/model/damage-manifest';
import { fitNotRoad, fitNotRoadNeighbours, type NotRoadFit } from './finish-damage-model';
import type { NotRoadNetworkName, NotRoadSetup } from './options';
import { saveLayersModelToDir } from './model-files';

/** The model folder's subfolder holding the ImageNet network. */
export const NOT_ROAD_NETWORK_DIR = 'not-road-net';
/** ImageNet's own input size for this MobileNet: its features are what ImageNet taught there. */
export const NOT_ROAD_NETWORK_INPUT = 224;

/**
 * ImageNet's MobileNet up to the deepest of `layers`, batch norm folded, with a global average
 * pool as its output (so that the explain core's adapters, made for classifiers, take it).
 */
export async function imagenetFeatureNetwork(
  mobilenetDir: string,
  layers: readonly string[],
  inputSize = NOT_ROAD_NETWORK_INPUT,
): Promise<tfl.LayersModel> {
  const order = (l: string) => Number(/_(\d+)_/.exec(l)?.[1] ?? 0);
  const deepest = [...layers].sort((a, b) => order(b) - order(a))[0];
  const built = await mobilenetNetwork({
    mobilenetDir,
    inputSize,
    outputs: 1,
    featureLayer: deepest,
    dropout: 0,
    seed: 0,
  });
  const body = tfl.model({
    inputs: built.model.inputs,
    outputs: built.model.getLayer('head_pool').output as tfl.SymbolicTensor,
    name: 'roadcam_not_road_mobilenet_v1_025',
  });
  return body;
}

/** Pooled features of photos ([count x dimensions] per layer), as the app computes them. */
export async function notRoadFeaturesOf(
  network: ModelAdapter,
  inputSize: number,
  layers: readonly string[],
  pooling: NotRoadPooling,
  data: Pick<DamageExamples, 'count' | 'inputs'>,
  batchSize = 32,
): Promise<{ layer: string; features: Float32Array; channels: number }[]> {
  const parts: Float32Array[][] = layers.map(() => []);
  for (let start = 0; start < data.count; start += batchSize) {
    const idx = Array.from(
      { length: Math.min(batchSize, data.count - start) },
      (_, i) => start + i,
    );
    const x = data.inputs(idx) as tf.Tensor4D;
    try {
      const pooled = await notRoadFeatures(
        {
          layers: layers.map((layer) => ({ layer, pooling })),
          network: { adapter: network, inputSize },
        },
        x,
      );
      pooled.forEach((p, i) => parts[i].push(p));
    } finally {
      x.dispose();
    }
  }
  return layers.map((layer, i) => {
    const all = new Float32Array(parts[i].reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts[i]) {
      all.set(p, at);
      at += p.length;
    }
    return { layer, features: all, channels: all.length / Math.max(1, data.count) };
  });
}

/** The network a setup reads, ready to run (the ImageNet one built, or the model itself). */
export interface NotRoadSource {
  adapter: ModelAdapter;
  inputSize: number;
  /** The ImageNet network, to save beside the model; absent for the model's own layers. */
  network?: tfl.LayersModel;
  dispose(): void;
}

/** The network `setup` reads, for `model` (whose input side is `modelInput`). */
export async function notRoadSourceFor(
  setup: Pick<NotRoadSetup, 'network' | 'layers'>,
  model: tfl.LayersModel,
  modelInput: number,
  mobilenetDir: string | undefined,
  networkInput = NOT_ROAD_NETWORK_INPUT,
): Promise<NotRoadSource> {
  if (setup.network === 'model') {
    // The compiled adapter would dispose the model it reads, which the caller still saves.
    return {
      adapter: compileLayersAdapter(new LayersModelAdapter(model)),
      inputSize: modelInput,
      dispose: () => undefined,
    };
  }
  if (!mobilenetDir) throw new Error('the ImageNet not-a-road network needs --mobilenet DIR');
  const network = await imagenetFeatureNetwork(mobilenetDir, setup.layers, networkInput);
  const adapter = compileLayersAdapter(new LayersModelAdapter(network));
  return { adapter, inputSize: networkInput, network, dispose: () => adapter.dispose() };
}

/** The not-a-road check of `setup` at `source`, from training and validation road photos. */
export async function fitNotRoadAt(
  source: NotRoadSource,
  setup: NotRoadSetup,
  train: Pick<DamageExamples, 'count' | 'inputs'>,
  validation: Pick<DamageExamples, 'count' | 'inputs'>,
  statsUrl: string,
): Promise<NotRoadFit> {
  const features = (d: Pick<DamageExamples, 'count' | 'inputs'>) =>
    notRoadFeaturesOf(source.adapter, source.inputSize, setup.layers, setup.pooling, d);
  const network = source.network
    ? {
        network: {
          modelUrl: `${NOT_ROAD_NETWORK_DIR}/model.json`,
          inputSize: source.inputSize,
          description:
            'MobileNet v1 0.25 as ImageNet trained it (before fine-tuning), batch norm folded, ' +
            `up to ${setup.layers.join(', ')}; the model input resized to ` +
            `${source.inputSize}x${source.inputSize}`,
        },
      }
    : {};
  const common = {
    train: await features(train),
    trainCount: train.count,
    validation: await features(validation),
    validationCount: validation.count,
    maxRoadRejection: setup.maxRoadRejection,
    statsUrl,
    pooling: setup.pooling,
    ...network,
  };
  return setup.method === 'nearest-neighbours'
    ? fitNotRoadNeighbours({ ...common, neighbours: setup.neighbours })
    : fitNotRoad({ ...common, components: setup.components });
}

/** One line on a fitted check, for the training log. */
export function notRoadFitLine(spec: NotRoad, network: NotRoadNetworkName): string {
  const where = network === 'imagenet' ? 'the ImageNet network' : "the model's";
  const layers =
    spec.method === 'nearest-neighbours'
      ? `${spec.neighbours} nearest of ${spec.fittedOn} training road photos, ${where} ` +
        spec.layers.map((l) => `${l.layer} (${l.pooling}, ${l.dimensions} values)`).join(', ')
      : `Mahalanobis on ${where} ` +
        spec.layers
          .map((l) => `${l.layer} (${l.pooling}, ${l.components} of ${l.dimensions} directions)`)
          .join(', ');
  return (
    `not a road: ${layers}; threshold ${spec.threshold.toPrecision(4)} (turns away ` +
    `${spec.thresholdRule.validationRoadRejected} of ${spec.thresholdRule.validationRoadPhotos} ` +
    `validation road photos)`
  );
}

/**
 * Fits the not-a-road statistics of a trained model (`model`, input `inputSize`) on its
 * training photos, at the setup's network; writes the ImageNet network into `outDir` when it
 * is the one read.
 */
export async function fitNotRoadFor(
  setup: NotRoadSetup,
  model: tfl.LayersModel,
  inputSize: number,
  mobilenetDir: string | undefined,
  train: Pick<DamageExamples, 'count' | 'inputs'>,
  validation: Pick<DamageExamples, 'count' | 'inputs'>,
  outDir: string,
  statsUrl: string,
  log: (line: string) => void,
): Promise<NotRoadFit> {
  const source = await notRoadSourceFor(setup, model, inputSize, mobilenetDir);
  try {
    if (source.network) {
      const dir = path.join(outDir, NOT_ROAD_NETWORK_DIR);
      mkdirSync(dir, { recursive: true });
      await saveLayersModelToDir(source.network, dir);
    }
    const notRoad = await fitNotRoadAt(source, setup, train, validation, statsUrl);
    log(notRoadFitLine(notRoad.spec, setup.network));
    return notRoad;
  } finally {
    source.dispose();
  }
}
