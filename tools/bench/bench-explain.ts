/**
 * npm run bench:explain [-- --json FILE] [-- --runs N] [-- --cpu-runs N (0: wasm only)]
 *   [-- --max-wait MINUTES]
 *
 * Side by side in one run, on the wasm (SIMD) and cpu backends: plain inference, every CAM
 * method and one activation-maximization step, for the MobileNet v1 0.25 in ../shared, the
 * default pothole model and a CNN like the seed's (3 conv layers of 64/32/16 filters at
 * 128x128), and the default road-damage model, whose heatmaps the app draws for every damage type
 * of a photo: `gradcam_per_type` (computeCamPerClass: one body pass, the head per type) beside
 * `gradcam_per_type_repeated` (the photo repeated once per type, as before). On wasm each is
 * timed twice, method by method: compiled (src/explain/compiled, what the app and the tools run)
 * and uncompiled (the model as tfjs runs it). Prints medians and ratios (CAM / inference, cpu /
 * wasm, uncompiled / compiled) and writes docs/BENCHMARKS.md.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  CAM_METHOD_NAMES,
  computeCam,
  computeCamPerClass,
  createAdapter,
  defaultActmaxOptions,
  filter,
  maximizeActivation,
  type ModelAdapter,
  type PixelNormalization,
  targets,
} from '../../src/explain';
import { NORMALIZE_ZERO_TO_ONE } from '../../src/model/manifest';
import { tf, useBackend, type NodeBackend } from '../lib/tf-node';
import { machineDescription } from '../lib/machine';
import { loadFields, loadSentence, parseMaxWait, waitForQuietMachine } from './quiet-machine';
import { median } from '../lib/median';
import { markdownTable, timeMedian, writeBenchmarkSection } from './report';
import { loadSharedMobilenet } from '../lib/shared-models';
import { loadModelDir } from '../lib/model-dir';
import { projectRoot } from '../lib/paths';
import { compileAdapter } from '../../src/explain/compiled';
import type { LoadedModel } from '../../src/model/load-model';
import path from 'node:path';

const POTHOLE_DIR = path.join(projectRoot, 'public', 'models', 'pothole');
const ROAD_DAMAGE_DIR = path.join(projectRoot, 'public', 'models', 'road-damage');
const PER_TYPE = ['gradcam_per_type', 'gradcam_per_type_repeated'];

type Path = 'compiled' | 'uncompiled';

interface Row {
  model: string;
  backend: NodeBackend;
  /** The compiled program or the model as tfjs runs it. */
  path: Path;
  what: string;
  median_ms: number;
}

const { values: args } = parseArgs({
  options: {
    json: { type: 'string' },
    runs: { type: 'string', default: '15' },
    'cpu-runs': { type: 'string', default: '3' },
    'max-wait': { type: 'string' },
  },
});

/** The seed's pothole network: 3 conv layers of 64/32/16 filters at 128x128. */
function seedCnn(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2d({
      inputShape: [128, 128, 3],
      filters: 64,
      kernelSize: 3,
      activation: 'relu',
      name: 'conv1',
    }),
  );
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', name: 'conv2' }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', name: 'conv3' }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 2, activation: 'softmax' }));
  return model;
}

async function benchModel(
  name: string,
  adapters: Partial<Record<Path, ModelAdapter>>,
  normalization: PixelNormalization,
  backend: NodeBackend,
  runs: number,
  filterLayer: string,
  /** Outputs explained one heatmap each, as the app does for a road-damage photo. */
  typeOutputs?: number[],
): Promise<Row[]> {
  const rows: Row[] = [];
  const adapter = adapters.compiled!;
  const x = tf.randomUniform([1, ...adapter.inputShape], -1, 1) as tf.Tensor4D;
  const target = targets.classLogit(0);
  const record = (path: Path, what: string, ms: number) => {
    rows.push({ model: name, backend, path, what, median_ms: Math.round(ms * 100) / 100 });
    console.log(
      `${name.padEnd(22)} ${backend.padEnd(5)} ${path.padEnd(10)} ${what.padEnd(12)} ` +
        `${ms.toFixed(1)} ms`,
    );
  };
  // Each measurement on both paths, one after the other, so that both see the same load.
  const both = async (what: string, fn: (a: ModelAdapter) => Promise<unknown>, n: number) => {
    for (const path of ['uncompiled', 'compiled'] as const) {
      const a = adapters[path];
      if (a) record(path, what, await timeMedian(() => fn(a), n, what === 'inference' ? 2 : 1));
    }
  };
  await both(
    'inference',
    async (a) => {
      const out = a.predict(x);
      await out.probabilities.data();
      tf.dispose(out);
    },
    runs,
  );
  for (const method of CAM_METHOD_NAMES) {
    // Score-CAM runs one forward pass per channel: fewer repetitions keep the cpu run bearable.
    const n = method === 'scorecam' ? Math.max(1, Math.ceil(runs / 5)) : runs;
    await both(method, (a) => computeCam(a, x, { method, target }), n);
  }
  if (typeOutputs) {
    const classes = typeOutputs;
    const target = targets.classLogitEach(classes);
    await both('gradcam_per_type', (a) => computeCamPerClass(a, x, { classes }), runs);
    await both(
      'gradcam_per_type_repeated',
      async (a) => {
        const repeated = tf.tile(x, [classes.length, 1, 1, 1]) as tf.Tensor4D;
        try {
          await computeCam(a, repeated, { target });
        } finally {
          repeated.dispose();
        }
      },
      runs,
    );
  }
  const stepTimes: number[] = [];
  const steps = backend === 'cpu' ? 3 : 10;
  let last = performance.now();
  await maximizeActivation(adapter, filter(filterLayer, 0), {
    ...defaultActmaxOptions(adapter.inputShape),
    modelInput: normalization,
    steps,
    onProgress: () => {
      const now = performance.now();
      stepTimes.push(now - last);
      last = now;
    },
  });
  // The first step pays for building the optimiser's state.
  record('compiled', 'actmax_step', median(stepTimes.slice(1)));
  x.dispose();
  return rows;
}

async function main(): Promise<void> {
  const runs = Number(args.runs);
  const cpuRuns = Number(args['cpu-runs']);
  const quiet = await waitForQuietMachine({ maxWaitMinutes: parseMaxWait(args['max-wait']) });
  const rows: Row[] = [];
  const backends = cpuRuns > 0 ? (['wasm', 'cpu'] as const) : (['wasm'] as const);
  for (const backend of backends) {
    await useBackend(backend);
    const n = backend === 'wasm' ? runs : cpuRuns;
    // Uncompiled copies on wasm only: the cpu column is there for the cpu / wasm ratio.
    const pair = async (load: (compile: boolean) => Promise<LoadedModel>) => {
      const compiled = await load(true);
      const uncompiled = backend === 'wasm' ? await load(false) : undefined;
      return { compiled, uncompiled };
    };
    for (const [name, load, filterLayer] of [
      [
        'mobilenet_v1_0.25_224',
        (c: boolean) => loadSharedMobilenet('layers', { compile: c }),
        'conv_pw_6_relu',
      ],
      [
        'pothole_160',
        (c: boolean) => loadModelDir(POTHOLE_DIR, undefined, { compile: c }),
        'conv_pw_6_relu',
      ],
      [
        'road_damage_256',
        (c: boolean) => loadModelDir(ROAD_DAMAGE_DIR, undefined, { compile: c }),
        'conv_pw_6_relu',
      ],
    ] as const) {
      const { compiled, uncompiled } = await pair(load);
      rows.push(
        ...(await benchModel(
          name,
          { compiled: compiled.adapter, uncompiled: uncompiled?.adapter },
          compiled.manifest.input.normalization,
          backend,
          n,
          filterLayer,
          name === 'road_damage_256' ? typeOutputsOf(compiled) : undefined,
        )),
      );
      compiled.dispose();
      uncompiled?.dispose();
    }
    const seedModel = seedCnn();
    const seed = createAdapter(seedModel);
    const adapters = {
      compiled: compileAdapter(seed),
      uncompiled: backend === 'wasm' ? seed : undefined,
    };
    rows.push(
      ...(await benchModel('seed_cnn_128', adapters, NORMALIZE_ZERO_TO_ONE, backend, n, 'conv2')),
    );
    adapters.compiled.dispose();
  }

  const get = (model: string, backend: string, what: string, path: Path = 'compiled') =>
    rows.find(
      (r) => r.model === model && r.backend === backend && r.what === what && r.path === path,
    )?.median_ms ?? NaN;
  const models = ['mobilenet_v1_0.25_224', 'pothole_160', 'road_damage_256', 'seed_cnn_128'];
  const whats = ['inference', ...CAM_METHOD_NAMES, ...PER_TYPE, 'actmax_step'];
  const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
  const table = markdownTable(
    [
      'model',
      'what',
      'wasm ms',
      'wasm uncompiled ms',
      'uncompiled / compiled',
      'cpu ms',
      'cpu / wasm',
      'wasm: x inference',
    ],
    models.flatMap((m) =>
      whats
        .filter((w) => !PER_TYPE.includes(w) || m === 'road_damage_256')
        .map((w) => [
          m,
          w,
          fixed(get(m, 'wasm', w), 1),
          fixed(get(m, 'wasm', w, 'uncompiled'), 1),
          fixed(get(m, 'wasm', w, 'uncompiled') / get(m, 'wasm', w), 2),
          fixed(get(m, 'cpu', w), 1),
          fixed(get(m, 'cpu', w) / get(m, 'wasm', w), 1),
          w === 'inference' ? '1.00' : fixed(get(m, 'wasm', w) / get(m, 'wasm', 'inference'), 2),
        ]),
    ),
  );
  const md = [
    '## Explain core (`npm run bench:explain`)',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machineDescription()}, tfjs wasm with SIMD, ` +
      `single-threaded (Node), and the tfjs cpu backend. Medians of ${runs} runs on wasm and ` +
      `${cpuRuns} on cpu (Score-CAM: a fifth of that), batch of 1, random input. "wasm ms" and ` +
      '"cpu ms" are the compiled path (src/explain/compiled: what the app and the tools run); ' +
      '"wasm uncompiled" is the same model as tfjs runs it, timed right after it. ' +
      '"x inference" is the method\'s time over plain inference on the same path and backend.',
    '',
    table,
    '',
    ...models.map((m) => {
      const camRatio = get(m, 'wasm', 'gradcam') / get(m, 'wasm', 'inference');
      const speedUp = get(m, 'cpu', 'inference') / get(m, 'wasm', 'inference');
      const compiledGain = get(m, 'wasm', 'inference', 'uncompiled') / get(m, 'wasm', 'inference');
      return (
        `- ${m}: Grad-CAM ${camRatio.toFixed(2)}x inference (aim at most 1.2x: ` +
        `${camRatio <= 1.2 ? 'met' : 'not met'}); compiled inference ${compiledGain.toFixed(2)}x ` +
        `faster than uncompiled; ` +
        (Number.isFinite(speedUp)
          ? `wasm ${speedUp.toFixed(1)}x faster than cpu for inference ` +
            `(aim at least 30x: ${speedUp >= 30 ? 'met' : 'not met'}).`
          : 'cpu not measured in this run (--cpu-runs 0).')
      );
    }),
    (() => {
      const one = get('road_damage_256', 'wasm', 'gradcam_per_type');
      const repeated = get('road_damage_256', 'wasm', 'gradcam_per_type_repeated');
      return (
        `- road_damage_256: a Grad-CAM for each main damage type of one photo takes ` +
        `${fixed(one, 1)} ms in one body pass against ${fixed(repeated, 1)} ms with the photo ` +
        `repeated per type (${fixed(repeated / one, 1)}x).`
      );
    })(),
    `- ${loadSentence(quiet)}`,
  ].join('\n');
  console.log('\n' + md);
  writeBenchmarkSection('explain', md);
  if (args.json) {
    const load = loadFields(quiet);
    writeFileSync(
      args.json,
      JSON.stringify(
        rows.map((r) => ({ ...r, ...load })),
        null,
        2,
      ),
    );
  }
}

/** The road-damage model's main types (the app draws one heatmap each), by output index. */
function typeOutputsOf(model: LoadedModel): number[] {
  const types = (model.manifest as { types?: { output: number; parent?: string }[] }).types;
  if (!types) throw new Error('The road-damage manifest lists no types.');
  return types.filter((t) => !t.parent).map((t) => t.output);
}

await main();
