/**
 * The field truth as a training folder (issue 11): the surveys whose label someone confirmed,
 * written in the rdd2022 layout that tools/data reads (`images/` + `labels.json` of
 * {"images/ID.jpg": [{"class": "D40", "box": [xmin, ymin, xmax, ymax]}]}), with a
 * `provenance.csv` and a README with the counts.
 *
 * - Which label: the office's review when it is current (the survey did not change after it),
 *   else, with `includeEngineer`, the engineer's own Right / Wrong answer; nothing else (a
 *   verdict nobody confirmed is not a label). server/review/survey-truth.ts decides.
 * - Damage types become the rdd2022 classes tools/data maps back (pothole D40, longitudinal
 *   crack D00, transverse D10, alligator D20, patch Repair; a crack without its subtype is
 *   written as D00). A damage labelled without a box gets a box of the whole photo ("somewhere
 *   in the photo"), which is what an image-level label means to the box-crop training.
 *   good_road is an empty list; not_road photos are left out (counted in the README).
 * - Photos are copied byte for byte from the server's photo store; exact duplicates (the same
 *   SHA-256) are written once. A survey whose photo never arrived is left out and counted.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DAMAGE_TYPES, isDamageTypeName } from '../../src/model/damage-types';
import { GOOD_ROAD_LABEL, NOT_ROAD_LABEL, type SurveyRecordWire } from '../../src/schema/survey';
import type { SurveyTruth } from '../../src/schema/review';
import { surveyTruth } from '../../server/review/survey-truth';
import type { PhotoStore } from '../../server/store/photo-store';
import type { ReviewStore } from '../../server/store/review-store';
import type { StoredSurvey, SurveyStore } from '../../server/store/survey-store';
import { ToolError } from '../lib/tool-error';

export interface DatasetSources {
  surveys: SurveyStore;
  reviews: ReviewStore;
  photos: PhotoStore;
}

export interface DatasetExportOptions {
  /** Only surveys taken at or after this time (ms). */
  since?: number | null;
  /** Also take the engineer's answer where the office has not reviewed (default: reviews only). */
  includeEngineer?: boolean;
  /** For the README: when the export ran. */
  now?: Date;
}

export interface DatasetExportReport {
  exported: number;
  bySource: { review: number; engineer: number };
  byLabel: Record<string, number>;
  skipped: {
    notConfirmed: number;
    notRoad: number;
    noPhoto: number;
    duplicatePhoto: number;
    unknownLabel: number;
    beforeSince: number;
  };
}

interface RddLabel {
  class: string;
  box: [number, number, number, number];
}

const PAGE = 200;

export async function exportDataset(
  sources: DatasetSources,
  outDir: string,
  options: DatasetExportOptions = {},
): Promise<DatasetExportReport> {
  const images = path.join(outDir, 'images');
  mkdirSync(images, { recursive: true });
  const report: DatasetExportReport = {
    exported: 0,
    bySource: { review: 0, engineer: 0 },
    byLabel: {},
    skipped: {
      notConfirmed: 0,
      notRoad: 0,
      noPhoto: 0,
      duplicatePhoto: 0,
      unknownLabel: 0,
      beforeSince: 0,
    },
  };
  const labels: Record<string, RddLabel[]> = {};
  const provenance: string[] = [
    'survey_id,file,device,taken_at,lat_100m,lon_100m,model,labels,labelled_by,source',
  ];
  const seenPhotos = new Set<string>();

  let afterId: string | null = null;
  for (;;) {
    const page = await sources.surveys.listSurveysById(afterId, PAGE);
    if (page.length === 0) break;
    afterId = page.at(-1)!.id;
    const reviews = await sources.reviews.getReviews(page.map((s) => s.id));
    for (const stored of page) {
      const record = stored.record;
      if (options.since != null && Date.parse(record.createdAt) < options.since) {
        report.skipped.beforeSince++;
        continue;
      }
      const truth = surveyTruth(record, stored.receivedFrom, reviews.get(stored.id) ?? null);
      if (!truth || (truth.source === 'engineer' && !options.includeEngineer)) {
        report.skipped.notConfirmed++;
        continue;
      }
      if (truth.labels.includes(NOT_ROAD_LABEL)) {
        report.skipped.notRoad++;
        continue;
      }
      const rdd = toRddLabels(truth, record);
      if (rdd === null) {
        report.skipped.unknownLabel++;
        continue;
      }
      if (seenPhotos.has(stored.photo.sha256)) {
        report.skipped.duplicatePhoto++;
        continue;
      }
      const bytes = stored.photo.storedAt === null ? null : await sources.photos.read(stored.id);
      if (bytes === null || sha256(bytes) !== stored.photo.sha256) {
        report.skipped.noPhoto++;
        continue;
      }
      seenPhotos.add(stored.photo.sha256);
      const file = `images/${stored.id}.jpg`;
      writeFileSync(path.join(outDir, file), bytes);
      labels[file] = rdd;
      provenance.push(provenanceRow(stored, file, truth));
      report.exported++;
      report.bySource[truth.source]++;
      for (const label of truth.labels) report.byLabel[label] = (report.byLabel[label] ?? 0) + 1;
    }
    if (page.length < PAGE) break;
  }

  if (report.exported === 0) {
    throw new ToolError(
      'empty-dataset',
      'No survey has a confirmed label yet, so there is nothing to export: review surveys on ' +
        'the office page first' +
        (options.includeEngineer ? '.' : ' (or add --with-engineer-answers).'),
      JSON.stringify(report.skipped),
    );
  }
  writeFileSync(path.join(outDir, 'labels.json'), JSON.stringify(labels, null, 1) + '\n');
  writeFileSync(path.join(outDir, 'provenance.csv'), provenance.join('\n') + '\n');
  writeFileSync(path.join(outDir, 'README.md'), readme(report, options));
  return report;
}

/** The rdd2022 labels of a confirmed answer, or null when a label is not a known type. */
export function toRddLabels(truth: SurveyTruth, record: SurveyRecordWire): RddLabel[] | null {
  if (truth.labels.length === 1 && truth.labels[0] === GOOD_ROAD_LABEL) return [];
  const out: RddLabel[] = [];
  for (const label of truth.labels) {
    if (!isDamageTypeName(label)) return null;
    const rddClass = DAMAGE_TYPES[label].rddClasses[0];
    const boxes = truth.boxes.filter((b) => b.type === label);
    if (boxes.length === 0) {
      out.push({ class: rddClass, box: [0, 0, record.photo.width, record.photo.height] });
    }
    for (const b of boxes) out.push({ class: rddClass, box: b.box });
  }
  return out;
}

function provenanceRow(stored: StoredSurvey, file: string, truth: SurveyTruth): string {
  const r = stored.record;
  // About 100 m: three decimals of a degree (111 m of latitude, less of longitude).
  const round = (v: number | undefined) => (v === undefined ? '' : v.toFixed(3));
  return [
    stored.id,
    file,
    stored.receivedFrom,
    r.createdAt,
    round(r.position?.lat),
    round(r.position?.lon),
    r.model ? `${r.model.id}@${r.model.version}` : '',
    truth.labels.join(' '),
    truth.by,
    truth.source,
  ]
    .map(csvCell)
    .join(',');
}

function csvCell(value: string): string {
  // Names come from token names and labels (plain), but a cell that starts like a formula or
  // holds a comma or quote is quoted and defused all the same.
  const defused = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n]/.test(defused) ? `"${defused.replace(/"/g, '""')}"` : defused;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readme(report: DatasetExportReport, options: DatasetExportOptions): string {
  const at = (options.now ?? new Date()).toISOString();
  const labelLines = Object.entries(report.byLabel)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, n]) => `| ${label} | ${n} |`);
  return `# RoadCAM field data set

Exported ${at} from the sync server (\`npm run dataset\`). Layout: \`images/\` + \`labels.json\`
in the rdd2022 form (pothole D40, longitudinal crack D00, transverse D10, alligator D20, patch
Repair; a crack without its subtype is D00; a damage labelled without a box has a box of the
whole photo; a good road has no labels). \`provenance.csv\` says who labelled each photo.
Train with \`npm run train -- road-damage --data DIR\`.

Photos: ${report.exported} (from office reviews: ${report.bySource.review}, from the engineers'
answers: ${report.bySource.engineer}).

| label | photos |
| ----- | ------ |
${labelLines.join('\n')}

Left out: ${report.skipped.notConfirmed} with no confirmed label${
    options.includeEngineer ? '' : ' by the office'
  }, ${report.skipped.notRoad} not a road, ${report.skipped.noPhoto} without their photo on the
server, ${report.skipped.duplicatePhoto} exact duplicates, ${report.skipped.unknownLabel} with a
label this toolkit has no type for${
    options.since != null
      ? `, ${report.skipped.beforeSince} taken before ${new Date(options.since).toISOString()}`
      : ''
  }.

Licence: these photos belong to whoever runs this server; state their licence here before
sharing the folder.
`;
}
