/**
 * The shortcut audit (`npm run eval -- --audit`): two road models (pothole or road-damage) side
 * by side on the photos neither has seen. Where does the heatmap put its energy: inside or outside the pothole boxes,
 * on vegetation and in the top of the frame (sky, signs) of good-road photos? And does a model
 * call an intact close-up of asphalt a pothole? Writes overlays and docs/SHORTCUTS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import sharp from 'sharp';
import type { LoadedModel } from '../../src/model/load-model';
import { computeCam, type CamMethodName } from '../../src/explain/cam/compute-cam';
import { overlayHeatmap } from '../../src/explain/heatmap/overlay';
import { mayCopyPhotos } from '../data/sources';
import type { RgbaImage, ScalarMap } from '../../src/explain/heatmap/scalar-map';
import {
  centrePeakMap,
  energyInBoxes,
  energyInMask,
  pointingGame,
  regionEnergyShares,
  uniformMap,
} from '../../src/explain/metrics';
import { ToolError } from '../lib/tool-error';
import { mapLimit } from '../data/decode';
import {
  FIELD_COPY_MAX_DISTANCE,
  hammingDistance,
  perceptualHashes,
} from '../data/perceptual-hash';
import { isFieldPhoto } from '../data/split';
import { photoId, type Box, type PhotoFolder, type PhotoRecord } from '../data/photo-folder';
import { seededRng, shuffled } from '../data/rng';
import { loadModelDir } from '../lib/model-dir';
import { readImageRgba } from '../lib/images';
import { tf } from '../lib/tf-node';
import { inputTensor, mapOntoPhoto, modelInputOf } from './evaluate';
import { goodRoadTarget, outputSpecs, potholeSpec } from './model-outputs';
import { SeenPhotos, readSplitFile } from './split-file';

export interface AuditOptions {
  modelDir: string;
  compareDir: string;
  folders: readonly PhotoFolder[];
  /** The --data arguments as typed, for the reproduction commands. */
  dataArgs: readonly string[];
  method?: CamMethodName;
  figuresDir: string;
  docFile: string;
  jsonFile?: string;
  /** Overlays per kind of example. */
  examples: number;
  log: (line: string) => void;
}

/** Figures of one photo under one model. */
interface PhotoAudit {
  potholeProbability: number;
  /** The model's pothole verdict (at its pothole threshold). */
  called: boolean;
  /** Heatmap of the photo's true class (pothole photos: pothole; good roads: normal), 0..1. */
  grid: ScalarMap;
  empty: boolean;
  energyInBox?: number;
  boxAreaShare?: number;
  pointingHit?: boolean;
  pointingHitTol15?: boolean;
  /** The centre baseline's pointing game on this photo. */
  centreHit?: boolean;
  vegetationEnergy?: number;
  vegetationArea?: number;
  topEnergy?: number;
  topArea?: number;
}

interface SourceAudit {
  n: number;
  accuracy: number | null;
  normal_specificity: number | null;
  pothole_recall: number | null;
  boxed_photos: number;
  energy_in_box: number | null;
  energy_outside_box: number | null;
  box_area_share: number | null;
  pointing_game: number | null;
  pointing_game_tol15: number | null;
  centre_pointing_game: number | null;
  normal_photos_with_vegetation: number;
  vegetation_energy: number | null;
  vegetation_area: number | null;
  top_energy: number | null;
  top_area: number | null;
}

export interface ModelAuditReport {
  model: string;
  name: string;
  trainedOn: string[];
  /** The command that trained it, from its manifest. */
  command?: string;
  bySource: Record<string, SourceAudit>;
}

/** Greenness (2G - R - B on 0..255) above which a pixel counts as vegetation. */
export const VEGETATION_EXCESS_GREEN = 40;

/** 1 where a pixel looks like vegetation (excess green), 0 elsewhere. */
export function vegetationMask(photo: RgbaImage): {
  width: number;
  height: number;
  data: Uint8Array;
} {
  const data = new Uint8Array(photo.width * photo.height);
  for (let i = 0; i < data.length; i++) {
    const r = photo.data[i * 4];
    const g = photo.data[i * 4 + 1];
    const b = photo.data[i * 4 + 2];
    data[i] = 2 * g - r - b > VEGETATION_EXCESS_GREEN ? 1 : 0;
  }
  return { width: photo.width, height: photo.height, data };
}

const mean = (v: readonly number[]) => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : null);

function summarizeSource(
  photos: readonly PhotoRecord[],
  audits: readonly PhotoAudit[],
): SourceAudit {
  const idx = photos.map((_, i) => i);
  const pothole = idx.filter((i) => photos[i].label === 'pothole');
  const normal = idx.filter((i) => photos[i].label === 'normal');
  const called = (i: number) => audits[i].called;
  const boxed = pothole.filter((i) => audits[i].energyInBox !== undefined);
  const veg = normal.filter((i) => (audits[i].vegetationArea ?? 0) > 0.02);
  const ratio = (a: number, b: number) => (b ? a / b : null);
  return {
    n: photos.length,
    accuracy: ratio(
      pothole.filter(called).length + normal.filter((i) => !called(i)).length,
      photos.length,
    ),
    normal_specificity: ratio(normal.filter((i) => !called(i)).length, normal.length),
    pothole_recall: ratio(pothole.filter(called).length, pothole.length),
    boxed_photos: boxed.length,
    energy_in_box: mean(boxed.map((i) => audits[i].energyInBox!)),
    energy_outside_box: boxed.length ? 1 - mean(boxed.map((i) => audits[i].energyInBox!))! : null,
    box_area_share: mean(boxed.map((i) => audits[i].boxAreaShare!)),
    pointing_game: mean(boxed.map((i) => Number(audits[i].pointingHit))),
    pointing_game_tol15: mean(boxed.map((i) => Number(audits[i].pointingHitTol15))),
    centre_pointing_game: mean(boxed.map((i) => Number(audits[i].centreHit))),
    normal_photos_with_vegetation: veg.length,
    vegetation_energy: mean(veg.map((i) => audits[i].vegetationEnergy!)),
    vegetation_area: mean(veg.map((i) => audits[i].vegetationArea!)),
    top_energy: mean(normal.map((i) => audits[i].topEnergy!)),
    top_area: mean(normal.map((i) => audits[i].topArea!)),
  };
}

async function auditModel(
  loaded: LoadedModel,
  photos: readonly PhotoRecord[],
  pixels: readonly RgbaImage[],
  method: CamMethodName | undefined,
  log: (line: string) => void,
): Promise<PhotoAudit[]> {
  const { manifest, adapter } = loaded;
  const pothole = potholeSpec(outputSpecs(manifest));
  const goodRoad = goodRoadTarget(manifest);
  const out: PhotoAudit[] = [];
  const batchSize = 16;
  for (let start = 0; start < photos.length; start += batchSize) {
    const batch = photos.slice(start, start + batchSize);
    const decoded = await mapLimit(batch, 4, (p) => modelInputOf(p, manifest));
    const x = inputTensor(decoded, manifest);
    try {
      for (const label of ['pothole', 'normal'] as const) {
        const members = batch.map((_, i) => i).filter((i) => batch[i].label === label);
        if (!members.length) continue;
        const xs = tf.tidy(() => tf.gather(x, tf.tensor1d(members, 'int32')) as tf.Tensor4D);
        try {
          const cam = await computeCam(adapter, xs, {
            method: method ?? (manifest.cam.method as CamMethodName),
            layer: manifest.cam.layer,
            target: label === 'pothole' ? pothole.target : goodRoad,
          });
          members.forEach((i, k) => {
            const p = batch[i];
            const photo = pixels[start + i];
            const { width: w, height: h } = photo;
            const map = mapOntoPhoto(cam.normalized[k], w, h, manifest);
            const probs = cam.probabilities[k];
            const potholeProbability = probs.length === 1 ? probs[0] : probs[pothole.index];
            const audit: PhotoAudit = {
              potholeProbability,
              called:
                manifest.task === 'road-damage'
                  ? potholeProbability >= pothole.threshold
                  : potholeProbability > pothole.threshold,
              grid: cam.normalized[k],
              empty: cam.empty[k],
            };
            if (label === 'pothole' && p.boxes?.length) {
              audit.energyInBox = energyInBoxes(map, p.boxes).share;
              audit.boxAreaShare = energyInBoxes(uniformMap(w, h), p.boxes).share;
              audit.pointingHit = pointingGame(map, p.boxes).hit;
              audit.pointingHitTol15 = pointingGame(map, p.boxes, {
                tolerancePx: (15 * Math.max(w, h)) / 256,
              }).hit;
              audit.centreHit = pointingGame(centrePeakMap(w, h), p.boxes).hit;
            }
            if (label === 'normal') {
              const veg = vegetationMask(photo);
              audit.vegetationArea = veg.data.reduce((s, v) => s + v, 0) / veg.data.length;
              audit.vegetationEnergy = energyInMask(map, veg).share;
              const regions = regionEnergyShares(map);
              audit.topEnergy = regions.energy.top;
              audit.topArea = regions.area.top;
            }
            out[start + i] = audit;
          });
        } finally {
          xs.dispose();
        }
      }
    } finally {
      x.dispose();
    }
    log(`  ${Math.min(start + batchSize, photos.length)}/${photos.length} photos`);
  }
  return out;
}

function drawBoxes(image: RgbaImage, boxes: readonly Box[]): RgbaImage {
  const out = { width: image.width, height: image.height, data: image.data.slice() };
  const set = (x: number, y: number, c: number) => {
    if (x < 0 || y < 0 || x >= out.width || y >= out.height) return;
    const p = (y * out.width + x) * 4;
    out.data[p] = c;
    out.data[p + 1] = c;
    out.data[p + 2] = c;
    out.data[p + 3] = 255;
  };
  for (const [x0, y0, x1, y1] of boxes) {
    const [l, t, r, b] = [x0, y0, x1, y1].map(Math.round);
    // A white line with a black line inside, visible on any photo.
    for (const [d, c] of [
      [0, 255],
      [1, 0],
    ]) {
      for (let x = l + d; x <= r - d; x++) {
        set(x, t + d, c);
        set(x, b - d, c);
      }
      for (let y = t + d; y <= b - d; y++) {
        set(l + d, y, c);
        set(r - d, y, c);
      }
    }
  }
  return out;
}

async function tile(image: RgbaImage, height: number): Promise<{ data: Buffer; width: number }> {
  const { data, info } = await sharp(
    Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength),
    {
      raw: { width: image.width, height: image.height, channels: 4 },
    },
  )
    .resize({ height })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width };
}

/** photo (with boxes) | heatmap of model A | heatmap of model B, one row, as a small PNG. */
async function writeExample(
  file: string,
  photo: RgbaImage,
  boxes: readonly Box[] | undefined,
  heats: readonly ScalarMap[],
  height = 160,
): Promise<void> {
  const withBoxes = (img: RgbaImage) => (boxes?.length ? drawBoxes(img, boxes) : img);
  const images = [
    withBoxes(photo),
    ...heats.map((h) => withBoxes(overlayHeatmap(photo, h, { alpha: 0.5 }))),
  ];
  const tiles = await Promise.all(images.map((img) => tile(img, height)));
  const gap = 4;
  const width = tiles.reduce((s, t) => s + t.width, 0) + gap * (tiles.length - 1);
  let left = 0;
  const composites = tiles.map((t) => {
    const c = {
      input: t.data,
      raw: { width: t.width, height, channels: 4 as const },
      left,
      top: 0,
    };
    left += t.width + gap;
    return c;
  });
  await sharp({
    create: { width, height, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 1 } },
  })
    .composite(composites)
    .png({ palette: true, compressionLevel: 9 })
    .toFile(file);
}

interface Example {
  kind: string;
  file: string;
  id: string;
  label: string;
  caption: string;
}

const f3 = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(3));

export async function runAudit(o: AuditOptions): Promise<void> {
  const models = [await loadModelDir(o.modelDir), await loadModelDir(o.compareDir)];
  try {
    models.forEach((m) => potholeSpec(outputSpecs(m.manifest)));
    const plans = [o.modelDir, o.compareDir].map((d) => readSplitFile(d));
    plans.forEach((p, k) => {
      if (!p) {
        throw new ToolError(
          'bad-model-folder',
          `${[o.modelDir, o.compareDir][k]} has no split.json, so the audit cannot tell which ` +
            `photos that model has seen. Audit models trained with npm run train.`,
        );
      }
    });
    const seen = plans.map((p) => new SeenPhotos(p!));
    const all = o.folders.flatMap((f) => f.photos);
    const hashes = await perceptualHashes(all.map((p) => p.path));
    const photos: PhotoRecord[] = [];
    const kept: string[] = [];
    let excludedSeen = 0;
    let excludedDuplicates = 0;
    const keptField: boolean[] = [];
    all.forEach((p, i) => {
      const key = { hash: hashes[i], id: photoId(p), field: isFieldPhoto(p) };
      // Field photos of one place are alike, not copies: only a true copy counts twice.
      const copyOf = (h: string, k: number) =>
        hammingDistance(h, hashes[i]) <=
        (key.field || keptField[k]
          ? FIELD_COPY_MAX_DISTANCE
          : plans[0]!.options.duplicateMaxDistance);
      if (seen.some((s) => s.match(key))) excludedSeen++;
      else if (kept.some(copyOf)) excludedDuplicates++;
      else {
        photos.push(p);
        kept.push(hashes[i]);
        keptField.push(key.field);
      }
    });
    if (photos.length === 0) {
      throw new ToolError(
        'empty-folder',
        'Both models have seen every photo of these folders: nothing is left to audit them on.',
      );
    }
    o.log(
      `auditing on ${photos.length} photos neither model has seen (${excludedSeen} seen by one ` +
        `of them and ${excludedDuplicates} copies left out)`,
    );
    const pixels = await mapLimit(photos, 4, (p) => readImageRgba(p.path));
    const audits: PhotoAudit[][] = [];
    for (const m of models) {
      o.log(`${m.manifest.name}:`);
      audits.push(await auditModel(m, photos, pixels, o.method, o.log));
    }
    const sources = o.folders.map((f) => f.source);
    const reports: ModelAuditReport[] = models.map((m, k) => {
      const training =
        m.manifest.task === 'pothole' || m.manifest.task === 'road-damage'
          ? m.manifest.training
          : undefined;
      return {
        model: [o.modelDir, o.compareDir][k],
        name: m.manifest.name,
        trainedOn: training?.data?.map((d) => d.source) ?? [],
        ...(training?.command ? { command: training.command } : {}),
        bySource: Object.fromEntries(
          sources.map((s) => {
            const idx = photos.map((_, i) => i).filter((i) => photos[i].source === s);
            return [
              s,
              summarizeSource(
                idx.map((i) => photos[i]),
                idx.map((i) => audits[k][i]),
              ),
            ];
          }),
        ),
      };
    });

    // Examples: typical and most-different boxed photos, good roads with the most vegetation,
    // and the good-road photos on which the two models disagree most.
    mkdirSync(o.figuresDir, { recursive: true });
    const half = Math.max(1, Math.ceil(o.examples / 2));
    // Only photos whose licence allows a copy in the repository (never potholes-kaggle).
    const idx = photos.map((_, i) => i).filter((i) => mayCopyPhotos(photos[i].source));
    const boxed = idx.filter((i) => audits[0][i].energyInBox !== undefined);
    const typical = shuffled(boxed, seededRng(7)).slice(0, half);
    const different = boxed
      .filter((i) => !typical.includes(i))
      .sort(
        (a, b) =>
          Math.abs(audits[0][b].energyInBox! - audits[1][b].energyInBox!) -
          Math.abs(audits[0][a].energyInBox! - audits[1][a].energyInBox!),
      )
      .slice(0, half);
    const green = idx
      .filter((i) => (audits[0][i].vegetationArea ?? 0) > 0.1)
      .sort((a, b) => audits[0][b].vegetationArea! - audits[0][a].vegetationArea!)
      .slice(0, half);
    const disagree = idx
      .filter((i) => photos[i].label === 'normal' && !green.includes(i))
      .sort(
        (a, b) =>
          Math.abs(audits[0][b].potholeProbability - audits[1][b].potholeProbability) -
          Math.abs(audits[0][a].potholeProbability - audits[1][a].potholeProbability),
      )
      .slice(0, half);
    const examples: Example[] = [];
    const chosen: [string, number[]][] = [
      ['a pothole photo picked at random (seeded)', typical],
      [
        'the pothole photos where the two heatmaps differ most in energy inside the boxes',
        different,
      ],
      ['the good-road photos with the most vegetation', green],
      ['the good-road photos where the two verdicts differ most', disagree],
    ];
    for (const [kind, list] of chosen) {
      for (const i of list) {
        const p = photos[i];
        const name = `${p.source}-${p.file.replace(/\.[^.]+$/, '').replace(/[^\w-]+/g, '-')}.png`;
        const file = path.join(o.figuresDir, name);
        const heats = models.map((m, k) =>
          mapOntoPhoto(audits[k][i].grid, pixels[i].width, pixels[i].height, m.manifest),
        );
        await writeExample(file, pixels[i], p.boxes, heats);
        const describe = (k: number) => {
          const a = audits[k][i];
          const parts = [`pothole probability ${a.potholeProbability.toFixed(2)}`];
          if (a.energyInBox !== undefined)
            parts.push(`${(a.energyInBox * 100).toFixed(0)}% of the energy in the boxes`);
          if (a.vegetationEnergy !== undefined && (a.vegetationArea ?? 0) > 0.02) {
            parts.push(`${(a.vegetationEnergy * 100).toFixed(0)}% of the energy on vegetation`);
          }
          return parts.join(', ');
        };
        examples.push({
          kind,
          file,
          id: photoId(p),
          label: p.label,
          caption:
            `\`${photoId(p)}\` (${p.label}${p.boxes?.length ? ', boxes drawn' : ''}): ` +
            `A: ${describe(0)}; B: ${describe(1)}.`,
        });
      }
    }

    const json = {
      photos: photos.length,
      excluded_seen: excludedSeen,
      excluded_duplicates: excludedDuplicates,
      vegetation_rule: `2G - R - B > ${VEGETATION_EXCESS_GREEN} (0..255)`,
      models: reports,
      examples: examples.map((e) => ({
        ...e,
        file: path.relative(path.dirname(o.docFile), e.file),
      })),
    };
    console.log(JSON.stringify(json, null, 2));
    if (o.jsonFile) {
      mkdirSync(path.dirname(path.resolve(o.jsonFile)), { recursive: true });
      writeFileSync(o.jsonFile, JSON.stringify(json, null, 2) + '\n');
    }
    mkdirSync(path.dirname(path.resolve(o.docFile)), { recursive: true });
    const doc = shortcutsDoc(
      o,
      reports,
      examples,
      photos.length,
      excludedSeen,
      excludedDuplicates,
      [audits[0][0].grid.width, audits[1][0].grid.width],
    );
    // Formatted as the repository's Prettier check expects, so a regenerated file passes it.
    const prettierOptions = (await prettier.resolveConfig(path.resolve(o.docFile))) ?? {};
    writeFileSync(
      o.docFile,
      await prettier.format(doc, { ...prettierOptions, filepath: path.resolve(o.docFile) }),
    );
    o.log(`wrote ${o.docFile} and ${examples.length} overlays in ${o.figuresDir}`);
  } finally {
    models.forEach((m) => m.dispose());
  }
}

function pct(v: number | null): string {
  return v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`;
}

function shortcutsDoc(
  o: AuditOptions,
  reports: ModelAuditReport[],
  examples: Example[],
  n: number,
  excludedSeen: number,
  excludedDuplicates: number,
  [gridA, gridB]: number[],
): string {
  const [a, b] = reports;
  const sources = Object.keys(a.bySource);
  const lines: string[] = [];
  const command = [
    'npm run eval -- --audit',
    `--model ${o.modelDir}`,
    `--compare ${o.compareDir}`,
    ...o.dataArgs.map((d) => `--data ${d}`),
  ].join(' ');
  lines.push('# Shortcut audit: where do the road models look?');
  lines.push('');
  lines.push(
    'Written by `npm run eval -- --audit` (tools/eval/audit.ts); the numbers below are its output, ' +
      'regenerate rather than edit. The seed project found with Grad-CAM that its pothole model ' +
      'called a road "good" because of vegetation and road signs. This audit asks the same of ' +
      'two models, on photos neither has seen:',
  );
  lines.push('');
  lines.push(
    `- **A**: ${a.name} (\`${a.model}\`), trained on ${a.trainedOn.map((s) => `\`${s}\``).join(', ')};`,
  );
  lines.push(
    `- **B**: ${b.name} (\`${b.model}\`), trained on ${b.trainedOn.map((s) => `\`${s}\``).join(', ')}.`,
  );
  lines.push('');
  lines.push('```sh');
  for (const r of [a, b]) if (r.command) lines.push(r.command);
  lines.push(command);
  lines.push('```');
  lines.push('');
  lines.push(
    `${n} photos were audited: every photo of the folders that neither model trained or ` +
      `validated on (${excludedSeen} left out as seen by one of them, found by perceptual hash; ` +
      `${excludedDuplicates} left out as copies of an audited photo).`,
  );
  lines.push('');
  lines.push('## What is measured');
  lines.push('');
  lines.push(
    [
      '- Pothole photos with boxes: Grad-CAM of the *pothole* output (the probability of a ' +
        'pothole / good-road model, the logit of a road-damage model, whose sigmoid saturates); ' +
        'the share of its energy ' +
        '(sum of the heatmap) inside the union of the boxes and outside it, next to the share of ' +
        'the area the boxes cover (what a flat map would score), and the pointing game (the ' +
        "heatmap's peak inside a box; with 15 px tolerance at 256 px) next to a map peaking at the centre.",
      '- Good-road photos (for field photos: photos without a pothole): Grad-CAM of the *normal* ' +
        '(good road) probability, or for a road-damage model, which has no such output, of minus ' +
        'the pothole logit (the evidence against a pothole); the share of its ' +
        `energy on vegetation pixels (excess green 2G - R - B > ${VEGETATION_EXCESS_GREEN}, on photos where ` +
        'vegetation covers more than 2% of the frame) next to the share of the frame that vegetation covers, ' +
        'and in the top quarter of the frame (sky, signs, horizon) next to its area.',
      '- Verdicts (each model at its own pothole threshold): specificity on good roads (in ' +
        'particular intact close-ups of asphalt) and recall on potholes.',
    ].join('\n'),
  );
  lines.push('');
  lines.push('## Results');
  lines.push('');
  for (const s of sources) {
    const ra = a.bySource[s];
    const rb = b.bySource[s];
    lines.push(`### \`${s}\` (${ra.n} photos)`);
    lines.push('');
    const rows: [string, string, string][] = [
      ['accuracy', f3(ra.accuracy), f3(rb.accuracy)],
      ['good-road specificity', f3(ra.normal_specificity), f3(rb.normal_specificity)],
      ['pothole recall', f3(ra.pothole_recall), f3(rb.pothole_recall)],
    ];
    if (ra.boxed_photos) {
      rows.push(
        [`pothole photos with boxes`, String(ra.boxed_photos), String(rb.boxed_photos)],
        ['heatmap energy inside the boxes', pct(ra.energy_in_box), pct(rb.energy_in_box)],
        [
          'heatmap energy outside the boxes',
          pct(ra.energy_outside_box),
          pct(rb.energy_outside_box),
        ],
        ['  area the boxes cover (flat map)', pct(ra.box_area_share), pct(rb.box_area_share)],
        ['pointing game, strict', f3(ra.pointing_game), f3(rb.pointing_game)],
        ['pointing game, 15 px', f3(ra.pointing_game_tol15), f3(rb.pointing_game_tol15)],
        ['  centre baseline, strict', f3(ra.centre_pointing_game), f3(rb.centre_pointing_game)],
      );
    }
    if (ra.normal_photos_with_vegetation) {
      rows.push(
        [
          'good-road photos with vegetation',
          String(ra.normal_photos_with_vegetation),
          String(rb.normal_photos_with_vegetation),
        ],
        ['"good road" energy on vegetation', pct(ra.vegetation_energy), pct(rb.vegetation_energy)],
        ['  area vegetation covers', pct(ra.vegetation_area), pct(rb.vegetation_area)],
      );
    }
    if (ra.top_energy !== null) {
      rows.push(
        ['"good road" energy in the top quarter', pct(ra.top_energy), pct(rb.top_energy)],
        ['  area of the top quarter', pct(ra.top_area), pct(rb.top_area)],
      );
    }
    lines.push('| figure | A | B |');
    lines.push('| --- | --- | --- |');
    for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
    lines.push('');
  }
  lines.push('## Reading the numbers');
  lines.push('');
  for (const s of sources) {
    const ra = a.bySource[s];
    const rb = b.bySource[s];
    if (ra.boxed_photos && ra.energy_in_box !== null && ra.box_area_share) {
      lines.push(
        `- \`${s}\`: A puts ${pct(ra.energy_in_box)} of its pothole heatmap inside the boxes, ` +
          `${(ra.energy_in_box / ra.box_area_share).toFixed(1)} times what a flat map would (the boxes cover ` +
          `${pct(ra.box_area_share)} of the area); B puts ${pct(rb.energy_in_box)} there ` +
          `(${(rb.energy_in_box! / rb.box_area_share!).toFixed(1)} times). Strict pointing game: A ${f3(ra.pointing_game)}, ` +
          `B ${f3(rb.pointing_game)}, a centre peak ${f3(ra.centre_pointing_game)}.`,
      );
    }
    if (ra.normal_photos_with_vegetation && ra.vegetation_energy !== null && ra.vegetation_area) {
      lines.push(
        `- \`${s}\`: on ${ra.normal_photos_with_vegetation} good-road photos with vegetation, vegetation covers ` +
          `${pct(ra.vegetation_area)} of the frame and receives ${pct(ra.vegetation_energy)} of A's "good road" ` +
          `heatmap and ${pct(rb.vegetation_energy)} of B's, ` +
          `${(ra.vegetation_energy / ra.vegetation_area).toFixed(2)} and ` +
          `${(rb.vegetation_energy! / rb.vegetation_area!).toFixed(2)} times its share of the ` +
          `frame (above 1: the model looks at vegetation more than its area explains).`,
      );
    }
    if (ra.normal_specificity !== null) {
      lines.push(
        `- \`${s}\`: good-road specificity A ${f3(ra.normal_specificity)}, B ${f3(rb.normal_specificity)}; ` +
          `pothole recall A ${f3(ra.pothole_recall)}, B ${f3(rb.pothole_recall)}.`,
      );
    }
  }
  lines.push('');
  lines.push('## Examples');
  lines.push('');
  lines.push(
    'Each figure: the photo (pothole boxes in white and black), then the heatmap of A, then the ' +
      "heatmap of B (the true class's Grad-CAM, turbo colours: red = strongest evidence).",
  );
  lines.push('');
  let lastKind = '';
  for (const e of examples) {
    if (e.kind !== lastKind) {
      lines.push(`### ${e.kind[0].toUpperCase()}${e.kind.slice(1)}`);
      lines.push('');
      lastKind = e.kind;
    }
    const rel = path.relative(path.dirname(path.resolve(o.docFile)), path.resolve(e.file));
    lines.push(`![${e.id}](${rel.split(path.sep).join('/')})`);
    lines.push('');
    lines.push(e.caption);
    lines.push('');
  }
  lines.push('## Limits');
  lines.push('');
  lines.push(
    [
      '- Excess green is a proxy for vegetation: it also marks green paint and misses dry grass and autumn trees.',
      '- The top quarter of the frame stands for sky, signs and horizon in wide shots only.',
      '- Boxes mark potholes, not everything that is damaged: energy on cracks next to a box counts as "outside".',
      `- Grad-CAM is coarse (A: ${gridA} cells a side, B: ${gridB}), so a small pothole can never hold all of the energy.`,
    ].join('\n'),
  );
  lines.push('');
  return lines.join('\n');
}
