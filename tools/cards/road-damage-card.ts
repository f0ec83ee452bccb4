/**
 * MODEL_CARD.md of a road-damage model, written from its manifest so that the card and the
 * figures can never disagree: what it is, each output's threshold and calibration, the
 * not-a-road answer, data with origin and licence, the split, training, how the network was
 * chosen, the held-out figures per type, calibration before and after, the aims reached and
 * missed, and what it does not do.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { QUALITY_THRESHOLDS } from '../../src/image/photo-quality';
import type { RoadDamageManifest } from '../../src/model/manifest';
import type { NotRoad } from '../../src/model/damage-manifest';
import type { EvalReport, QualityChoiceRecord } from '../../src/model/metrics-records';
import { f3, f4, historyTable, latencyPlace, millions, normalisationText, table } from './markdown';
import { cardOpening, commandBlock, trainingOf } from './trained-card';
import { aimRows } from './road-damage-aims';

const FIELD = 'rdd2022-china-motorbike';
const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? 'n/a' : `${(v * 100).toFixed(1)}%`;

function outputsSection(m: RoadDamageManifest): string[] {
  const out: string[] = ['## Outputs, thresholds and confidence', ''];
  out.push(
    'Each output is an independent probability (sigmoid): a photo may show several damages. ' +
      'A type is **found** when its probability is at least its threshold; "good road" is ' +
      'the answer when no main type (no `parent`) is found and none is "not sure". Each ' +
      "output's calibration (a temperature, or a temperature and a shift) was fitted on the " +
      'validation photos and is folded into the dense head: the probabilities the model ' +
      'outputs are already calibrated, and the app must not apply the calibration again. Each ' +
      'threshold keeps the stated share of validation photos without the type below it; the ' +
      '"not sure" band is where the calibrated chance that the verdict is right falls below ' +
      `${m.types[0]?.notSure.confidence ?? 'the stated confidence'}.`,
  );
  out.push('');
  out.push(
    table(
      [
        'output',
        'type',
        'threshold',
        'rule (validation)',
        'calibration',
        'validation ECE',
        'not sure',
      ],
      m.types.map((t) => [
        t.output,
        `\`${t.name}\`${t.parent ? ` (a ${t.parent})` : ''}`,
        f3(t.threshold),
        `specificity ≥ ${t.thresholdRule.targetSpecificity}: ${f3(t.thresholdRule.validationSpecificity)} ` +
          `at recall ${f3(t.thresholdRule.validationRecall)} (${t.thresholdRule.validationPhotos} photos)`,
        `${t.calibration.method}, T = ${t.calibration.temperature.toFixed(3)}` +
          (t.calibration.method === 'platt' ? `, shift ${t.calibration.bias.toFixed(3)}` : ''),
        `${f3(t.calibration.validationEce.before)} → ${f3(t.calibration.validationEce.after)}`,
        `${f3(t.notSure.from)}–${f3(t.notSure.to)}`,
      ]),
    ),
  );
  const nr = m.notRoad;
  const poolingText = (layers: NonNullable<typeof nr>['layers']) =>
    layers.every((l) => l.pooling === 'mean-std')
      ? "each channel's spatial mean and standard deviation"
      : "the spatial mean of the layer's output";
  if (nr) {
    out.push('');
    out.push(
      `**Not a road.** Before any verdict: ` +
        (nr.network
          ? `the photo goes through a second network, ${nr.network.description} ` +
            `(\`${nr.network.modelUrl}\`). Fine-tuning for damage types teaches the model's own ` +
            `layers to ignore whatever is not damage, a cat included; the ImageNet network still ` +
            `describes what a photo shows. `
          : '') +
        notRoadScoreText(nr, poolingText(nr.layers)) +
        `. A photo scoring above **${nr.threshold.toPrecision(4)}** does not look like a road surface. The ` +
        `threshold turns away at most ${pct(nr.thresholdRule.maxRoadRejection)} of the ` +
        `validation road photos (${nr.thresholdRule.validationRoadRejected} of ` +
        `${nr.thresholdRule.validationRoadPhotos}); no photo that is not a road was used to set it.`,
    );
  }
  out.push('');
  out.push(
    nr?.network
      ? "**What the app computes from this manifest, in the model's pass and the not-a-road network's:**"
      : '**What the app computes from this manifest, in the one forward pass:**',
  );
  out.push('');
  out.push(
    [
      `1. The photo stretched to ${m.input.width}x${m.input.height}, ${normalisationText(m)}.`,
      `2. The outputs: ${m.types.length} calibrated probabilities, in the order of \`labels\`.`,
      nr
        ? `3. ${nr.network ? `A second pass, of \`${nr.network.modelUrl}\` over the model input resized to ${nr.network.inputSize}x${nr.network.inputSize}, to` : 'In the same pass, the activations of'} ${nr.layers.map((l) => `\`${l.layer}\``).join(', ')}; ${
            nr.method === 'nearest-neighbours'
              ? `pooled (\`poolActivations\`, src/model/damage-forward.ts), scaled to unit length and compared with each photo of \`${nr.statsUrl}\` (\`neighbourDistance\`, src/model/not-road.ts): the mean squared distance to the \`neighbours\` nearest`
              : `each one pooled (\`poolActivations\`, src/model/damage-forward.ts), scored with \`notRoadScore\` (src/model/not-road.ts) against its block of \`${nr.statsUrl}\` and divided by its \`scale\`; the sum`
          } above \`notRoad.threshold\`: "This doesn't look like a road surface".`
        : '3. (No not-a-road statistics.)',
      '4. Per type: found (probability ≥ `threshold`), not sure (in `notSure`), or not found; `src/model/damage-verdict.ts` does this.',
      `5. The heatmap of each found type: Grad-CAM of its **logit** (\`classLogit(output)\`) at \`${m.cam.layer}\`; the gradient of a saturated sigmoid probability is zero.`,
    ].join('\n'),
  );
  out.push('');
  return out;
}

/** How the not-a-road score is computed, in the card's words, by its method. */
function notRoadScoreText(nr: NotRoad, pooling: string): string {
  if (nr.method === 'nearest-neighbours') {
    const values = nr.layers.reduce((n, l) => n + l.dimensions, 0);
    return (
      `The photo's pooled features (${pooling}) at ` +
      nr.layers.map((l) => `\`${l.layer}\``).join(', ') +
      ` (${values} values), scaled to unit length, against those of each of the ${nr.fittedOn} ` +
      `training road photos (\`${nr.statsUrl}\`, one byte a value, ` +
      `${((nr.fittedOn * values) / 1024).toFixed(0)} KB): the score is the mean squared distance ` +
      `to the **${nr.neighbours} nearest**. Road photos are of several kinds (close-ups, views ` +
      `from a motorbike, web photos); the nearest of them describe a photo's neighbourhood where ` +
      `one Gaussian of them all (models 2.0-2.1) also covers the space between the kinds`
    );
  }
  return (
    `${nr.layers.length > 1 ? `At each of ${nr.layers.length} layers` : 'At one layer'}, the squared ` +
    `Mahalanobis distance of the photo's pooled features (${pooling}) ` +
    `from those of the ${nr.fittedOn} training photos, along their leading principal ` +
    `directions plus the rest at its mean variance, divided by its median on the validation ` +
    `road photos${nr.layers.length > 1 ? '; the score is the sum' : ', is the score'} (\`${nr.statsUrl}\`, ` +
    `${(nr.layers.reduce((n, l) => n + 4 * (l.dimensions * (l.components + 1) + l.components), 0) / 1024).toFixed(0)} KB): ` +
    nr.layers
      .map(
        (l) =>
          `\`${l.layer}\` (${l.dimensions} values, ${l.components} directions, median ${l.scale.toFixed(1)})`,
      )
      .join(', ')
  );
}

function typeFigureRows(report: EvalReport | undefined): (string | number)[][] {
  if (!report?.types) return [];
  return Object.entries(report.types).map(([name, r]) => [
    `\`${name}\``,
    `${r.positives} / ${r.n}`,
    r.auc_interval
      ? `${f4(r.auc)} (${f3(r.auc_interval.low)}–${f3(r.auc_interval.high)}; ${r.auc_interval.positive_groups} / ${r.auc_interval.groups})`
      : f4(r.auc),
    f3(r.recall_at_spec90),
    `${f3(r.recall)} / ${f3(r.specificity)}`,
    `${f3(r.pointing_game)} (${f3(r.centre_pointing_game)})`,
    `${f3(r.energy_in_box)} (${f3(r.uniform_energy_in_box)})`,
    r.boxed_photos,
    f3(r.ece),
  ]);
}

const TYPE_HEADER = [
  'type',
  'photos with it / known',
  'ROC AUC (95% interval by place; places with it / all)',
  'recall at 90% specificity',
  'recall / specificity at threshold',
  'pointing game (centre map)',
  'energy in boxes (flat map)',
  'boxed photos',
  'ECE',
];

/** Where the held-out field potholes come from: how many look-alike groups (places). */
export interface HeldOutPlaces {
  photos: number;
  places: number;
  largest: number;
}

function metricsSection(m: RoadDamageManifest, places?: HeldOutPlaces): string[] {
  const metrics = m.metrics;
  const out: string[] = ['## Metrics on held-out photos', ''];
  if (!metrics) return [...out, 'Not evaluated yet: run `npm run eval` on the data folders.', ''];
  const { report } = metrics;
  out.push(`Measured on ${metrics.evaluatedOn} with:`, '', '```sh', metrics.command, '```', '');
  const field = report.by_folder[FIELD];
  if (field) {
    out.push(`### Field photos (\`${FIELD}\`, ${field.n} photos)`, '');
    out.push(table(TYPE_HEADER, typeFigureRows(field)), '');
    if (places && places.photos > 0) {
      out.push(
        `The ${places.photos} held-out field photos with a pothole come from ${places.places} ` +
          `places (groups of look-alike photos, which always share a split); the largest gives ` +
          `${places.largest} of them. The field pothole figures rest on these few places and move ` +
          `with one place's kind of damage: read them as a few independent cases, not ` +
          `${places.photos}.`,
        '',
      );
    }
    const byPlace = field.types?.pothole?.places;
    const threshold = m.types.find((t) => t.name === 'pothole')?.threshold;
    if (byPlace?.length && threshold !== undefined) {
      out.push(
        `By place (named by its first photo with a pothole; places of several photos), the ` +
          `potholes found at the threshold (${threshold.toFixed(3)}):`,
        '',
        table(
          ['place', 'photos with a pothole', 'found', 'median probability'],
          byPlace.map((p) => [
            `\`${p.first_photo.split('/').pop()}\``,
            String(p.photos),
            String(p.found),
            p.median_probability.toFixed(3),
          ]),
        ),
        '',
      );
    }
  }
  out.push(`### All folders (${report.n} photos)`, '');
  out.push(table(TYPE_HEADER, typeFigureRows(report)), '');
  out.push(
    'ROC AUC intervals: the 2.5th to 97.5th percentile of the AUC over 1000 resamplings of ' +
      "whole places (the split's groups of look-alike photos) with replacement, seeded; " +
      'photos of one place are not independent cases, so the place is what is drawn. ' +
      'Recall at 90% specificity reads the ROC curve on these photos; recall / specificity at ' +
      'threshold use the manifest thresholds. Pointing game: the heatmap peak (Grad-CAM of the ' +
      "type's logit) inside a box of that type, on photos with such boxes; in brackets what a " +
      'map peaking at the centre scores. Energy: the share of the heatmap inside the boxes; in ' +
      "brackets the boxes' share of the area (a flat map). Cracks and patches are labelled on " +
      'the field photos only: their figures come from there.',
    '',
  );
  const folders = Object.keys(report.by_folder);
  const rows: [keyof EvalReport, string][] = [
    ['n', 'photos evaluated'],
    ['accuracy', 'pothole accuracy at the threshold'],
    ['pothole_recall', 'pothole recall'],
    ['normal_specificity', 'specificity (photos without a pothole)'],
    ['roc_auc', 'pothole ROC AUC'],
    ['pointing_game', 'pothole pointing game (strict)'],
    ['centre_pointing_game', '  centre baseline'],
    ['energy_in_box', 'pothole heatmap energy in the boxes'],
    ['uniform_energy_in_box', '  uniform baseline'],
    ['deletion_auc', 'deletion AUC (lower is better)'],
    ['insertion_auc', 'insertion AUC (higher is better)'],
    ['ece', 'expected calibration error (all outputs)'],
    ['not_road_rate', 'road photos turned away as "not a road"'],
    ['excluded_seen', 'photos left out as seen in training / validation'],
  ];
  const cell = (r: EvalReport, k: keyof EvalReport) => {
    const v = r[k];
    return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : 'n/a';
  };
  out.push('### Pothole figures by folder', '');
  out.push(
    table(
      ['figure', 'all folders', ...folders.map((f) => `\`${f}\``)],
      rows.map(([k, label]) => [
        label,
        cell(report, k),
        ...folders.map((f) => cell(report.by_folder[f], k)),
      ]),
    ),
    '',
  );
  const c = metrics.calibration;
  out.push('### Calibration', '');
  out.push(`![Reliability diagram](${c.diagram})`, '');
  out.push(
    `Expected calibration error on the held-out photos, every output and photo whose label is ` +
      `known together: **${f4(c.eceBefore)} before** calibration, **${f4(c.eceAfter)} after**. ` +
      `${pct(c.notSureShare)} of the held-out photos got a "not sure" on some type; the sure ` +
      `verdicts were right ${pct(c.sureAccuracy)} of the time.`,
    '',
  );
  if (metrics.notRoad) {
    out.push('### Not a road', '');
    out.push(
      `Checked on \`${metrics.notRoad.folder}\` (its threshold never saw it): **${pct(metrics.notRoad.not_road_rate)}** ` +
        `of its ${metrics.notRoad.n} photos turned away. Held-out road photos turned away: ` +
        `${pct(report.not_road_rate)} (${folders.map((f) => `\`${f}\` ${pct(report.by_folder[f].not_road_rate)}`).join(', ')}).`,
      '',
    );
    const halves = metrics.notRoad.halves;
    if (m.notRoad?.network && halves) {
      out.push(
        `Not an untouched check. The ${m.notRoad.method === 'nearest-neighbours' ? 'method (the nearest road photos, or one Gaussian of them all), the number of neighbours, the ' : ''}network, layer and pooling were chosen by comparing them ` +
          `(the model's own layers and the ImageNet network's, channel means alone or with ` +
          `standard deviations) on the even-numbered half of this folder's photos (file order); ` +
          `the odd-numbered half was looked at only for the choice. Even half: ` +
          `${pct(halves.even)} turned away; **odd half: ${pct(halves.odd)}**, the fairer figure. ` +
          `The ${m.notRoad.method === 'nearest-neighbours' ? 'bank' : 'number of directions'} and the threshold come from road photos alone. The ` +
          `comparison: \`npm run train -- not-road-candidates --model DIR\`.`,
        '',
      );
    } else if ((m.notRoad?.layers.length ?? 0) > 1) {
      out.push(
        'Not an untouched check: the layers are fixed by a rule (every second block from the ' +
          'last one kept as trained on ImageNet to the CAM layer), but single layers and a few ' +
          'combinations were compared on this folder before the rule was written down (one layer ' +
          'alone 18-66%, combinations 53-73%); the figure above ' +
          'may flatter the method a little.',
        '',
      );
    }
  }
  if (metrics.mistakes.length) {
    out.push('Wrong pothole verdicts at the pothole threshold (probability in brackets):', '');
    const shown = metrics.mistakes.slice(0, 40);
    for (const e of shown)
      out.push(`- \`${e.id}\` is ${e.label} (${e.potholeProbability.toFixed(3)})`);
    if (metrics.mistakes.length > shown.length) {
      out.push(`- and ${metrics.mistakes.length - shown.length} more (see manifest.json)`);
    }
    out.push('');
  }
  return out;
}

export function roadDamageCard(m: RoadDamageManifest, places?: HeldOutPlaces): string {
  const t = trainingOf(m);
  const metrics = m.metrics;
  const out = cardOpening(m);
  out.push('## What it is', '');
  out.push(`- Architecture: ${t.description}.`);
  out.push(
    `- Input: ${m.input.width}x${m.input.height} RGB, the whole photo stretched to that size, ` +
      `${normalisationText(m)}. Outputs: ${m.types.length} sigmoid probabilities, ` +
      m.types.map((x) => `\`${x.name}\``).join(', ') +
      '.',
  );
  out.push(`- Grad-CAM layer: \`${m.cam.layer}\`, one heatmap per type (the logit of its output).`);
  out.push(
    `- Size and speed: ${t.parameters.toLocaleString('en')} parameters, ${millions(t.multiplyAdds)} ` +
      'multiply-adds per photo.' +
      (metrics
        ? ` Median latency of one photo on tfjs ${metrics.latency.backend} in Node on ` +
          `${latencyPlace(metrics.latency, t.machine.cpuModel, ', shared with other work')}: ` +
          `${metrics.latency.classifyMs.toFixed(1)} ms to classify, ` +
          `${metrics.latency.gradcamMs.toFixed(1)} ms with one Grad-CAM.`
        : ''),
  );
  out.push(
    "- Origin of the weights: fine-tuned by this project from Google's MobileNet v1 0.25 " +
      'ImageNet weights as published for TensorFlow.js (Apache-2.0). No file of the original is ' +
      'included.',
    '',
  );
  out.push(...outputsSection(m));
  out.push(...dataSection(m));
  out.push('## Training', '', ...commandBlock(t.command), '');
  out.push(
    `tfjs ${t.backend} backend in Node, batch ${t.batchSize}, Adam from ${t.learningRate} with ` +
      `cosine decay, at most ${t.maxEpochs} epochs, early stopping on the validation loss ` +
      `(patience ${t.patience}; best epoch ${t.bestEpoch} of ${t.history.length}, its weights kept). ` +
      `Loss: binary cross-entropy per output over the outputs a crop's labels know (a crop that ` +
      `cuts a box in part leaves that output out), positives weighted ` +
      Object.entries(t.positiveWeights)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ') +
      `; plus ${t.boxLoss} x the box loss on every type with boxes: one minus the share of the ` +
      "type's class activation map's positive evidence that lies in its boxes. Random crops " +
      `keeping ${t.augment.minArea * 100}-100% of the photo at ${t.trainSize} px, flips, ` +
      `brightness ±${t.augment.brightness}, contrast ±${t.augment.contrast}, saturation ` +
      `±${t.augment.saturation}; photos with pothole boxes are cropped knowing them, and ` +
      `${(t.boxCrops?.negativeRate ?? 0) * 100}% of the time beside every pothole ` +
      `(${t.boxCrops?.negativeCropsMade ?? 0} such crops)` +
      (t.fieldPotholeRepeat && t.fieldPotholeRepeat > 1
        ? `; field photos with a pothole came up ${t.fieldPotholeRepeat} times per epoch (about ` +
          '70 among 960 field photos and 620 web potholes, they are the ones the product is for)'
        : '') +
      (t.pastes
        ? `; ${t.pastes.rate * 100}% of the photos without a pothole had one pasted in ` +
          `(${t.pastes.made} over the run): a pothole box of another training photo with ` +
          `${t.pastes.context * 100}% of its side of road around it, faded out, at ` +
          `${t.pastes.scale.join('-')}x its size and a random place, labelled pothole there ` +
          '(and no longer known to lack the other types), so that the surroundings (grass, ' +
          'kerbs, signs, a wide view) stop telling a pothole from a good road'
        : '') +
      `. Training took ` +
      `${t.trainingMinutes.toFixed(1)} min; the whole command ${t.totalMinutes.toFixed(1)} min ` +
      `of wall time and ${t.cpuMinutes.toFixed(1)} min of CPU time (what it needs on a quiet ` +
      `machine), on ${t.machine.cpus} cores (${t.machine.cpuModel}) run under \`nice\` beside ` +
      `other work: load average ${t.machine.loadAverageBefore.join(' / ')} before and ` +
      `${t.machine.loadAverageAfter.join(' / ')} after (1 / 5 / 15 min).`,
    '',
  );
  out.push(historyTable(t.history), '');
  out.push('## Choosing the network', '');
  out.push(
    'The network is fully convolutional up to its global average pool, so the trained weights ' +
      'run at any input size; the command measured these on the validation photos and shipped ' +
      'the best pothole AUC (small, far potholes are what the input size is for), all within ' +
      'the 150 M multiply-add budget:',
    '',
  );
  out.push(
    table(
      ['choice', 'multiply-adds', ...m.types.map((x) => `${x.name} AUC`)],
      (t.choices ?? []).map((r) => [
        r.label +
          (r.inputSize === m.input.width && r.trainSize === t.trainSize ? ' (shipped)' : ''),
        millions(r.multiplyAdds),
        ...m.types.map((x) => f3(r.validationAuc[x.name])),
      ]),
    ),
    '',
  );
  out.push(...metricsSection(m, places));
  out.push(...qualitySection(m));
  out.push('## Aims', '');
  out.push(table(['aim', 'reached', 'met'], aimRows(m)), '');
  out.push(...limitsSection(m));
  return out.join('\n');
}

function dataSection(m: RoadDamageManifest): string[] {
  const t = m.training!;
  const out: string[] = ['## Data', ''];
  out.push(
    table(
      [
        'data set',
        'photos',
        'without / with a pothole',
        'per type (field photos)',
        'origin',
        'licence',
      ],
      t.data.map((d) => [
        `\`${d.source}\``,
        d.photos,
        `${d.normal} / ${d.pothole}`,
        d.types
          ? Object.entries(d.types)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')
          : 'pothole only',
        d.origin,
        d.licence,
      ]),
    ),
    '',
  );
  const s = t.split;
  out.push(
    'No photo of these data sets is part of this repository: the commands read the folders by ' +
      'path. `potholes-kaggle` states no licence: it is used to train and evaluate only, and ' +
      'none of its photos may be copied into the project. What the folders label: field photos ' +
      'box every damage, so every type is known there; `normal/` photos are good roads (no ' +
      'type); web and close-up pothole photos say only "pothole", so their cracks and patches ' +
      'are left out of the loss, not called absent.',
    '',
  );
  out.push(
    `Before the split, ${s.duplicatesDropped} photos were dropped as copies of another (web ` +
      `photos: perceptual hash within ${s.duplicateMaxDistance} of 64 bits` +
      (s.field
        ? `; field photos only when ${s.field.copyMaxDistance} bits apart and within ` +
          `${s.field.copyMaxGreyDifference} grey level on average at 32x32, since one place ` +
          `photographed a few steps apart is alike, not a copy`
        : '') +
      `). Groups that always share a split: web photos within ${s.nearDuplicateMaxDistance} ` +
      `bits, crops of one close-up frame and blocks of ${s.frameBlock} neighbouring frames` +
      (s.field
        ? `, and field photos of one place: pHash within ${s.field.lookAlikeMaxDistance} bits ` +
          `and 16x16 thumbnails correlated at ${s.field.lookAlikeMinCorrelation}, or correlated ` +
          `at ${s.field.lookAlikeSureCorrelation} (${s.field.groups} groups, the largest ` +
          `${s.field.largestGroup} photos)`
        : '') +
      `. Split stratified by data set and pothole label, seed ${s.seed}` +
      (s.inheritedFrom ? `, keeping every photo of \`${s.inheritedFrom}\` where it was` : '') +
      (s.heldOut
        ? `; ${s.heldOut.matched} photos matching the ${s.heldOut.photos} photos of ` +
          `${s.heldOut.folders.map((f) => `\`${f}\``).join(', ')} (the repository's test ` +
          'fixtures, or their look-alikes) went to test with their groups, so no fixture is ' +
          'trained or validated on'
        : '') +
      `. \`${s.file}\` lists every photo with its split, group and hash.`,
    '',
  );
  const rows: (string | number)[][] = [];
  for (const [split, bySource] of Object.entries(s.counts)) {
    for (const [source, c] of Object.entries(bySource))
      rows.push([split, `\`${source}\``, c.normal, c.pothole]);
  }
  out.push(table(['split', 'data set', 'without a pothole', 'with a pothole'], rows), '');
  return out;
}

function qualitySection(m: RoadDamageManifest): string[] {
  const q = m.metrics?.quality;
  const t = m.photoQuality ?? QUALITY_THRESHOLDS;
  const out: string[] = ['## Photo quality', ''];
  out.push(
    'Before a verdict the app checks the photo (`src/image/photo-quality.ts`, on a copy at most ' +
      `256 px on its long side): mean luma below ${t.minBrightness} is "too dark", and a ` +
      `Laplacian standard deviation below ${t.minSharpness}% of the mean luma "too blurred" ` +
      '(relative to the exposure, so a dark but sharp photo is called dark, not blurred). ' +
      (m.photoQuality
        ? "These are this model's own thresholds (its manifest's `photoQuality`)."
        : "These are the app's defaults: `npm run eval -- --quality --choose --update-model` " +
          "chooses the model's own on its validation photos (its manifest's `photoQuality`)."),
    '',
  );
  if (!q) return [...out, 'Not measured for this model yet (`npm run eval -- --quality`).', ''];
  if (q.chosen) out.push(...qualityChoiceText(q.chosen), '');
  out.push(
    `Why there: the ${q.photos} held-out photos darkened and blurred step by step, with what the ` +
      'model and the check make of them:',
    '',
    '```sh',
    q.command,
    '```',
    '',
  );
  const types = Object.keys(q.steps[0]?.auc ?? {});
  out.push(
    table(
      [
        'photos',
        'mean brightness',
        'mean sharpness',
        ...types.map((t) => `${t} AUC`),
        'flagged too dark',
        'flagged too blurred',
      ],
      q.steps.map((st) => [
        qualityStepName(st),
        st.meanBrightness.toFixed(0),
        st.meanSharpness.toFixed(1),
        ...types.map((t) => f3(st.auc[t])),
        pct(st.flaggedDark),
        pct(st.flaggedBlurred),
      ]),
    ),
    '',
  );
  return out;
}

/** A step of `eval --quality` as the card's table names it. */
function qualityStepName(step: { kind: 'exposure' | 'blur'; level: number }): string {
  if (step.kind === 'blur') return `blurred, sigma ${step.level} px`;
  return step.level === 1 ? 'as taken' : `exposure x ${step.level}`;
}

/** How `eval --quality --choose` chose the thresholds, on validation photos. */
function qualityChoiceText(c: QualityChoiceRecord): string[] {
  const step = (r: { kind: 'exposure' | 'blur'; level: number }) => `"${qualityStepName(r)}"`;
  const side = (what: string, s: QualityChoiceRecord['dark']) =>
    !s.fine || !s.worse
      ? `- ${what}: no step made the model worse, so the app's default (${s.threshold}) stays.`
      : `- ${what} below **${s.threshold}**: the model is still fine at ${step(s.fine)} and ` +
        `worse at ${step(s.worse)}; the threshold flags ${pct(s.flaggedWorse!)} of the ` +
        `validation photos at ${step(s.worse)} and ${pct(s.flaggedFine!)} at ${step(s.fine)}, ` +
        'the largest difference of any threshold.';
  return [
    `How they were chosen, on the ${c.photos} validation photos (the held-out photos below only ` +
      'measure the choice), darkened and blurred by the same steps: along each, the first step ' +
      `at which the model is worse is the first where an AUC falls more than ${c.maxAucDrop} ` +
      "below the photos as taken; the threshold is the one that best tells that step's photos " +
      'from those of the step before it (the share of the worse step flagged minus the share of ' +
      'the fine step flagged, largest; `tools/eval/quality-choice.ts`).',
    '',
    '```sh',
    c.command,
    '```',
    '',
    side('Too dark: mean luma', c.dark),
    side('Too blurred: sharpness', c.blur),
  ];
}

function limitsSection(m: RoadDamageManifest): string[] {
  return [
    '## What it does not do',
    '',
    [
      '- It does not locate damage precisely: a heatmap marks a region of a ' +
        `${Math.round(m.input.width / 16)}x${Math.round(m.input.width / 16)} grid, not an outline, and it does not count potholes or measure them.`,
      '- Its field photos come from one survey in China (motorbike, daylight, dry asphalt): ' +
        'other countries, night, rain, snow, gravel or concrete roads are absent; expect ' +
        'unreliable verdicts there.',
      '- "Good road" means none of the types was found: hairline cracks the field labels ' +
        'leave out are not looked for.',
      '- Cracks and patches were learned from the field photos alone; on web photos of ' +
        'potholes their outputs are untested.',
      '- Potholes on field photos are few (about 100 photos), so the field pothole figures ' +
        'rest on a few dozen held-out potholes.',
      '- "Not a road" compares a photo with the training photos: a road scene unlike them ' +
        '(a motorway from a car, a cobbled street) may be turned away, and a photo of something ' +
        'grey and textured may pass.',
      '- Web photos carry stock watermarks and captions; `docs/SHORTCUTS.md` measures where ' +
        'the heatmaps fall on them.',
    ].join('\n'),
    '',
  ];
}

export function writeRoadDamageCard(dir: string, m: RoadDamageManifest): void {
  writeFileSync(path.join(dir, 'MODEL_CARD.md'), roadDamageCard(m, heldOutPlaces(dir)));
}

/** From the model's split.json: the test split's field photos with a pothole, by group. */
function heldOutPlaces(dir: string): HeldOutPlaces | undefined {
  // The model folder's split.json (SPLIT_FILE of tools/eval, which imports this folder).
  const file = path.join(dir, 'split.json');
  if (!existsSync(file)) return undefined;
  const plan = JSON.parse(readFileSync(file, 'utf8')) as {
    test?: { source: string; label: string; group: string }[];
  };
  const groups = new Map<string, number>();
  for (const e of plan.test ?? []) {
    if (e.source === FIELD && e.label === 'pothole')
      groups.set(e.group, (groups.get(e.group) ?? 0) + 1);
  }
  const counts = [...groups.values()];
  return {
    photos: counts.reduce((a, b) => a + b, 0),
    places: counts.length,
    largest: Math.max(0, ...counts),
  };
}
