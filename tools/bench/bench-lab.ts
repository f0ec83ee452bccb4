/**
 * `npm run bench:lab`: how long the model lab takes to draw a grid of 16 filters of the pothole
 * model's middle conv layer (the layer and the settings the lab starts with), measured in real
 * Chromium against the production build (lab worker, wasm, the page's own clock from "Show
 * filters" to the finished grid), and, side by side in the same run, the same grid computed in
 * Node (wasm SIMD, one thread) by the same code. Aim: under 30 s in the browser.
 *
 * The model is the bundled pothole model (public/models/pothole) when the build has it; until
 * then, or with --standin, a stand-in of the same architecture the trainer builds (MobileNet v1
 * 0.25 at 160 px with output stride 16 and a two-class head: same layers, same cost per step,
 * untrained head), opened through the lab's file picker. --model DIR opens any model folder with
 * a manifest.json the same way.
 *
 *   npm run bench:lab [-- --runs 3] [-- --standin] [-- --model DIR] [-- --no-node]
 *                     [-- --json FILE] [-- --no-write]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumVersion, launchProfile, removeProfile } from '../lib/chromium';
import { buildApp, DEFAULT_MODEL_FILE, startPreview } from '../lib/preview-server';
import { actmaxSettingsFor, defaultPreset } from '../../src/lab/actmax-settings';
import { middleConvLayer } from '../../src/lab/layer-choice';
import { modelManifestSchema } from '../../src/model/manifest';
import { labGrid } from '../../src/workers/lab-analysis';
import { describeLayers } from '../../src/workers/lab-models';
import { loadModelDir } from '../lib/model-dir';
import { sharedRoot } from '../lib/shared-models';
import { useBackend } from '../lib/tf-node';
import { mobilenetClassifier } from '../train/architectures';
import { saveLayersModelToDir } from '../train/model-files';
import { machineDescription } from '../lib/machine';
import { projectRoot } from '../lib/project-root';
import { arg, markdownTable, median, writeBenchmarkSection } from './report';

const FILTERS = 16;
const BUDGET_S = 30;
const STANDIN_DIR = path.join(projectRoot, '.test-output', 'bench-lab', 'pothole-standin-160');

function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** The trainer's pothole architecture with an untrained head: the same cost per step. */
async function buildStandin(): Promise<string> {
  if (existsSync(path.join(STANDIN_DIR, 'manifest.json'))) return STANDIN_DIR;
  await useBackend('wasm');
  const built = await mobilenetClassifier(
    path.join(sharedRoot(), 'models', 'mobilenet_v1_0.25_224'),
    160,
    2,
    'conv_pw_13_relu',
    0.2,
    16,
  );
  rmSync(STANDIN_DIR, { recursive: true, force: true });
  mkdirSync(STANDIN_DIR, { recursive: true });
  await saveLayersModelToDir(built.model, STANDIN_DIR);
  built.model.dispose();
  const manifest = modelManifestSchema.parse({
    id: 'bench-pothole-standin',
    version: '160-os16',
    name: 'Stand-in pothole model (MobileNet v1 0.25, 160 px, untrained head)',
    task: 'pothole',
    format: 'layers',
    labels: ['normal', 'pothole'],
    input: { width: 160, height: 160, channels: 3, normalization: { mean: [0.5], std: [0.5] } },
    cam: { layer: 'conv_pw_13_relu' },
  });
  writeFileSync(path.join(STANDIN_DIR, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return STANDIN_DIR;
}

async function poll<T>(
  what: string,
  read: () => Promise<T>,
  done: (v: T) => boolean,
  timeout: number,
): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${String(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function labError(page: Page): Promise<string> {
  return ((await page.getByTestId('lab-error').textContent()) ?? '').trim();
}

interface BrowserRun {
  seconds: number;
  layer: string;
  steps: number;
  engine: string;
  model: string;
}

async function browserRuns(modelDir: string | null, runs: number): Promise<BrowserRun[]> {
  const dist = await buildApp();
  const preview = await startPreview({ dist });
  const profile = await launchProfile();
  try {
    const page = profile.context.pages()[0] ?? (await profile.context.newPage());
    await page.goto(`${preview.origin}/lab`);
    await poll(
      'the lab engine',
      async () =>
        (await page
          .getByTestId('lab-backend')
          .textContent()
          .catch(() => '')) ?? '',
      (t) => t !== '' && !/starting/.test(t),
      120_000,
    );
    if (modelDir) {
      await page
        .getByTestId('model-files')
        .setInputFiles(readdirSync(modelDir).map((f) => path.join(modelDir, f)));
    } else {
      await page.locator('[data-testid="bundled-model"][data-id="pothole"] button').click();
    }
    const model = await poll(
      'the model to open',
      async () =>
        (await labError(page)) ||
        ((await page
          .getByTestId('lab-model')
          .textContent()
          .catch(() => '')) ??
          ''),
      (t) => t !== '',
      120_000,
    );
    const error = await labError(page);
    if (error) throw new Error(`the lab could not open the model: ${error}`);
    await page.getByTestId('lab-tab-filters').click();
    const layer = await page.getByTestId('grid-layer').inputValue();
    await page.getByTestId('grid-selection').fill(`first ${FILTERS}`);
    await page.getByTestId('grid-selection').dispatchEvent('change');
    const engine = (await page.getByTestId('lab-backend').textContent()) ?? '';
    const out: BrowserRun[] = [];
    for (let i = 0; i < runs; i++) {
      await page.getByTestId('grid-run').click();
      const status = await poll(
        'the grid',
        async () =>
          ((await page.getByTestId('grid-status').textContent()) ?? '') + (await labError(page)),
        (t) => /Done|Cancelled/.test(t) || (!/Optimising/.test(t) && t.trim() !== ''),
        15 * 60_000,
      );
      const m = /Done: (\d+) filters of (\S+), (\d+) steps, in ([\d.]+) s/.exec(status);
      if (!m || Number(m[1]) !== FILTERS) throw new Error(`unexpected grid status: ${status}`);
      out.push({ seconds: Number(m[4]), layer: m[2], steps: Number(m[3]), engine, model });
      console.log(`chromium run ${i + 1}: ${m[4]} s (${m[2]}, ${m[3]} steps, ${engine})`);
    }
    if (out[0].layer !== layer) throw new Error(`the grid ran on ${out[0].layer}, not ${layer}`);
    return out;
  } finally {
    await profile.close();
    removeProfile(profile.userDataDir);
    await preview.close();
  }
}

async function nodeRun(
  modelDir: string,
): Promise<{ seconds: number; cpuSeconds: number; layer: string; steps: number }> {
  await useBackend('wasm');
  const loaded = await loadModelDir(modelDir);
  try {
    const layer = middleConvLayer(describeLayers(loaded.adapter));
    if (!layer) throw new Error('the model has no conv layer');
    const settings = actmaxSettingsFor(
      loaded.adapter.inputShape,
      defaultPreset(loaded.adapter.inputShape),
    );
    const cpu = process.cpuUsage();
    const started = performance.now();
    await labGrid(loaded, {
      layer: layer.name,
      kind: 'filters',
      selection: `first ${FILTERS}`,
      settings,
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    // CPU time of this single-threaded run: what the wall time would be on an idle machine.
    const cpuSeconds = (used.user + used.system) / 1e6;
    console.log(
      `node run: ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU (${layer.name}, ${settings.steps} steps)`,
    );
    return { seconds, cpuSeconds, layer: layer.name, steps: settings.steps };
  } finally {
    loaded.dispose();
  }
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '3'));
  const given = arg('model', '');
  const bundled = existsSync(DEFAULT_MODEL_FILE) && !flag('standin') && !given;
  const modelDir = given ? path.resolve(given) : bundled ? null : await buildStandin();
  const nodeDir = modelDir ?? path.dirname(DEFAULT_MODEL_FILE);
  const modelText = given
    ? `model from ${given}`
    : bundled
      ? `bundled pothole model (${JSON.parse(readFileSync(DEFAULT_MODEL_FILE, 'utf8')).name})`
      : 'stand-in of the trainer’s pothole architecture (MobileNet v1 0.25, 160 px, output stride 16, untrained head): public/models/pothole was not there';
  console.log(`bench:lab: ${FILTERS} filters of the middle conv layer of the ${modelText}`);
  // Other jobs share these cores; the load average says how much the wall times are inflated.
  const loadBefore = os.loadavg()[0];
  const browser = await browserRuns(modelDir, runs);
  const node = flag('no-node') ? null : await nodeRun(nodeDir);
  const loadAfter = os.loadavg()[0];
  const chromiumMedian = median(browser.map((r) => r.seconds));
  const verdict = chromiumMedian < BUDGET_S ? 'within' : 'OVER';
  console.log(
    `median in Chromium: ${chromiumMedian.toFixed(1)} s (${verdict} the ${BUDGET_S} s budget)` +
      (node
        ? `; Node: ${node.seconds.toFixed(1)} s wall, ${node.cpuSeconds.toFixed(1)} s CPU; ` +
          `Chromium / Node ${(chromiumMedian / node.seconds).toFixed(2)}`
        : '') +
      `; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after`,
  );
  const rows = [
    ...browser.map((r, i) => ({
      where: 'chromium',
      run: i + 1,
      seconds: r.seconds,
      layer: r.layer,
      steps: r.steps,
      engine: r.engine,
    })),
    ...(node
      ? [
          {
            where: 'node',
            run: 1,
            seconds: node.seconds,
            cpu_seconds: node.cpuSeconds,
            layer: node.layer,
            steps: node.steps,
            engine: 'wasm (SIMD), 1 thread',
          },
        ]
      : []),
  ];
  const json = arg('json', '');
  if (json) writeFileSync(json, JSON.stringify(rows, null, 2));
  if (!flag('no-write')) {
    const b = browser[0];
    writeBenchmarkSection(
      'lab',
      [
        '## Model lab: a grid of 16 filters',
        '',
        `\`npm run bench:lab\` (${new Date().toISOString().slice(0, 10)}; ${machineDescription(chromiumVersion())}). ` +
          `Model: the ${modelText}. Layer ${b.layer} (the middle conv layer, ` +
          `the lab's default), ${FILTERS} filters, the lab's default settings for its input ` +
          `(${b.steps} steps), one batch of ${FILTERS}. Browser time: the page's clock from ` +
          '"Show filters" to the finished grid, the lab worker computing. Budget: 30 s. ' +
          `The cores were shared with other jobs: 1-minute load average ${loadBefore.toFixed(1)} ` +
          `before and ${loadAfter.toFixed(1)} after; the Node run's CPU time is what its wall ` +
          'time would be on an idle machine (single-threaded).',
        '',
        markdownTable(
          ['where', 'backend', 'median s', 'runs (s)', 'ms per step', 'CPU s'],
          [
            [
              'Chromium, lab worker',
              b.engine,
              chromiumMedian.toFixed(1),
              browser.map((r) => r.seconds.toFixed(1)).join(', '),
              ((chromiumMedian * 1000) / b.steps).toFixed(0),
              '–',
            ],
            ...(node
              ? [
                  [
                    'Node, same code',
                    'wasm (SIMD), 1 thread',
                    node.seconds.toFixed(1),
                    node.seconds.toFixed(1),
                    ((node.seconds * 1000) / node.steps).toFixed(0),
                    node.cpuSeconds.toFixed(1),
                  ],
                ]
              : []),
          ],
        ),
      ].join('\n'),
    );
  }
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
