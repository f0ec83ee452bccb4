/**
 * Benchmark of the wasm gradient kernels (src/explain/kernels), side by side in one run:
 *  1. the kernels tfjs-backend-wasm 4.22 ships vs ours, on shapes from the seed CNN and MobileNet
 *     (Conv2DBackpropInput, MaxPoolGrad, AvgPoolGrad), median ms per call;
 *  2. one tfjs-layers training step (Adam, categorical cross-entropy) of the seed CNN at 128x128
 *     on wasm with our kernels, on wasm with the shipped kernels where there are some, and on cpu.
 *
 *   npx tsx tools/bench/bench-wasm-gradients.ts [--reps 5] [--cpu-reps 1] [--batch 16] [--json out.json]
 *     [--max-wait MINUTES]   (the wait for a quiet machine, default 10; see quiet-machine.ts)
 *     [--profile]   (also: the largest kernels of one seed-CNN and one MobileNet fine-tuning step)
 *
 * The cpu step is long (12 minutes measured here on a loaded 2-core VM): --cpu-reps 0 skips it.
 * The shipped MaxPoolGrad is timed only; its results are wrong on ties (see docs/kernels.md).
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { sharedDir } from '../lib/paths';
import { tf, useBackend } from '../lib/tf-node';
import {
  registerWasmGradientKernels,
  shippedWasmKernel,
} from '../../src/explain/kernels/wasm-gradients';
// Also registers the gradients: tfjs-layers' Node build carries them, tfjs-core's does not.
import { mobilenetClassifier, seedPotholeCnn } from '../train/architectures';
import { machineDescription } from '../lib/machine';
import {
  DEFAULT_MAX_WAIT_MINUTES,
  loadFields,
  loadSentence,
  parseMaxWait,
  waitForQuietMachine,
} from './quiet-machine';
import { median } from '../lib/median';

interface Options {
  reps: number;
  cpuReps: number;
  batch: number;
  json?: string;
  maxWaitMinutes: number;
  /** Also print where one wasm training step spends its time, kernel by kernel. */
  profile: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    reps: 5,
    cpuReps: 1,
    batch: 16,
    profile: false,
    maxWaitMinutes: DEFAULT_MAX_WAIT_MINUTES,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v == null) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    switch (argv[i]) {
      case '--reps':
        options.reps = Number(value());
        break;
      case '--cpu-reps':
        options.cpuReps = Number(value());
        break;
      case '--batch':
        options.batch = Number(value());
        break;
      case '--json':
        options.json = value();
        break;
      case '--profile':
        options.profile = true;
        break;
      case '--max-wait':
        options.maxWaitMinutes = parseMaxWait(value());
        break;
      default:
        throw new Error(
          `Unknown option ${argv[i]}. Usage: --reps N --cpu-reps N --batch N --json FILE --profile --max-wait MINUTES`,
        );
    }
  }
  return options;
}

interface Row {
  what: string;
  shape: string;
  variant: 'shipped wasm' | 'our wasm' | 'cpu';
  median_ms: number;
}

const rows: Row[] = [];

/** Median ms of `run` (after one warm-up call); `run` returns what it allocated, to dispose. */
async function timeIt(
  reps: number,
  run: () => tf.TensorContainer | Promise<unknown>,
  warmUp = true,
): Promise<number> {
  const once = async () => {
    const start = performance.now();
    const out = await run();
    const ms = performance.now() - start;
    tf.dispose(out as tf.TensorContainer);
    return ms;
  };
  if (warmUp) await once();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await once());
  return median(times);
}

/** Registers the kernel tfjs-backend-wasm shipped under `name` (true) or ours (false). */
function useShipped(name: string, shipped: boolean): void {
  const config = shippedWasmKernel(name);
  if (config == null) throw new Error(`tfjs-backend-wasm shipped no ${name} kernel`);
  tf.unregisterKernel(name, 'wasm');
  if (shipped) {
    tf.registerKernel(config);
    // Shipped kernels bind their wasm function in setupFunc, run when the backend started.
    config.setupFunc?.(tf.backend());
  } else {
    registerWasmGradientKernels();
  }
}

interface KernelCase {
  what: string;
  shape: string;
  kernel: string;
  inputs: () => Record<string, tf.Tensor>;
  attrs: Record<string, unknown>;
}

type Shape4D = [number, number, number, number];

function conv2DBackpropInputCase(
  x: Shape4D,
  filter: Shape4D,
  strides: number,
  pad: 'same' | 'valid',
  what: string,
) {
  const dy = tf.tidy(
    () =>
      tf.conv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(filter) as tf.Tensor4D, strides, pad).shape,
  );
  return {
    what,
    shape: `dy [${dy}] filter [${filter}] stride ${strides} ${pad}`,
    kernel: 'Conv2DBackpropInput',
    inputs: () => ({ dy: tf.randomNormal(dy), filter: tf.randomNormal(filter) }),
    attrs: { inputShape: x, strides, pad, dataFormat: 'NHWC' },
  };
}

function poolCase(
  kernel: 'MaxPoolGrad' | 'AvgPoolGrad',
  x: Shape4D,
  size: number,
  strides: number,
  pad: 'same' | 'valid',
  what: string,
) {
  return {
    what,
    shape: `x [${x}] ${size}x${size} stride ${strides} ${pad}`,
    kernel,
    inputs: () => {
      const input = tf.relu(tf.randomNormal(x)) as tf.Tensor4D;
      const output = tf.maxPool(input, size, strides, pad);
      return { input, output, dy: tf.randomNormal(output.shape) };
    },
    attrs: { filterSize: size, strides, pad },
  };
}

async function benchKernels(options: Options): Promise<void> {
  const n = options.batch;
  const cases: KernelCase[] = [
    conv2DBackpropInputCase([n, 63, 63, 64], [3, 3, 64, 32], 1, 'valid', 'seed CNN conv2'),
    conv2DBackpropInputCase([n, 30, 30, 32], [3, 3, 32, 16], 1, 'valid', 'seed CNN conv3'),
    conv2DBackpropInputCase([n, 56, 56, 32], [1, 1, 32, 64], 1, 'same', 'MobileNet pointwise'),
    conv2DBackpropInputCase([n, 224, 224, 3], [3, 3, 3, 8], 2, 'same', 'MobileNet conv1'),
    poolCase('MaxPoolGrad', [n, 126, 126, 64], 2, 2, 'valid', 'seed CNN pool1'),
    poolCase('MaxPoolGrad', [n, 61, 61, 32], 2, 2, 'valid', 'seed CNN pool2'),
    poolCase('MaxPoolGrad', [n, 56, 56, 64], 3, 2, 'same', 'overlapping 3x3'),
    poolCase('AvgPoolGrad', [n, 7, 7, 256], 7, 1, 'valid', 'global 7x7'),
    poolCase('AvgPoolGrad', [n, 64, 64, 32], 2, 2, 'valid', '2x2 pooling'),
  ];
  console.log(`\nKernels, batch ${n}: median of ${options.reps} calls (ms)`);
  console.log(
    `${'kernel'.padEnd(20)} ${'case'.padEnd(20)} ${'shape'.padEnd(52)} shipped     ours   speed-up`,
  );
  for (const c of cases) {
    const inputs = c.inputs();
    const run = () =>
      tf.engine().runKernel(c.kernel, inputs, c.attrs as tf.NamedAttrMap) as tf.Tensor;
    useShipped(c.kernel, true);
    const shipped = await timeIt(options.reps, run);
    useShipped(c.kernel, false);
    const ours = await timeIt(options.reps, run);
    tf.dispose(Object.values(inputs));
    rows.push({
      what: `${c.kernel} ${c.what}`,
      shape: c.shape,
      variant: 'shipped wasm',
      median_ms: shipped,
    });
    rows.push({
      what: `${c.kernel} ${c.what}`,
      shape: c.shape,
      variant: 'our wasm',
      median_ms: ours,
    });
    console.log(
      `${c.kernel.padEnd(20)} ${c.what.padEnd(20)} ${c.shape.padEnd(52)} ${shipped.toFixed(1).padStart(7)} ` +
        `${ours.toFixed(1).padStart(8)} ${(shipped / ours).toFixed(1).padStart(8)}x`,
    );
  }
}

async function trainingStepMs(reps: number, batch: number, warmUp = true): Promise<number> {
  const { model } = seedPotholeCnn(128, 2);
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const x = tf.randomUniform([batch, 128, 128, 3]);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % 2),
      'int32',
    ),
    2,
  );
  const ms = await timeIt(reps, () => model.trainOnBatch(x, y), warmUp);
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
  return ms;
}

async function benchTraining(options: Options): Promise<void> {
  const n = options.batch;
  const shape = `batch ${n}, 128x128x3`;
  const what = 'seed CNN training step';
  console.log(`\nOne training step of the seed CNN (conv 64/32/16, Adam), ${shape} (ms)`);
  await useBackend('wasm');
  const ours = await trainingStepMs(options.reps, n);
  rows.push({ what, shape, variant: 'our wasm', median_ms: ours });
  console.log(`wasm, our kernels                              ${ours.toFixed(0).padStart(8)}`);
  // The shipped kernels where there are some; the filter gradient has none, ours stays.
  useShipped('Conv2DBackpropInput', true);
  useShipped('MaxPoolGrad', true);
  const shipped = await trainingStepMs(options.reps, n);
  useShipped('Conv2DBackpropInput', false);
  useShipped('MaxPoolGrad', false);
  rows.push({ what, shape, variant: 'shipped wasm', median_ms: shipped });
  console.log(
    `wasm, shipped Conv2DBackpropInput/MaxPoolGrad  ${shipped.toFixed(0).padStart(8)}` +
      `   (${(shipped / ours).toFixed(1)}x ours)`,
  );
  if (options.cpuReps > 0) {
    await useBackend('cpu');
    // No warm-up step on cpu: one step is long enough to dwarf any first-call cost.
    const cpu = await trainingStepMs(options.cpuReps, n, false);
    rows.push({ what, shape, variant: 'cpu', median_ms: cpu });
    console.log(
      `cpu backend                                    ${cpu.toFixed(0).padStart(8)}   (${(cpu / ours).toFixed(1)}x ours)`,
    );
  }
}

/** Prints the kernels that take most of one training step, as measured by tf.profile. */
async function printProfile(label: string, model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor) {
  const optimizer = tf.train.adam(1e-4);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  await model.trainOnBatch(x, y);
  const start = performance.now();
  await model.trainOnBatch(x, y);
  const stepMs = performance.now() - start;
  const info = await tf.profile(async () => {
    await model.trainOnBatch(x, y);
  });
  const byKernel = new Map<string, number>();
  for (const k of info.kernels) {
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  }
  const top = [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(
    `\n${label}: one step ${stepMs.toFixed(0)} ms; largest kernels (ms, under tf.profile):`,
  );
  console.log(top.map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', '));
  optimizer.dispose();
}

async function profileSteps(batch: number): Promise<void> {
  await useBackend('wasm');
  const labels = (n: number) =>
    tf.oneHot(
      tf.tensor1d(
        Array.from({ length: n }, (_, i) => i % 2),
        'int32',
      ),
      2,
    );
  const seed = seedPotholeCnn(128, 2).model;
  const x = tf.randomUniform([batch, 128, 128, 3]);
  const y = labels(batch);
  await printProfile(`seed CNN, batch ${batch}, 128x128, wasm`, seed, x, y);
  tf.dispose([x, y]);
  seed.dispose();
  const mobilenetDir = path.join(sharedDir(), 'models', 'mobilenet_v1_0.25_224');
  if (!existsSync(mobilenetDir)) {
    console.log(`\n(MobileNet fine-tuning profile skipped: ${mobilenetDir} not found)`);
    return;
  }
  const mobileBatch = Math.max(1, Math.floor(batch / 2));
  const { model } = await mobilenetClassifier(mobilenetDir, 224, 2);
  const mx = tf.randomUniform([mobileBatch, 224, 224, 3], -1, 1);
  const my = labels(mobileBatch);
  await printProfile(`MobileNet fine-tuning, batch ${mobileBatch}, 224x224, wasm`, model, mx, my);
  tf.dispose([mx, my]);
  model.dispose();
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  await useBackend('wasm');
  const quiet = await waitForQuietMachine({ maxWaitMinutes: options.maxWaitMinutes });
  console.log(
    `wasm gradient kernels benchmark: ${machineDescription()}, wasm binary: ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'plain'}` +
      `${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? ' + threads' : ''}`,
  );
  await benchKernels(options);
  await benchTraining(options);
  if (options.profile) await profileSteps(options.batch);
  const load = loadFields(quiet);
  console.log(`\n${loadSentence(quiet, load.load_1m)}`);
  if (options.json) {
    writeFileSync(
      options.json,
      JSON.stringify(
        rows.map((r) => ({ ...r, ...load })),
        null,
        2,
      ),
    );
    console.log(`\nRows written to ${options.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
