/**
 * MODEL_CARD.md, written from the manifest so the card and the figures can never disagree:
 * data with origin and licence, the split, training, the architecture comparison, the
 * held-out metrics with the command that produced them, and known failure modes.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DigitsManifest, ModelManifest, PotholeManifest } from '../../src/model/manifest';
import type { EvalReport } from '../../src/model/metrics-records';
import { f3, f4, historyTable, latencyPlace, millions, normalisationText, table } from './markdown';
import { cardOpening, commandBlock, trainingOf } from './trained-card';
import { writeRoadDamageCard } from './road-damage-card';

const METRIC_ROWS: [keyof EvalReport, string][] = [
  ['n', 'photos evaluated'],
  ['accuracy', 'accuracy'],
  ['pothole_recall', 'pothole recall'],
  ['normal_specificity', 'good-road specificity'],
  ['roc_auc', 'ROC AUC'],
  ['confusion', 'confusion [[normal→normal, normal→pothole], [pothole→normal, pothole→pothole]]'],
  ['boxed_photos', 'pothole photos with boxes'],
  ['pointing_game', 'pointing game (strict)'],
  ['centre_pointing_game', '  centre baseline'],
  ['pointing_game_tol15', 'pointing game (15 px at 256 px)'],
  ['centre_pointing_game_tol15', '  centre baseline, 15 px'],
  ['energy_in_box', 'heatmap energy in the boxes'],
  ['centre_energy_in_box', '  centred Gaussian baseline'],
  ['uniform_energy_in_box', '  uniform baseline (box area share)'],
  ['deletion_auc', 'deletion AUC (lower is better)'],
  ['insertion_auc', 'insertion AUC (higher is better)'],
  ['empty_maps', 'empty heatmaps'],
  ['excluded_seen', 'photos left out as seen in training / validation'],
  ['excluded_duplicates', 'photos left out as copies of an evaluated photo'],
];

function metricCell(report: EvalReport, key: keyof EvalReport): string {
  const v = report[key];
  if (Array.isArray(v)) return JSON.stringify(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(4);
  return 'n/a';
}

function potholeCard(m: PotholeManifest): string {
  const t = trainingOf(m);
  const metrics = m.metrics;
  const out = cardOpening(m);
  out.push('## What it is');
  out.push('');
  out.push(`- Architecture: ${t.description}.`);
  out.push(
    `- Input: ${m.input.width}x${m.input.height} RGB, the whole photo stretched to that size, ` +
      `${normalisationText(m)}. Output: softmax over ${JSON.stringify(m.labels)}.`,
  );
  out.push(`- Grad-CAM layer: \`${m.cam.layer}\`.`);
  out.push(
    `- Size and speed: ${t.parameters.toLocaleString('en')} parameters, ${millions(t.multiplyAdds)} ` +
      `multiply-adds per photo.` +
      (metrics
        ? ` Median latency of one photo on tfjs ${metrics.latency.backend} in Node on ` +
          `${latencyPlace(metrics.latency, t.machine.cpuModel)}: ` +
          `${metrics.latency.classifyMs.toFixed(1)} ms ` +
          `to classify, ${metrics.latency.gradcamMs.toFixed(1)} ms with Grad-CAM.`
        : ''),
  );
  if (t.architecture === 'mobilenet') {
    out.push(
      "- Origin of the weights: fine-tuned (all layers) by this project from Google's MobileNet " +
        'v1 0.25 ImageNet weights as published for TensorFlow.js (Apache-2.0). The fine-tuned ' +
        "model is RoadCAM's own artifact; no file of the original is included.",
    );
  }
  out.push('');
  out.push('## Data');
  out.push('');
  out.push(
    table(
      ['data set', 'photos', 'normal', 'pothole', 'origin', 'licence'],
      t.data.map((d) => [`\`${d.source}\``, d.photos, d.normal, d.pothole, d.origin, d.licence]),
    ),
  );
  out.push('');
  out.push(
    `No photo is part of this repository: the commands read the folders by path. Before the ` +
      `split, ${t.split.duplicatesDropped} photos were dropped as copies of another photo ` +
      `(perceptual hash within ${t.split.duplicateMaxDistance} of 64 bits: exact copies, and the ` +
      `same photo resized or re-cropped in another data set)` +
      (t.split.conflictsDropped
        ? `, and ${t.split.conflictsDropped} filed under both labels`
        : '') +
      `. Photos within ${t.split.nearDuplicateMaxDistance} bits, crops of one video frame, and ` +
      `blocks of ${t.split.frameBlock} neighbouring frames of a sequence always land in the same ` +
      `split. The split is stratified by data set and label, seed ${t.split.seed}; ` +
      `\`${t.split.file}\` lists every photo with its split and hash, and \`npm run eval\` ` +
      `leaves out any photo that matches a training or validation photo.`,
  );
  out.push('');
  const splitRows: (string | number)[][] = [];
  for (const [split, bySource] of Object.entries(t.split.counts)) {
    for (const [source, c] of Object.entries(bySource))
      splitRows.push([split, `\`${source}\``, c.normal, c.pothole]);
  }
  out.push(table(['split', 'data set', 'normal', 'pothole'], splitRows));
  out.push('');
  out.push('## Training', '', ...commandBlock(t.command), '');
  out.push(
    `tfjs ${t.backend} backend in Node, batch ${t.batchSize}, Adam from ${t.learningRate} with ` +
      `cosine decay, at most ${t.maxEpochs} epochs, early stopping on the validation loss ` +
      `(patience ${t.patience}; best epoch ${t.bestEpoch} of ${t.history.length}, its weights kept). ` +
      `Augmentation: random crops keeping ${t.augment.minArea * 100}-100% of the area (aspect ` +
      `up to ${t.augment.maxAspect.toFixed(2)}), horizontal flips, brightness ±${t.augment.brightness}, ` +
      `contrast ±${t.augment.contrast}, saturation ±${t.augment.saturation}. ` +
      (t.boxCrops
        ? `Pothole photos with boxes are cropped knowing their boxes: a crop labelled pothole ` +
          `keeps at least ${t.boxCrops.keepShare * 100}% of a box (area ${t.boxCrops.positiveArea.join('-')}), ` +
          `and ${t.boxCrops.negativeRate * 100}% of the time a crop beside every box (area ` +
          `${t.boxCrops.negativeArea.join('-')}, margin ${t.boxCrops.margin}) is taken instead and ` +
          `labelled good road (${t.boxCrops.negativeCropsMade} such crops over the training run): ` +
          `the same road without its pothole. `
        : '') +
      (t.boxLoss
        ? `Box loss: on crops that show boxed potholes, ${t.boxLoss} x (1 - the share of the ` +
          `pothole class activation map's positive evidence at \`${m.cam.layer}\` (what ` +
          `Grad-CAM shows for this head) that lies inside the boxes) is added to the ` +
          `cross-entropy (the loss column below includes it; gradients clipped to a global norm ` +
          `of 5). The model thus learns to rest its verdict on the pothole rather than on its ` +
          `surroundings; the boxes of the validation and test photos are never used in training. `
        : '') +
      `Wall time ` +
      `${t.trainingMinutes.toFixed(1)} min including decoding, on ${t.machine.cpus} cores ` +
      `(${t.machine.cpuModel}); load average ${t.machine.loadAverageBefore.join(' / ')} before and ` +
      `${t.machine.loadAverageAfter.join(' / ')} after (1 / 5 / 15 min), since other work shared the machine.`,
  );
  out.push('');
  out.push(historyTable(t.history));
  out.push('');
  out.push('## Architecture comparison');
  out.push('');
  if (t.comparison?.length) {
    out.push(
      'Each row trained on the same split with `npm run train` and evaluated with `npm run eval` ' +
        'on the same held-out photos: accuracy over the test split of all folders, close-up ' +
        'specificity over the intact close-ups in it, pointing game (strict) and energy in the ' +
        'boxes over its annotated web photos (the centre baseline scores ' +
        `${f3(metrics?.report.by_folder['potholes-annotated']?.centre_pointing_game)} and ` +
        `${f3(metrics?.report.by_folder['potholes-annotated']?.centre_energy_in_box)}, a flat map ` +
        `${f3(metrics?.report.by_folder['potholes-annotated']?.uniform_energy_in_box)}). Training ` +
        'minutes are wall time on this 2-core machine, shared with other work (the 1-minute ' +
        'load average at the end of each run is given); classify ms is one photo on wasm.',
    );
    out.push('');
    out.push(
      table(
        [
          'model',
          'input',
          'multiply-adds',
          'parameters',
          'test accuracy',
          'close-up specificity',
          'pointing game',
          'energy in box',
          'training min',
          'load',
          'classify ms',
          'command',
        ],
        t.comparison.map((r) => [
          r.model,
          r.inputSize,
          millions(r.multiplyAdds),
          r.parameters.toLocaleString('en'),
          f4(r.testAccuracy),
          f3(r.closeupSpecificity),
          f3(r.pointingGame),
          f3(r.energyInBox),
          r.trainingMinutes.toFixed(1),
          r.loadAverage === undefined ? 'n/a' : r.loadAverage.toFixed(1),
          r.classifyMs === null ? 'n/a' : r.classifyMs.toFixed(1),
          `\`${r.command}\``,
        ]),
      ),
    );
  } else {
    out.push('Only this architecture has been recorded for this model folder.');
  }
  out.push('');
  out.push('## Metrics on held-out photos');
  out.push('');
  if (!metrics) {
    out.push('Not evaluated yet: run `npm run eval` on the data folders.');
  } else {
    out.push(`Measured on ${metrics.evaluatedOn} with:`);
    out.push('');
    out.push('```sh');
    out.push(metrics.command);
    out.push('```');
    out.push('');
    const folders = Object.keys(metrics.report.by_folder);
    out.push(
      table(
        ['figure', 'all folders', ...folders.map((f) => `\`${f}\``)],
        METRIC_ROWS.map(([key, label]) => [
          label,
          metricCell(metrics.report, key),
          ...folders.map((f) => metricCell(metrics.report.by_folder[f], key)),
        ]),
      ),
    );
    const closeup = metrics.report.by_folder['potholes-closeup'];
    if (closeup) {
      out.push('');
      out.push(
        `Specificity on intact close-ups of asphalt (the photos a field engineer's phone takes ` +
          `when it points at a good surface): **${f4(closeup.normal_specificity)}** ` +
          `(${closeup.confusion[0][0]} of ${closeup.confusion[0][0] + closeup.confusion[0][1]}).`,
      );
    }
    if (metrics.mistakes?.length) {
      out.push('');
      out.push('Wrong verdicts on the held-out photos (pothole probability in brackets):');
      out.push('');
      const shown = metrics.mistakes.slice(0, 40);
      for (const e of shown) {
        out.push(`- \`${e.id}\` is ${e.label} (${e.potholeProbability.toFixed(3)})`);
      }
      if (metrics.mistakes.length > shown.length) {
        out.push(`- and ${metrics.mistakes.length - shown.length} more (see manifest.json)`);
      }
    }
  }
  out.push('');
  out.push('## Known failure modes and shortcuts');
  out.push('');
  out.push(
    [
      '- In `potholes-kaggle` the good roads are mostly wide scenic or highway views and the ' +
        'potholes mostly close-ups of the surface, so scene type alone separates them there. ' +
        'The close-up and annotated sets are in the training data to break that shortcut; ' +
        '`docs/SHORTCUTS.md` measures how much of it is left (`npm run eval -- --audit`).',
      '- The close-up set comes from two camera sequences with few distinct potholes (sequence ' +
        'd1 shows the same one or two potholes in 22 frames), so close-up figures rest on few ' +
        'independent potholes and the test close-ups may show potholes also seen, from another ' +
        'position, in training.',
      '- Intact close-ups that show a hairline crack or a patch edge are labelled good road; ' +
        'the model may call them potholes.',
      '- Web photos carry stock watermarks and captions; a heatmap on them is a shortcut, not evidence.',
      `- The Grad-CAM grid of \`${m.cam.layer}\` is coarse (the input divided by ` +
        `${t.outputStride ?? (t.architecture === 'mobilenet' ? 32 : 8)}: ` +
        `${Math.round(m.input.width / (t.outputStride ?? (t.architecture === 'mobilenet' ? 32 : 8)))} cells a side), so a ` +
        "heatmap marks a region, not the pothole's outline.",
      '- Night, rain, snow, gravel roads and speed bumps are rare or absent in the data: expect ' +
        'unreliable verdicts there.',
    ].join('\n'),
  );
  out.push('');
  return out.join('\n');
}

function mnistCard(m: DigitsManifest): string {
  const t = trainingOf(m);
  const metrics = m.metrics;
  const out = cardOpening(
    m,
    'Written by `npm run train -- mnist` from manifest.json; do not edit by hand.',
  );
  out.push('## What it is');
  out.push('');
  out.push(`- Architecture: ${t.description}.`);
  out.push(`- Input: 28x28 grey, ${normalisationText(m)}. Output: softmax over the digits 0-9.`);
  out.push(`- Grad-CAM layer: \`${m.cam.layer}\`.`);
  out.push(
    `- ${t.parameters.toLocaleString('en')} parameters, ${millions(t.multiplyAdds)} multiply-adds per digit.`,
  );
  out.push('');
  out.push('## Data');
  out.push('');
  out.push(
    `${t.data.total} digits of the \`mnist\` npm package (${t.data.origin}; licence ${t.data.licence}). ` +
      `Split per digit class with seed ${t.seed}: ${t.data.train} for training, ${t.data.validation} ` +
      `for validation (early stopping), ${t.data.test} held out for the figures below.`,
  );
  out.push('');
  out.push('## Training', '', ...commandBlock(t.command), '');
  out.push(
    `tfjs ${t.backend} backend in Node, batch ${t.batchSize}, Adam from ${t.learningRate} with cosine ` +
      `decay, at most ${t.maxEpochs} epochs, early stopping on the validation loss (best epoch ` +
      `${t.bestEpoch} of ${t.history.length}). Augmentation: random shifts of up to ${t.maxShift} px. ` +
      `Wall time ${t.trainingMinutes.toFixed(1)} min on ${t.machine.cpus} cores (${t.machine.cpuModel}); ` +
      `load average ${t.machine.loadAverageBefore.join(' / ')} before, ${t.machine.loadAverageAfter.join(' / ')} after.`,
  );
  out.push('');
  out.push(historyTable(t.history));
  out.push('');
  out.push('## Metrics on the held-out digits');
  out.push('');
  if (metrics) {
    out.push(
      `Accuracy **${f4(metrics.accuracy)}** on ${metrics.n} held-out digits (measured by the train ` +
        `command on the held-out part right after training). Per digit:`,
    );
    out.push('');
    out.push(
      table(
        ['digit', ...metrics.perDigit.map((_, d) => String(d))],
        [['accuracy', ...metrics.perDigit.map((a) => f3(a))]],
      ),
    );
    out.push('');
    out.push('Confusion matrix (rows: true digit, columns: predicted):');
    out.push('');
    out.push(
      table(
        ['', ...metrics.confusion.map((_, d) => String(d))],
        metrics.confusion.map((row, d) => [String(d), ...row]),
      ),
    );
  }
  out.push('');
  out.push('## Known failure modes');
  out.push('');
  out.push(
    "- The `mnist` package holds 10,000 digits (the size of MNIST's test set), fewer than the " +
      "seed's 60,000, so this model saw fewer examples than the seed's.\n" +
      '- Digits must be white on black, centred and about 20 px tall in a 28 px square, as in ' +
      'MNIST; a photo of handwriting needs that preparation first.',
  );
  out.push('');
  return out.join('\n');
}

/** Writes DIR/MODEL_CARD.md from the manifest of a model the train command made. */
export function writeModelCard(dir: string, manifest: ModelManifest): void {
  if (manifest.task === 'road-damage') return writeRoadDamageCard(dir, manifest);
  if (manifest.task === 'classification') {
    throw new Error(`A model card is written for the bundled models only, not "${manifest.name}".`);
  }
  const text = manifest.task === 'digits' ? mnistCard(manifest) : potholeCard(manifest);
  writeFileSync(path.join(dir, 'MODEL_CARD.md'), text);
}
