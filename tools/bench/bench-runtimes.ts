/**
 * npm run bench:runtimes [-- --json FILE] [-- --runs N] [-- --rounds N] [-- --max-wait MINUTES]
 *
 * RoadCAM's inference (tfjs wasm, SIMD, 1 thread, the compiled path) against onnxruntime-web
 * (wasm, 1 thread) in the same Node process, on the same model and input, batch 1, interleaved
 * round by round. The ONNX model is written here from the compiled program's own weights
 * (tools/bench/onnx); it is not part of the product. The outputs are compared before timing.
 * Models: the default road-damage model, the pothole model, and MobileNet v1 0.25 (224 px) from ../shared in both
 * formats. Prints medians and the ratio, writes docs/BENCHMARKS.md's section, and with --json
 * rows {"model", "runtime", "median_ms"} (runtime "tfjs-wasm" or "ort-web") and the load.
 * Timing starts once the machine is quiet (tools/bench/quiet-machine.ts, bounded wait).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { CompiledModelAdapter } from '../../src/explain/compiled';
import type { LoadedModel } from '../../src/model/load-model';
import { machineDescription } from '../lib/machine';
import { loadModelDir } from '../lib/model-dir';
import { projectRoot } from '../lib/paths';
import { loadSharedMobilenet } from '../lib/shared-models';
import { tf, useBackend } from '../lib/tf-node';
import { exportOnnx } from './onnx/export-onnx';
import { arg, markdownTable, writeBenchmarkSection } from './report';
import { median } from '../lib/median';
import { loadFields, loadSentence, maxWaitMinutesArg, waitForQuietMachine } from './quiet-machine';

interface Row {
  model: string;
  runtime: 'tfjs-wasm' | 'ort-web';
  median_ms: number;
  load_1m_start?: number;
  load_1m?: number;
  busy_machine?: boolean;
}

interface ModelCase {
  name: string;
  load(): Promise<LoadedModel>;
  range: [number, number];
}

const CASES: ModelCase[] = [
  {
    name: 'road damage (default, 256 px)',
    load: () => loadModelDir(path.join(projectRoot, 'public', 'models', 'road-damage')),
    range: [-1, 1],
  },
  {
    name: 'pothole (160 px)',
    load: () => loadModelDir(path.join(projectRoot, 'public', 'models', 'pothole')),
    range: [-1, 1],
  },
  {
    name: 'mobilenet_v1_0.25_224 (layers)',
    load: () => loadSharedMobilenet('layers'),
    range: [-1, 1],
  },
  {
    name: 'mobilenet_v1_0.25_224 (graph)',
    load: () => loadSharedMobilenet('graph'),
    range: [0, 1],
  },
];

/** NHWC values as NCHW, the layout the ONNX model takes. */
function toNchw(data: Float32Array, [h, w, c]: [number, number, number]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) out[(k * h + y) * w + x] = data[(y * w + x) * c + k];
  return out;
}

async function benchModel(
  spec: ModelCase,
  runs: number,
  rounds: number,
): Promise<{ rows: Row[]; maxDiff: number; opsTfjs: number }> {
  const loaded = await spec.load();
  try {
    const adapter = loaded.adapter;
    if (!(adapter instanceof CompiledModelAdapter)) {
      throw new Error(`${spec.name} was not compiled; the benchmark needs the compiled path`);
    }
    const shape = adapter.inputShape;
    const x = tf.randomUniform([1, ...shape], ...spec.range, 'float32', 42) as tf.Tensor4D;
    const input = x.dataSync() as Float32Array;
    const onnx = exportOnnx(adapter.programGraph() as Parameters<typeof exportOnnx>[0], shape);
    const session = await ort.InferenceSession.create(onnx, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
    const feeds = {
      input: new ort.Tensor('float32', toNchw(input, shape), [1, shape[2], shape[0], shape[1]]),
    };

    const runTfjs = async (): Promise<Float32Array> => {
      const out = adapter.predict(x);
      const logits = (await out.logits.data()) as Float32Array;
      await out.probabilities.data();
      tf.dispose(out);
      return logits;
    };
    const runOrt = async (): Promise<Float32Array> => {
      const out = await session.run(feeds);
      return out[session.outputNames[0]].data as Float32Array;
    };

    // Same logits from both, or the timing compares different work.
    const a = await runTfjs();
    const b = await runOrt();
    if (a.length !== b.length)
      throw new Error(`outputs differ in size: ${a.length} vs ${b.length}`);
    const scale = Math.max(1, ...Array.from(a, Math.abs));
    const maxDiff = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
    if (maxDiff > 1e-4 * scale) {
      throw new Error(`${spec.name}: tfjs and onnxruntime-web disagree by ${maxDiff}`);
    }

    const times = { tfjs: [] as number[], ort: [] as number[] };
    const time = async (fn: () => Promise<unknown>, into: number[]) => {
      for (let i = 0; i < 3; i++) await fn();
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await fn();
        ms.push(performance.now() - t0);
      }
      into.push(median(ms));
    };
    // Interleaved: each round times both, in alternating order, so that load drifts hit both.
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        await time(runTfjs, times.tfjs);
        await time(runOrt, times.ort);
      } else {
        await time(runOrt, times.ort);
        await time(runTfjs, times.tfjs);
      }
    }
    await session.release();
    x.dispose();
    const round2 = (v: number) => Math.round(v * 1000) / 1000;
    return {
      rows: [
        { model: spec.name, runtime: 'tfjs-wasm', median_ms: round2(median(times.tfjs)) },
        { model: spec.name, runtime: 'ort-web', median_ms: round2(median(times.ort)) },
      ],
      maxDiff,
      opsTfjs: adapter.report.ops,
    };
  } finally {
    loaded.dispose();
  }
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '20'));
  const rounds = Number(arg('rounds', '7'));
  const json = arg('json', '');
  await useBackend('wasm');
  ort.env.wasm.numThreads = 1;
  const quiet = await waitForQuietMachine({ maxWaitMinutes: maxWaitMinutesArg() });
  const rows: Row[] = [];
  const lines: string[][] = [];
  for (const spec of CASES) {
    const result = await benchModel(spec, runs, rounds);
    rows.push(...result.rows);
    const [tfjs, onnx] = result.rows.map((r) => r.median_ms);
    lines.push([
      spec.name,
      tfjs.toFixed(2),
      onnx.toFixed(2),
      (onnx / tfjs).toFixed(2),
      String(result.opsTfjs),
      result.maxDiff.toExponential(1),
    ]);
    console.log(
      `${spec.name}: tfjs-wasm ${tfjs.toFixed(2)} ms, ort-web ${onnx.toFixed(2)} ms, ` +
        `ort / tfjs ${(onnx / tfjs).toFixed(2)}`,
    );
  }
  const load = loadFields(quiet);
  const md = [
    '## Runtimes: tfjs wasm against onnxruntime-web (`npm run bench:runtimes`)',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machineDescription()}. ` +
      `One Node process, batch 1, the same input: RoadCAM's compiled path on tfjs wasm ` +
      `(${tf.getBackend()}, SIMD, 1 thread) and onnxruntime-web ${ort.env.versions.web} (wasm, ` +
      `1 thread, all graph optimisations) on an ONNX export of the same compiled weights ` +
      `(NCHW input). Median of ${rounds} interleaved rounds, each the median of ${runs} runs.`,
    '',
    markdownTable(
      [
        'model',
        'tfjs-wasm ms',
        'ort-web ms',
        'ort / tfjs',
        'tfjs kernels',
        'largest logit difference',
      ],
      lines,
    ),
    '',
    `- Aim: tfjs wasm at least 1.3x faster than onnxruntime-web (ort / tfjs >= 1.3).`,
    `- ${loadSentence(quiet)}`,
  ].join('\n');
  console.log('\n' + md);
  writeBenchmarkSection('runtimes', md);
  if (json)
    writeFileSync(
      json,
      JSON.stringify(
        rows.map((r) => ({ ...r, ...load })),
        null,
        2,
      ),
    );
}

await main();
