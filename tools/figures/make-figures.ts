/**
 * `npm run figures`: regenerates the seed study's figures into docs/figures/ with the project's
 * own `roadcam filters` and `roadcam explain` commands, then composes their images into a few
 * small labelled PNGs and writes docs/figures/README.md (figures, how the photos were picked, and
 * every command that was run). Reads ../shared (or ROADCAM_SHARED); never copies from it.
 *
 *   npx tsx tools/figures/make-figures.ts [--only filters,mnist,cat,potholes] [--keep]
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import type { ModelManifest } from '../../src/model/manifest';
import { ToolError } from '../lib/tool-error';
import { loadMnistSplit } from '../data/mnist';
import { readSplitPlan } from '../eval/split-file';
import { machineDescription } from '../lib/machine';
import { loadModelDir, readManifest } from '../lib/model-dir';
import { useBackend } from '../lib/tf-node';
import { projectRoot, sharedDir } from '../lib/paths';
import { runCli } from '../lib/cli';
import { writeContactSheet, type SheetRow, type SheetTile } from './contact-sheet';
import { writeDigitSamples } from './mnist-digits';
import {
  pickPotholeCases,
  saysPothole,
  scoreCandidates,
  testPhotos,
  type CaseCandidate,
} from './pothole-cases';
import {
  overlaysOf,
  parseExplainOutput,
  runRoadcam,
  uniqueNameBatches,
  type ExplainLine,
} from './run-roadcam';

const USAGE = `Usage: npm run figures -- [--only filters,mnist,cat,potholes] [--keep] [--out DIR]
  Regenerates docs/figures/*.png and docs/figures/README.md from the roadcam commands.
  --only   make only these figures (README.md is then left as it is)
  --keep   keep the commands' full-size outputs (the scratch folder is printed)
  --out    write the figures into DIR instead of docs/figures (to look before replacing them)
Reads the shared material at ROADCAM_SHARED (default ../shared beside the project).`;

const TOPICS = ['filters', 'mnist', 'cat', 'potholes'] as const;
type Topic = (typeof TOPICS)[number];

const DEFAULT_FIGURES_DIR = path.join(projectRoot, 'docs', 'figures');
const POTHOLE_DIR = path.join(projectRoot, 'public', 'models', 'pothole');
const MNIST_DIR = path.join(projectRoot, 'public', 'models', 'mnist');
/** roadcam explain draws overlays at most this large (tools/cli/explain-command.ts). */
const OVERLAY_MAX_SIDE = 1024;

/**
 * Filters per grid and optimisation steps. The default 128 steps take about 5 minutes per
 * MobileNet grid on this machine (2.3 s a step for 9 filters at 224 px); 32 steps already show
 * the colours and textures, and keep the whole run to a few minutes. The layers are the
 * convolutions' outputs before the ReLU6 (MobileNet: after its batch norm; the pothole model has
 * batch norm folded into the convolution): behind the ReLU6 a filter that is zero or saturated on
 * the start image gets no gradient (docs/actmax.md).
 */
const CONV_STEPS = 32;
const CONV_LAYERS = [
  // Width 0.25 leaves the first layer 8 filters: all of them.
  { mobilenet: 'conv1_bn', pothole: 'conv1', where: 'first conv', filters: '0-7' },
  { mobilenet: 'conv_pw_7_bn', pothole: 'conv_pw_7', where: 'middle (7 of 13)', filters: '0-8' },
  { mobilenet: 'conv_pw_13_bn', pothole: 'conv_pw_13', where: 'last conv', filters: '0-8' },
];
const MNIST_LAYERS = [
  { layer: 'conv1', where: 'first conv layer (32 filters)' },
  { layer: 'conv2', where: 'second conv layer (64 filters)' },
  { layer: 'dense1', where: 'dense layer (128 units)' },
];
const MNIST_FILTERS = '0-15';
/** MNIST's conv layers have their ReLU built in: from the default near-grey start most of their
 * filters are zero and get no gradient, so the start is noisier. */
const MNIST_INIT_SCALE = '1';

interface Figure {
  file: string;
  title: string;
  shows: string;
  commands: string[];
  bytes: number;
}

interface Context {
  shared: string;
  work: string;
  /** Where the figures go: docs/figures unless --out says otherwise. */
  out: string;
  figures: Figure[];
  started: number;
}

/** A path as the log shows it: relative inside the project (docs/figures/...), else whole. */
function shownPath(file: string): string {
  const rel = path.relative(projectRoot, file);
  return rel.startsWith('..') ? file : rel;
}

function log(ctx: Context, line: string): void {
  const s = Math.round((performance.now() - ctx.started) / 1000);
  const stamp = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  process.stdout.write(`[figures ${stamp}] ${line}\n`);
}

async function roadcam(ctx: Context, args: string[]) {
  log(ctx, 'running roadcam ' + args[0] + ' ...');
  const run = await runRoadcam(args, ctx.work);
  log(ctx, `done in ${run.seconds.toFixed(1)} s: ${run.command}`);
  return run;
}

function requireShared(shared: string, parts: string[][]): void {
  if (!existsSync(shared)) {
    throw new ToolError(
      'missing-folder',
      `The shared RoadCAM material was not found at ${shared}. The figures need its MobileNet, ` +
        `photos and pothole data: put it beside the project (../shared) or set ` +
        `ROADCAM_SHARED=/path/to/shared.`,
    );
  }
  const missing = parts.map((p) => path.join(shared, ...p)).filter((p) => !existsSync(p));
  if (missing.length) {
    throw new ToolError(
      'missing-folder',
      `The shared folder ${shared} lacks what the figures need: ${missing.join(', ')}.`,
    );
  }
}

function mobilenetFlags(shared: string): string[] {
  return [
    '--model',
    path.join(shared, 'models', 'mobilenet_v1_0.25_224'),
    '--size',
    '224x224',
    '--range=-1,1',
    '--labels',
    path.join(shared, 'models', 'imagenet-labels.json'),
  ];
}

async function addSheet(
  ctx: Context,
  name: string,
  title: string,
  shows: string,
  commands: string[],
  sheet: { subtitle?: string; rows: SheetRow[]; tileSize?: number },
): Promise<void> {
  const file = path.join(ctx.out, name);
  const bytes = await writeContactSheet(file, { title, ...sheet });
  ctx.figures.push({ file: name, title, shows, commands, bytes });
  log(ctx, `wrote ${shownPath(file)} (${(bytes / 1024).toFixed(0)} KiB)`);
}

async function filterFigures(ctx: Context): Promise<void> {
  const models = [
    { name: 'MobileNet v1 0.25 (ImageNet)', flags: mobilenetFlags(ctx.shared), key: 'mobilenet' },
    { name: 'pothole model (fine-tuned)', flags: ['--model', POTHOLE_DIR], key: 'pothole' },
  ] as const;
  const commands: string[] = [];
  const rows: SheetRow[] = [];
  for (const model of models) {
    const tiles: SheetTile[] = [];
    for (const { where, filters, ...names } of CONV_LAYERS) {
      const layer = names[model.key];
      const out = path.join(ctx.work, 'filters', `${model.key}-${layer}.png`);
      const run = await roadcam(ctx, [
        'filters',
        ...model.flags,
        '--layer',
        layer,
        '--filters',
        filters,
        '--steps',
        String(CONV_STEPS),
        '--out',
        out,
      ]);
      commands.push(run.command);
      tiles.push({
        file: out,
        caption: [`${layer}: ${where}`, `filters ${filters}, ${CONV_STEPS} steps`],
      });
    }
    rows.push({ title: model.name, tiles });
  }
  await addSheet(
    ctx,
    'filters-mobilenet-pothole.png',
    'What conv filters respond to: MobileNet v1 0.25 and the pothole model built on it',
    'Activation maximization (gradient ascent on the input in a decorrelated colour and ' +
      'Fourier space, with jitter, scale and rotation) of the first, a middle and the last conv ' +
      'layer, read before the ReLU6: all 8 filters of the first layer, filters 0-8 of the others. ' +
      'Row 1: the ImageNet MobileNet (224 px input). Row 2: the pothole model fine-tuned from it ' +
      '(160 px input), same layers and filter numbers, so the rows show what fine-tuning on road ' +
      'photos changed. The seed study found colours in early filters and textures in later ones; ' +
      'so do these: the first layer gives flat colour fields (two of its 8 filters stay grey: ' +
      'no response from this start), the middle layer repeating small textures, the last layer larger ' +
      'curved structures. Fine-tuning left the first two layers almost as they were and changed ' +
      'the last layer most.',
    commands,
    {
      subtitle: 'roadcam filters: one grid per layer, filters in reading order from 0',
      rows,
      tileSize: 300,
    },
  );
}

async function mnistFigures(ctx: Context): Promise<void> {
  const manifest = readManifest(MNIST_DIR) as ModelManifest & {
    training?: { seed?: number };
  };
  const seed = manifest.training?.seed;
  if (typeof seed !== 'number') {
    throw new ToolError(
      'bad-model-folder',
      `${MNIST_DIR}/manifest.json does not say the seed of its digit split (training.seed), so ` +
        `the held-out digits cannot be found.`,
    );
  }

  const filterCommands: string[] = [];
  const tiles: SheetTile[] = [];
  for (const { layer, where } of MNIST_LAYERS) {
    const out = path.join(ctx.work, 'filters', `mnist-${layer}.png`);
    const run = await roadcam(ctx, [
      'filters',
      '--model',
      MNIST_DIR,
      '--layer',
      layer,
      '--filters',
      MNIST_FILTERS,
      '--init-scale',
      MNIST_INIT_SCALE,
      '--out',
      out,
    ]);
    filterCommands.push(run.command);
    tiles.push({
      file: out,
      caption: [`${layer}: ${where}`, `${MNIST_FILTERS}, 128 steps, init ${MNIST_INIT_SCALE}`],
    });
  }
  await addSheet(
    ctx,
    'mnist-filters.png',
    'What the MNIST network responds to: both conv layers and the dense layer',
    'Activation maximization of the seed MNIST CNN (public/models/mnist): filters 0-15 of conv1 ' +
      'and conv2, and units 0-15 of the 128-unit dense layer, each tile a 28x28 input enlarged ' +
      '4x, optimised from a noisy start (`--init-scale 1`; from the default near-grey start most ' +
      'filters of these ReLU layers get no gradient and stay grey). conv1 gives stripes at one ' +
      'orientation and flat fields (edge and brightness detectors), conv2 curved strokes, the ' +
      'dense units stroke combinations; dense units that stay grey did not respond to this start.',
    filterCommands,
    {
      subtitle: 'roadcam filters: one 4x4 grid per layer, in reading order',
      rows: [{ title: 'public/models/mnist', tiles }],
      tileSize: 300,
    },
  );

  const digitsDir = path.join(ctx.work, 'mnist-digits');
  mkdirSync(digitsDir, { recursive: true });
  const split = loadMnistSplit(seed);
  const digits = await writeDigitSamples(split.test, digitsDir);
  log(ctx, `wrote ${digits.length} held-out MNIST digits (split seed ${seed}) to ${digitsDir}`);
  const out = path.join(ctx.work, 'mnist-gradcam');
  const run = await roadcam(ctx, [
    'explain',
    ...digits.map((d) => d.file),
    '--model',
    MNIST_DIR,
    '--out',
    out,
  ]);
  const lines = parseExplainOutput(run.stdout);
  const overlays = digits.map((d) => overlaysOf(lines, d.file)[0]);
  await addSheet(
    ctx,
    'mnist-gradcam.png',
    'Grad-CAM on held-out MNIST digits',
    'One held-out digit of each class (the first of its class in the test part of the split ' +
      `the model was trained with, seed ${seed}), written as 28 px PNG files and explained with ` +
      'Grad-CAM of the predicted class at conv2 (an 11x11 map), overlays enlarged 4x.',
    [
      `# the digits: tools/figures/mnist-digits.ts writes the mnist package's test part (seed ${seed})`,
      run.command,
    ],
    {
      subtitle: `roadcam explain, --class top: the map of the class the model says`,
      rows: [
        {
          title: 'digits (28 px, as written)',
          tiles: digits.map((d) => ({ file: d.file, caption: [`true ${d.label}`] })),
        },
        {
          title: 'Grad-CAM of the predicted class (conv2)',
          tiles: overlays.map((o) => ({
            file: o.overlay,
            caption: [`says ${o.verdict} ${o.verdictProbability.toFixed(3)}`],
          })),
        },
      ],
      tileSize: 84,
    },
  );
}

async function catFigure(ctx: Context): Promise<void> {
  const cat = path.join(ctx.shared, 'images', 'cat.jpg');
  const out = path.join(ctx.work, 'cat');
  const run = await roadcam(ctx, [
    'explain',
    cat,
    ...mobilenetFlags(ctx.shared),
    '--top',
    '3',
    '--out',
    out,
  ]);
  const overlays = overlaysOf(parseExplainOutput(run.stdout), cat);
  await addSheet(
    ctx,
    'mobilenet-cat-gradcam.png',
    'Grad-CAM of MobileNet for its top 3 classes on one photo',
    'MobileNet v1 0.25 (ImageNet, from ../shared) on images/cat.jpg: the photo, then one ' +
      'Grad-CAM overlay (layer conv_pw_13_relu, 7x7) per class of its top 3, as `roadcam explain ' +
      '--top 3` writes them. The seed compared "cat" and "dog" maps on one photo; here the three ' +
      'most probable classes are all cat breeds, so the maps show which parts of the cat each ' +
      'breed rests on.',
    [run.command],
    {
      subtitle: 'roadcam explain --top 3: one overlay per class, most probable first',
      rows: [
        {
          title: 'images/cat.jpg and its top 3 classes',
          tiles: [
            { file: cat, caption: ['the photo', `says ${overlays[0].verdict}`] },
            ...overlays.map((o) => ({
              file: o.overlay,
              caption: [
                `${o.rank}. ${o.label}` +
                  (o.probability === undefined ? '' : ` (${o.probability.toFixed(2)})`),
              ],
            })),
          ],
        },
      ],
      tileSize: 230,
    },
  );
}

/** "potholes-annotated/images/img-27.jpg" -> "annotated img-27". */
function shortId(id: string): string {
  const [source, ...rest] = id.split('/');
  const file = rest
    .join('/')
    .replace(/^images\//, '')
    .replace(/\.[^.]+$/, '');
  return `${source.replace(/^potholes-/, '')} ${file}`;
}

async function explainCases(
  ctx: Context,
  group: string,
  cases: readonly CaseCandidate[],
  extra: string[],
  commands: string[],
): Promise<Map<string, ExplainLine[]>> {
  const byId = new Map<string, ExplainLine[]>();
  for (const [i, batch] of uniqueNameBatches(cases).entries()) {
    const out = path.join(ctx.work, 'potholes', i === 0 ? group : `${group}-${i + 1}`);
    const run = await roadcam(ctx, [
      'explain',
      ...batch.map((c) => c.path),
      '--model',
      POTHOLE_DIR,
      ...extra,
      '--out',
      out,
    ]);
    commands.push(run.command);
    const lines = parseExplainOutput(run.stdout);
    for (const c of batch) byId.set(c.id, overlaysOf(lines, c.path));
  }
  return byId;
}

async function potholeFigures(ctx: Context): Promise<void> {
  const plan = readSplitPlan(path.join(POTHOLE_DIR, 'split.json'));
  const manifest = readManifest(POTHOLE_DIR) as ModelManifest & {
    metrics?: { mistakes?: { id: string; potholeProbability: number }[] };
  };
  const cardMistakes = manifest.metrics?.mistakes ?? [];
  const mistakeIds = cardMistakes.map((m) => m.id);
  const cardProbability = new Map(cardMistakes.map((m) => [m.id, m.potholeProbability]));
  const photos = testPhotos(plan, path.join(ctx.shared, 'data'));
  log(ctx, `scoring the ${photos.length} held-out photos of split.json to pick the cases ...`);
  await useBackend('wasm');
  const loaded = await loadModelDir(POTHOLE_DIR);
  let candidates: CaseCandidate[];
  try {
    candidates = await scoreCandidates(loaded, photos, { maxSide: OVERLAY_MAX_SIDE });
  } finally {
    loaded.dispose();
  }
  const cases = pickPotholeCases(candidates, mistakeIds);
  const boxed = candidates.filter((c) => c.peakInBox !== undefined);
  const hits = boxed.filter((c) => c.peakInBox).length;
  log(
    ctx,
    `picked ${cases.pointsAtPothole.length} + ${cases.peakOutsideBox.length} pothole photos, ` +
      `${cases.goodRoads.length} good roads, ${cases.mistakes.length} wrong verdicts ` +
      `(pothole logit map peaks in a box on ${hits} of ${boxed.length} boxed photos)`,
  );

  const commands: string[] = [];
  const mistakeCommands: string[] = [];
  const potholeMaps = await explainCases(
    ctx,
    'pothole-photos',
    [...cases.pointsAtPothole, ...cases.peakOutsideBox],
    ['--class', 'pothole'],
    commands,
  );
  const goodMaps = await explainCases(ctx, 'good-roads', cases.goodRoads, [], commands);
  const mistakeMaps = await explainCases(
    ctx,
    'wrong-verdicts',
    cases.mistakes,
    ['--top', '2'],
    mistakeCommands,
  );

  const potholeTile = (c: CaseCandidate): SheetTile => {
    const o = potholeMaps.get(c.id)![0];
    return {
      file: o.overlay,
      boxes: c.boxes,
      caption: [
        shortId(c.id),
        `pothole ${c.potholeProbability.toFixed(3)}, ${Math.round((c.energyInBox ?? 0) * 100)}% in boxes`,
      ],
    };
  };
  await addSheet(
    ctx,
    'pothole-gradcam.png',
    'Grad-CAM of the pothole model on held-out photos',
    'The default pothole model (public/models/pothole) on photos of its test split. Row 1: the ' +
      'first photos (in id order) from the annotated and close-up sets that it rightly calls ' +
      'pothole and whose pothole Grad-CAM peaks inside a hand-drawn box (dashed). Row 2: the ' +
      'first rightly called pothole photos whose map peaks outside every box (a miss in the ' +
      'strict pointing game of `npm run eval`, often by a few pixels). Row 3: the first ' +
      'good roads of the Kaggle and close-up sets it rightly calls good, with the map of the ' +
      '"normal" class: what a good-road verdict rests on. Captions: the pothole probability, ' +
      'and the share of the map inside the boxes. In this run the pothole map peaked inside a ' +
      `box on ${hits} of the ${boxed.length} held-out boxed photos the model rightly calls ` +
      'pothole.',
    commands,
    {
      subtitle:
        'roadcam explain; dashed: pothole boxes; percentage: share of the map inside the boxes',
      rows: [
        {
          title: 'Right verdict, map peaks on the pothole (--class pothole)',
          tiles: cases.pointsAtPothole.map(potholeTile),
        },
        {
          title: 'Right verdict, map peaks outside the boxes (--class pothole)',
          tiles: cases.peakOutsideBox.map(potholeTile),
        },
        {
          title: 'Good roads, map of the "normal" verdict (--class top)',
          tiles: cases.goodRoads.map((c) => {
            const o = goodMaps.get(c.id)![0];
            return {
              file: o.overlay,
              caption: [shortId(c.id), `says ${o.verdict} ${o.verdictProbability.toFixed(3)}`],
            };
          }),
        },
      ],
      tileSize: 180,
    },
  );

  // The card's figures come from npm run eval, which decodes and resizes photos its own way; a
  // borderline photo can land on the other side of 0.5 as roadcam explain reads it.
  for (const c of cases.mistakes.filter((m) => (m.label === 'pothole') === saysPothole(m))) {
    log(
      ctx,
      `note: roadcam explain calls ${c.id} right (pothole ${c.potholeProbability.toFixed(3)}); ` +
        `the card's ${cardProbability.get(c.id)?.toFixed(3)} came from npm run eval`,
    );
  }
  const first = (c: CaseCandidate) => mistakeMaps.get(c.id)!.find((o) => o.rank === 1)!;
  const second = (c: CaseCandidate) => mistakeMaps.get(c.id)!.find((o) => o.rank === 2)!;
  await addSheet(
    ctx,
    'pothole-gradcam-mistakes.png',
    'Grad-CAM of the pothole model on its wrong verdicts',
    'The wrong verdicts on held-out photos listed in public/models/pothole/MODEL_CARD.md, ' +
      'explained with `--top 2`: the map of the class the model chose (row 1) and of the other ' +
      'class (row 2). "card p" is the pothole probability the card lists (measured by `npm run ' +
      'eval`, which decodes and resizes photos its own way); "says" is the verdict `roadcam ' +
      'explain` prints, so a borderline photo can come out right here. Dashed: pothole boxes ' +
      'where the data set has them.',
    mistakeCommands,
    {
      subtitle:
        "roadcam explain --top 2; captions: the photo, its true label and the card's pothole " +
        'probability, the verdict here',
      rows: [
        {
          title: 'Map of the class the model chose',
          tiles: cases.mistakes.map((c) => {
            const o = first(c);
            return {
              file: o.overlay,
              boxes: c.boxes,
              caption: [
                shortId(c.id),
                `is ${c.label}; card p ${cardProbability.get(c.id)?.toFixed(3)}`,
                `says ${o.label} ${o.probability?.toFixed(3)}`,
              ],
            };
          }),
        },
        {
          title: 'Map of the other class',
          tiles: cases.mistakes.map((c) => {
            const o = second(c);
            return {
              file: o.overlay,
              boxes: c.boxes,
              caption: [`for ${o.label} (${o.probability?.toFixed(3)})`],
            };
          }),
        },
      ],
      tileSize: 170,
    },
  );
}

function figuresBytes(dir: string): number {
  return TOPIC_FILES.reduce((sum, f) => {
    const file = path.join(dir, f);
    return sum + (existsSync(file) ? readFileSync(file).byteLength : 0);
  }, 0);
}

const TOPIC_FILES = [
  'filters-mobilenet-pothole.png',
  'mnist-filters.png',
  'mnist-gradcam.png',
  'mobilenet-cat-gradcam.png',
  'pothole-gradcam.png',
  'pothole-gradcam-mistakes.png',
];

async function writeReadme(
  ctx: Context,
  run: { minutes: number; loadBefore: number[]; loadAfter: number[] },
) {
  const date = new Date().toISOString().slice(0, 10);
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(' / ');
  const parts = [
    '# Figures',
    '',
    "The seed study's figures, regenerated with RoadCAM's own command line (`roadcam filters`, " +
      '`roadcam explain`; tools/cli). Written by `npm run figures` (tools/figures/make-figures.ts): ' +
      'regenerate rather than edit. `shortcuts/` is not made here: `npm run eval -- --audit` writes ' +
      'it for docs/SHORTCUTS.md.',
    '',
    '```sh',
    'npm run figures',
    '# the same: npx tsx tools/figures/make-figures.ts',
    '# shared material elsewhere: ROADCAM_SHARED=/path/to/shared npm run figures',
    '```',
    '',
    `It reads the MobileNet, \`images/cat.jpg\` and the pothole photos from \`../shared\` ` +
      '(or `ROADCAM_SHARED`) by path and the two project models from `public/models`. Each command ' +
      "below is the `roadcam` command line exactly as the script ran it (the CLI's `main()` with " +
      'these arguments, the code that `npx roadcam` runs); `$WORK` is its scratch folder for the ' +
      'full-size images (deleted at the end; `npm run figures -- --keep` keeps it; to run one ' +
      'command by hand, first `WORK=$(mktemp -d)`). The PNGs here ' +
      'are those images scaled into labelled sheets with a 256-colour palette, to keep the ' +
      'repository small.',
    '',
    `Last run: ${date}, ${run.minutes.toFixed(1)} min wall time for all figures on ${machineDescription()}; ` +
      `load average (1 / 5 / 15 min) ${load(run.loadBefore)} before and ${load(run.loadAfter)} after. ` +
      `The PNGs total ${(figuresBytes(ctx.out) / 1024).toFixed(0)} KiB.`,
    '',
  ];
  for (const f of ctx.figures) {
    parts.push(
      `## ${f.title}`,
      '',
      `\`${f.file}\` (${(f.bytes / 1024).toFixed(0)} KiB)`,
      '',
      `![${f.title}](${f.file})`,
      '',
      f.shows,
      '',
      '```sh',
      ...f.commands,
      '```',
      '',
    );
  }
  const file = path.join(ctx.out, 'README.md');
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(parts.join('\n'), { ...options, filepath: file }));
  log(ctx, `wrote ${shownPath(file)}`);
}

function parseTopics(only: string | undefined): Topic[] {
  if (only === undefined) return [...TOPICS];
  const asked = only.split(',').map((t) => t.trim());
  const unknown = asked.filter((t) => !(TOPICS as readonly string[]).includes(t));
  if (unknown.length || asked.length === 0) {
    throw new ToolError(
      'bad-argument',
      `--only takes a list of ${TOPICS.join(', ')}; not "${only}".\n\n${USAGE}`,
    );
  }
  return asked as Topic[];
}

async function makeFigures(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        only: { type: 'string' },
        keep: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    throw new ToolError('bad-argument', `${(e as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const topics = parseTopics(values.only);
  const shared = sharedDir();
  requireShared(shared, [
    ['models', 'mobilenet_v1_0.25_224', 'model.json'],
    ['models', 'imagenet-labels.json'],
    ['images', 'cat.jpg'],
    ['data', 'potholes-kaggle'],
    ['data', 'potholes-annotated'],
    ['data', 'potholes-closeup'],
  ]);
  const out = path.resolve(values.out ?? DEFAULT_FIGURES_DIR);
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'roadcam-figures-'));
  const ctx: Context = { shared, work, out, figures: [], started: performance.now() };
  const loadBefore = os.loadavg();
  log(ctx, `making ${topics.join(', ')} from ${shared}; scratch folder ${work}`);
  try {
    if (topics.includes('filters')) await filterFigures(ctx);
    if (topics.includes('mnist')) await mnistFigures(ctx);
    if (topics.includes('cat')) await catFigure(ctx);
    if (topics.includes('potholes')) await potholeFigures(ctx);
  } finally {
    if (values.keep) log(ctx, `kept the full-size outputs in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  const minutes = (performance.now() - ctx.started) / 60_000;
  if (topics.length === TOPICS.length) {
    await writeReadme(ctx, { minutes, loadBefore, loadAfter: os.loadavg() });
  } else {
    log(ctx, `only some figures were made, so ${shownPath(out)}/README.md was left as it was`);
  }
  log(
    ctx,
    `finished in ${minutes.toFixed(1)} min; ${shownPath(out)} PNGs (without shortcuts/): ` +
      `${(figuresBytes(out) / 1024).toFixed(0)} KiB`,
  );
}

await runCli(makeFigures);
