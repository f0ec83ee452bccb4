/**
 * Reads a folder of labelled road photos in any layout the project uses:
 * - the public data set's layout: `normal/` (good roads) and `potholes/`, with an optional
 *   `boxes.json` whose keys are paths such as `potholes/12.jpg`;
 * - the annotated layout: `images/` + `boxes.json`, where every photo shows a pothole;
 * - the rdd2022 layout: `images/` + `labels.json` with every damage box and its class
 *   (`D00`, `D10`, `D20` cracks, `D40` pothole, `Repair` patch): field photos.
 * Anything else in those folders is listed as ignored, so the caller can say so.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ToolError } from '../lib/tool-error';

export type PhotoLabel = 'normal' | 'pothole';

/** [xmin, ymin, xmax, ymax] in the pixels of the photo as stored. */
export type Box = [number, number, number, number];

export interface PhotoRecord {
  /** The data set's name: the folder's base name (`potholes-kaggle`). */
  source: string;
  /** Path inside the data folder, with `/` (`normal/12.jpg`). */
  file: string;
  /** Absolute path on this machine. */
  path: string;
  label: PhotoLabel;
  /** Pothole boxes, when the folder's boxes.json (or labels.json: D40) lists this photo. */
  boxes?: Box[];
  /**
   * rdd2022 layout: every damage box of the photo with its class (none: no damage labelled).
   * Absent in the other layouts, whose photos say only "pothole" or "good road".
   */
  annotations?: Annotation[];
}

/** One labelled damage: its data set class (`D40`) and its box. */
export interface Annotation {
  class: string;
  box: Box;
}

export interface PhotoFolder {
  dir: string;
  source: string;
  layout: 'labelled-folders' | 'annotated' | 'rdd2022';
  photos: PhotoRecord[];
  /** Files that are not photos by their extension (masks live elsewhere; this lists strays). */
  ignored: string[];
}

const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);
const LABEL_FOLDERS: Record<string, PhotoLabel> = { normal: 'normal', potholes: 'pothole' };

export function photoId(p: Pick<PhotoRecord, 'source' | 'file'>): string {
  return `${p.source}/${p.file}`;
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

function listPhotos(dir: string, prefix: string, ignored: string[]): string[] {
  const names = readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const out: string[] = [];
  for (const name of names) {
    const rel = `${prefix}/${name}`;
    if (statSync(path.join(dir, name)).isDirectory()) {
      ignored.push(rel + '/');
    } else if (PHOTO_EXTENSIONS.has(path.extname(name).toLowerCase())) {
      out.push(rel);
    } else {
      ignored.push(rel);
    }
  }
  return out;
}

function isBox(v: unknown): v is Box {
  return (
    Array.isArray(v) &&
    v.length === 4 &&
    v.every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    v[2] > v[0] &&
    v[3] > v[1]
  );
}

/**
 * A JSON file that maps photo paths to lists (boxes.json, labels.json), read as an object; its
 * entries are checked by the caller. `kind` and `entryShape` name the file and its lists in errors.
 */
function readPhotoMapFile(file: string, kind: string, entryShape: string): object {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ToolError(
      'bad-boxes',
      `The ${kind} ${file} could not be read as JSON.`,
      e instanceof Error ? e.message : String(e),
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ToolError(
      'bad-boxes',
      `The ${kind} ${file} must map photo paths to lists of ${entryShape}.`,
    );
  }
  return parsed;
}

/** Reads boxes.json ({"images/img-1.jpg": [[xmin, ymin, xmax, ymax], ...]}). */
export function readBoxesFile(file: string): Map<string, Box[]> {
  const parsed = readPhotoMapFile(file, 'box file', '[xmin, ymin, xmax, ymax] boxes');
  const boxes = new Map<string, Box[]>();
  for (const [key, value] of Object.entries(parsed)) {
    if (!Array.isArray(value) || !value.every(isBox)) {
      throw new ToolError(
        'bad-boxes',
        `The box file ${file} has a malformed entry for ${key}: each box must be ` +
          `[xmin, ymin, xmax, ymax] with xmax > xmin and ymax > ymin.`,
        JSON.stringify(value).slice(0, 200),
      );
    }
    boxes.set(
      key.replace(/\\/g, '/'),
      value.map((b) => [b[0], b[1], b[2], b[3]] as Box),
    );
  }
  return boxes;
}

/** The rdd2022 layout's pothole class: a photo with one is a pothole photo. */
const RDD_POTHOLE_CLASS = 'D40';

/** Reads labels.json ({"images/x.jpg": [{"class": "D40", "box": [xmin, ymin, xmax, ymax]}]}). */
export function readLabelsFile(file: string): Map<string, Annotation[]> {
  const parsed = readPhotoMapFile(
    file,
    'label file',
    '{"class": ..., "box": [xmin, ymin, xmax, ymax]}',
  );
  const labels = new Map<string, Annotation[]>();
  for (const [key, value] of Object.entries(parsed)) {
    const entries = Array.isArray(value) ? (value as unknown[]) : undefined;
    const ok = entries?.every((a) => {
      const o = a as { class?: unknown; box?: unknown } | null;
      return typeof o?.class === 'string' && o.class.length > 0 && isBox(o.box);
    });
    if (!entries || !ok) {
      throw new ToolError(
        'bad-boxes',
        `The label file ${file} has a malformed entry for ${key}: each label must be ` +
          `{"class": "D40", "box": [xmin, ymin, xmax, ymax]} with xmax > xmin and ymax > ymin.`,
        JSON.stringify(value).slice(0, 200),
      );
    }
    labels.set(
      key.replace(/\\/g, '/'),
      (entries as { class: string; box: Box }[]).map((a) => ({
        class: a.class,
        box: [a.box[0], a.box[1], a.box[2], a.box[3]] as Box,
      })),
    );
  }
  return labels;
}

/**
 * Lists the photos of a data folder with their labels (and boxes when `boxes.json` exists, or
 * from `boxesFile`; every labelled damage when `labels.json` exists). Throws ToolError when the folder is missing, has neither layout, or holds
 * no photo. Photos are not decoded here.
 */
export function readPhotoFolder(dir: string, options: { boxesFile?: string } = {}): PhotoFolder {
  const abs = path.resolve(dir);
  if (!existsSync(abs)) {
    throw new ToolError('missing-folder', `The data folder ${dir} does not exist.`, abs);
  }
  if (!statSync(abs).isDirectory()) {
    throw new ToolError('not-a-folder', `${dir} is a file, not a data folder.`, abs);
  }
  const source = path.basename(abs);
  const ignored: string[] = [];
  const boxesPath = options.boxesFile ?? path.join(abs, 'boxes.json');
  const boxes = existsSync(boxesPath) ? readBoxesFile(boxesPath) : new Map<string, Box[]>();
  if (options.boxesFile && !existsSync(options.boxesFile)) {
    throw new ToolError('missing-folder', `The box file ${options.boxesFile} does not exist.`);
  }

  const labelDirs = Object.keys(LABEL_FOLDERS).filter((d) => isDir(path.join(abs, d)));
  const labelsPath = path.join(abs, 'labels.json');
  let layout: PhotoFolder['layout'];
  const entries: { file: string; label: PhotoLabel }[] = [];
  let annotations: Map<string, Annotation[]> | undefined;
  if (labelDirs.length === 0 && isDir(path.join(abs, 'images')) && existsSync(labelsPath)) {
    layout = 'rdd2022';
    annotations = readLabelsFile(labelsPath);
    const missing: string[] = [];
    for (const file of listPhotos(path.join(abs, 'images'), 'images', ignored)) {
      const found = annotations.get(file);
      if (!found) missing.push(file);
      else
        entries.push({
          file,
          label: found.some((a) => a.class === RDD_POTHOLE_CLASS) ? 'pothole' : 'normal',
        });
    }
    if (missing.length > 0) {
      throw new ToolError(
        'bad-boxes',
        `${labelsPath} has no entry for ${missing.length} photo(s) in images/ (${missing
          .slice(0, 3)
          .join(', ')}${missing.length > 3 ? ', ...' : ''}): add each, with an empty list [] if ` +
          `the photo shows no damage, or move the photo out of the folder.`,
      );
    }
  } else if (labelDirs.length > 0) {
    layout = 'labelled-folders';
    for (const d of labelDirs) {
      for (const file of listPhotos(path.join(abs, d), d, ignored)) {
        entries.push({ file, label: LABEL_FOLDERS[d] });
      }
    }
  } else if (isDir(path.join(abs, 'images'))) {
    layout = 'annotated';
    for (const file of listPhotos(path.join(abs, 'images'), 'images', ignored)) {
      entries.push({ file, label: 'pothole' });
    }
  } else {
    throw new ToolError(
      'empty-folder',
      `${dir} has no photos in a layout RoadCAM reads: put good-road photos in normal/ and ` +
        `pothole photos in potholes/ (or all-pothole photos in images/ with a boxes.json, or ` +
        `field photos in images/ with a labels.json of their damage boxes).`,
      `contents: ${readdirSync(abs).slice(0, 20).join(', ')}`,
    );
  }
  if (entries.length === 0) {
    throw new ToolError(
      'empty-folder',
      `${dir} has no photos (.jpg, .jpeg, .png, .webp) in ${
        layout === 'labelled-folders' ? labelDirs.map((d) => d + '/').join(' or ') : 'images/'
      }.`,
      ignored.length ? `ignored: ${ignored.slice(0, 20).join(', ')}` : undefined,
    );
  }
  const photos: PhotoRecord[] = entries.map(({ file, label }) => {
    const record: PhotoRecord = { source, file, path: path.join(abs, file), label };
    if (annotations) {
      record.annotations = annotations.get(file)!;
      const potholes = record.annotations.filter((a) => a.class === RDD_POTHOLE_CLASS);
      if (potholes.length) record.boxes = potholes.map((a) => a.box);
      return record;
    }
    const b = boxes.get(file);
    if (b) record.boxes = b;
    return record;
  });
  return { dir: abs, source, layout, photos, ignored };
}
