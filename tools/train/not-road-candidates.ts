/**
 * `train not-road-candidates --model DIR --not-road DIR`: how the not-a-road method was chosen,
 * reproducibly. For each candidate (whose features: the model's own layers or the ImageNet
 * network's; how pooled; at which input size) it fits the statistics and threshold exactly as
 * `train not-road` does (training and validation road photos of the model's split.json only),
 * then prints the share of the folder's even- and odd-numbered photos (file order) it turns
 * away, and of the held-out road photos. The method is chosen on the even half; the odd half
 * is the check. Nothing is written.
 */
import { ToolError } from '../lib/tool-error';
import { tf } from '../lib/tf-node';
import { decodePhoto, mapLimit } from '../data/decode';
import { listPictures } from '../data/pictures';
import { notRoadScorerOf, scoreNotRoad, type NotRoadScorer } from '../../src/model/damage-forward';
import { readModelSplit } from './damage-data';
import type { DamageExamples } from './damage-examples';
import { loadLayersModelFromDir } from './model-files';
import { fitNotRoadAt, notRoadSourceFor } from './not-road-network';
import { DEFAULT_NOT_ROAD_NEIGHBOURS, NOT_ROAD_DEFAULTS, type NotRoadSetup } from './options';

export interface CandidatesArgs {
  model: string;
  data: string[];
  notRoadCheck: string;
  mobilenetDir: string;
  frameBlock: number;
  components: number[];
  maxRoadRejection: number;
}

interface Candidate {
  setup: Pick<NotRoadSetup, 'method' | 'network' | 'layers' | 'pooling'> & { neighbours?: number };
  /** The ImageNet network's input size; 'model': the model's own (no resize before it). */
  networkInput?: number | 'model';
}

const MAHALANOBIS = 'mahalanobis' as const;
const NEIGHBOURS = 'nearest-neighbours' as const;

/** The ImageNet network's conv_pw_13 by its `neighbours` nearest road photos. */
function nearest(
  neighbours: number,
  pooling: NotRoadSetup['pooling'],
  networkInput: Candidate['networkInput'],
): Candidate {
  return {
    setup: {
      method: NEIGHBOURS,
      neighbours,
      network: 'imagenet',
      layers: ['conv_pw_13_relu'],
      pooling,
    },
    networkInput,
  };
}

const CANDIDATES: Candidate[] = [
  { setup: { method: MAHALANOBIS, network: 'model', ...NOT_ROAD_DEFAULTS.model } },
  {
    setup: {
      method: MAHALANOBIS,
      network: 'model',
      layers: NOT_ROAD_DEFAULTS.model.layers,
      pooling: 'mean-std',
    },
  },
  {
    setup: {
      method: MAHALANOBIS,
      network: 'imagenet',
      layers: ['conv_pw_13_relu'],
      pooling: 'mean',
    },
  },
  {
    setup: { method: MAHALANOBIS, network: 'imagenet', ...NOT_ROAD_DEFAULTS.imagenet },
    networkInput: 'model',
  },
  {
    setup: { method: MAHALANOBIS, network: 'imagenet', ...NOT_ROAD_DEFAULTS.imagenet },
    networkInput: 224,
  },
  {
    setup: { method: MAHALANOBIS, network: 'imagenet', ...NOT_ROAD_DEFAULTS.imagenet },
    networkInput: 160,
  },
  {
    setup: { method: MAHALANOBIS, network: 'imagenet', ...NOT_ROAD_DEFAULTS.imagenet },
    networkInput: 128,
  },
  // Texture statistics of an early layer beside the last layer's (what a surface is made of,
  // beside what the photo shows), and a shorter network (pw_12 and pw_13 left out).
  {
    setup: {
      method: MAHALANOBIS,
      network: 'imagenet',
      layers: ['conv_pw_5_relu', 'conv_pw_13_relu'],
      pooling: 'mean-std',
    },
    networkInput: 224,
  },
  {
    setup: {
      method: MAHALANOBIS,
      network: 'imagenet',
      layers: ['conv_pw_11_relu', 'conv_pw_13_relu'],
      pooling: 'mean-std',
    },
    networkInput: 224,
  },
  {
    setup: {
      method: MAHALANOBIS,
      network: 'imagenet',
      layers: ['conv_pw_11_relu'],
      pooling: 'mean-std',
    },
    networkInput: 224,
  },
  // The nearest road photos instead of one Gaussian of them all (2026-12-03): how many, and
  // which features.
  ...[1, 3, 5, 10, 20].map((k) => nearest(k, 'mean', 224)),
  nearest(5, 'mean-std', 224),
  nearest(5, 'mean', 'model'),
  { setup: { method: NEIGHBOURS, neighbours: 5, network: 'model', ...NOT_ROAD_DEFAULTS.model } },
];

export async function compareNotRoadCandidates(
  args: CandidatesArgs,
  log: (line: string) => void,
): Promise<void> {
  const { manifest, load } = await readModelSplit(args);
  const side = manifest.input.width;
  const train = await load('train');
  const validation = await load('validation');
  const test = await load('test');
  const files = listPictures(args.notRoadCheck);
  if (files.length < 2) {
    throw new ToolError(
      'missing-folder',
      `${args.notRoadCheck} has ${files.length} photos: the comparison needs photos that are ` +
        `not roads, at least one in each half (--not-road DIR).`,
    );
  }
  // The folder's photos as the model's input, in the app's normalisation ([-1, 1]).
  const notRoadPhotos = await mapLimit(files, 4, async (f) =>
    Float32Array.from((await decodePhoto(f, side, side, 'stretch')).data, (v) => v / 127.5 - 1),
  );
  const folder: Pick<DamageExamples, 'count' | 'inputs'> = {
    count: files.length,
    inputs: (idx) =>
      tf.tensor4d(Float32Array.from(idx.flatMap((i) => Array.from(notRoadPhotos[i]))), [
        idx.length,
        side,
        side,
        3,
      ]),
  };
  const model = await loadLayersModelFromDir(args.model);
  log(
    `${train.count} training and ${validation.count} validation road photos fit each candidate; ` +
      `${files.length} photos in ${args.notRoadCheck} (even half: chosen on; odd half: check); ` +
      `${test.count} held-out road photos`,
  );
  log('candidate | method | even half | odd half | held-out road photos turned away');
  for (const c of CANDIDATES) {
    const setup: NotRoadSetup = {
      neighbours: DEFAULT_NOT_ROAD_NEIGHBOURS,
      ...c.setup,
      components: args.components,
      maxRoadRejection: args.maxRoadRejection,
    };
    const networkInput = c.networkInput === 'model' ? side : c.networkInput;
    const source = await notRoadSourceFor(setup, model, side, args.mobilenetDir, networkInput);
    try {
      const fit = await fitNotRoadAt(source, setup, train, validation, 'unused');
      const file = fit.file.buffer.slice(
        fit.file.byteOffset,
        fit.file.byteOffset + fit.file.byteLength,
      ) as ArrayBuffer;
      const scorer: NotRoadScorer = {
        ...notRoadScorerOf(file, fit.spec, source.network ? source.adapter : undefined),
        // Even the model's own layers are read in a pass of their own here: the same features.
        network: { adapter: source.adapter, inputSize: source.inputSize },
      };
      const rejected = async (set: Pick<DamageExamples, 'count' | 'inputs'>) => {
        const out: boolean[] = [];
        for (let start = 0; start < set.count; start += 32) {
          const idx = Array.from({ length: Math.min(32, set.count - start) }, (_, i) => start + i);
          const x = set.inputs(idx) as tf.Tensor4D;
          try {
            for (const s of await scoreNotRoad(source.adapter, x, scorer)) {
              out.push(s > scorer.threshold);
            }
          } finally {
            x.dispose();
          }
        }
        return out;
      };
      const share = (flags: boolean[]) =>
        `${((100 * flags.filter(Boolean).length) / Math.max(1, flags.length)).toFixed(1)}%`;
      const far = await rejected(folder);
      const road = await rejected(test);
      const spec = fit.spec;
      const name =
        `${setup.network === 'imagenet' ? `ImageNet network at ${source.inputSize} px` : "model's own layers"}, ` +
        `${setup.layers.join('+')}, ${setup.pooling}`;
      const how =
        spec.method === 'nearest-neighbours'
          ? `${spec.neighbours} nearest`
          : `Mahalanobis, ${spec.layers.map((l) => l.components).join('+')} directions`;
      log(
        `${name} | ${how} | ` +
          `${share(far.filter((_, i) => i % 2 === 0))} | ${share(far.filter((_, i) => i % 2 === 1))} | ` +
          share(road),
      );
    } finally {
      source.dispose();
    }
  }
  model.dispose();
}
