/**
 * npm run bench:explain [-- --json FILE] [-- --runs N]
 *
 * Side by side in one run, on the wasm (SIMD) and cpu backends: plain inference, every CAM
 * method and one activation-maximization step, for the MobileNet v1 0.25 in ../shared and a CNN
 * like the seed's (3 conv layers of 64/32/16 filters at 128x128). Prints medians and ratios
 * (CAM / inference, cpu / wasm) and writes them to docs/BENCHMARKS.md.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  CAM_METHOD_NAMES,
  computeCam,
  createAdapter,
  defaultActmaxOptions,
  filter,
  maximizeActivation,
  type ModelAdapter,
  type PixelNormalization,
  targets,
} from '../../src/explain';
import { tf, useBackend, type NodeBackend } from '../lib/tf-node';
import { machineDescription } from '../lib/machine';
import { markdownTable, median, timeMedian, writeBenchmarkSection } from './report';
import { loadSharedMobilenet } from '../lib/shared-models';

interface Row {
  model: string;
  backend: NodeBackend;
  what: string;
  median_ms: number;
}

const { values: args } = parseArgs({
  options: {
    json: { type: 'string' },
    runs: { type: 'string', default: '15' },
    'cpu-runs': { type: 'string', default: '3' },
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
  adapter: ModelAdapter,
  normalization: PixelNormalization,
  backend: NodeBackend,
  runs: number,
  filterLayer: string,
): Promise<Row[]> {
  const rows: Row[] = [];
  const x = tf.randomUniform([1, ...adapter.inputShape], -1, 1) as tf.Tensor4D;
  const target = targets.classLogit(0);
  const record = (what: string, ms: number) => {
    rows.push({ model: name, backend, what, median_ms: Math.round(ms * 100) / 100 });
    console.log(`${name.padEnd(22)} ${backend.padEnd(5)} ${what.padEnd(12)} ${ms.toFixed(1)} ms`);
  };
  record(
    'inference',
    await timeMedian(async () => {
      const out = adapter.predict(x);
      await out.probabilities.data();
      tf.dispose(out);
    }, runs),
  );
  for (const method of CAM_METHOD_NAMES) {
    // Score-CAM runs one forward pass per channel: fewer repetitions keep the cpu run bearable.
    const n = method === 'scorecam' ? Math.max(1, Math.ceil(runs / 5)) : runs;
    record(method, await timeMedian(() => computeCam(adapter, x, { method, target }), n, 1));
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
  record('actmax_step', median(stepTimes.slice(1)));
  x.dispose();
  return rows;
}

async function main(): Promise<void> {
  const runs = Number(args.runs);
  const cpuRuns = Number(args['cpu-runs']);
  const rows: Row[] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    await useBackend(backend);
    const mobilenet = await loadSharedMobilenet('layers');
    const n = backend === 'wasm' ? runs : cpuRuns;
    rows.push(
      ...(await benchModel(
        'mobilenet_v1_0.25_224',
        mobilenet.adapter,
        mobilenet.manifest.input.normalization,
        backend,
        n,
        'conv_pw_6_relu',
      )),
    );
    mobilenet.dispose();
    const seed = createAdapter(seedCnn());
    rows.push(
      ...(await benchModel('seed_cnn_128', seed, { mean: [0], std: [1] }, backend, n, 'conv2')),
    );
    seed.dispose();
  }

  const get = (model: string, backend: string, what: string) =>
    rows.find((r) => r.model === model && r.backend === backend && r.what === what)!.median_ms;
  const models = ['mobilenet_v1_0.25_224', 'seed_cnn_128'];
  const whats = ['inference', ...CAM_METHOD_NAMES, 'actmax_step'];
  const table = markdownTable(
    ['model', 'what', 'wasm ms', 'cpu ms', 'cpu / wasm', 'wasm: x inference'],
    models.flatMap((m) =>
      whats.map((w) => [
        m,
        w,
        get(m, 'wasm', w).toFixed(1),
        get(m, 'cpu', w).toFixed(1),
        (get(m, 'cpu', w) / get(m, 'wasm', w)).toFixed(1),
        w === 'inference' ? '1.00' : (get(m, 'wasm', w) / get(m, 'wasm', 'inference')).toFixed(2),
      ]),
    ),
  );
  const md = [
    '## Explain core (`npm run bench:explain`)',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machineDescription()}, tfjs wasm with SIMD, ` +
      `single-threaded (Node), and the tfjs cpu backend. Medians of ${runs} runs on wasm and ` +
      `${cpuRuns} on cpu (Score-CAM: a fifth of that), batch of 1, random input. ` +
      '"x inference" is the method\'s time over plain inference on the same backend.',
    '',
    table,
    '',
    ...models.map((m) => {
      const camRatio = get(m, 'wasm', 'gradcam') / get(m, 'wasm', 'inference');
      const speedUp = get(m, 'cpu', 'inference') / get(m, 'wasm', 'inference');
      return (
        `- ${m}: Grad-CAM ${camRatio.toFixed(2)}x inference (aim at most 1.2x: ` +
        `${camRatio <= 1.2 ? 'met' : 'not met'}); wasm ${speedUp.toFixed(1)}x faster than cpu ` +
        `for inference (aim at least 30x: ${speedUp >= 30 ? 'met' : 'not met'}).`
      );
    }),
    `- Load average (1 min) at the end: ${loadavg()[0].toFixed(1)}.`,
  ].join('\n');
  console.log('\n' + md);
  writeBenchmarkSection('explain', md);
  if (args.json) writeFileSync(args.json, JSON.stringify(rows, null, 2));
}

await main();
