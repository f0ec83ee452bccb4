/**
 * From photo folders to a train / validation / test split that cannot leak:
 * 1. perceptual-hash every photo and drop copies of the same photo (exact or resized),
 * 2. put near-duplicates, crops of one video frame, neighbouring frames and look-alike field
 *    photos (the same place photographed again) in one group,
 * 3. assign whole groups to the splits, stratified by (data set, label), with a fixed seed;
 *    groups holding a photo that must stay out of training (a test fixture) go to test.
 * The plan is plain JSON so the trainer writes it beside the model and eval reads it back.
 */
import path from 'node:path';
import { ToolError } from '../lib/tool-error';
import {
  DUPLICATE_MAX_DISTANCE,
  FIELD_COPY_MAX_DISTANCE,
  FIELD_COPY_MAX_GREY_DIFFERENCE,
  LOOK_ALIKE_MAX_DISTANCE,
  LOOK_ALIKE_MIN_CORRELATION,
  LOOK_ALIKE_SURE_CORRELATION,
  NEAR_DUPLICATE_MAX_DISTANCE,
  greyDifference,
  hammingDistance,
  photoSignatures,
  thumbnailCorrelation,
  type PhotoSignature,
} from './perceptual-hash';
import { photoId, type PhotoFolder, type PhotoLabel, type PhotoRecord } from './photo-folder';
import { seededRng, shuffled } from './rng';
import { DEFAULT_FRAME_BLOCK, DEFAULT_SPLIT_SEED } from './split-options';

export type SplitName = 'train' | 'validation' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

export interface HashedPhoto extends PhotoRecord {
  /** 64-bit perceptual hash, 16 hex digits. */
  hash: string;
  /** What field photos are compared by (not written to split.json). */
  signature?: PhotoSignature;
}

/** Field photos (rdd2022 layout, every damage boxed) follow the field rules below. */
export function isFieldPhoto(p: Pick<PhotoRecord, 'annotations'>): boolean {
  return p.annotations !== undefined;
}

/** When two field photos are copies, and when they are look-alikes (see perceptual-hash.ts). */
export interface FieldRules {
  copyMaxDistance: number;
  copyMaxGreyDifference: number;
  lookAlikeMaxDistance: number;
  lookAlikeMinCorrelation: number;
  lookAlikeSureCorrelation: number;
}

export const DEFAULT_FIELD_RULES: FieldRules = {
  copyMaxDistance: FIELD_COPY_MAX_DISTANCE,
  copyMaxGreyDifference: FIELD_COPY_MAX_GREY_DIFFERENCE,
  lookAlikeMaxDistance: LOOK_ALIKE_MAX_DISTANCE,
  lookAlikeMinCorrelation: LOOK_ALIKE_MIN_CORRELATION,
  lookAlikeSureCorrelation: LOOK_ALIKE_SURE_CORRELATION,
};

export interface SplitEntry {
  id: string;
  source: string;
  file: string;
  label: PhotoLabel;
  hash: string;
  /** Photos with the same group always land in the same split. */
  group: string;
}

/** A split's photos counted by data set and label, as split.json and the model card give them. */
export function countsBySource(entries: readonly SplitEntry[]) {
  const out: Record<string, Record<string, number>> = {};
  for (const e of entries) {
    out[e.source] ??= { normal: 0, pothole: 0 };
    out[e.source][e.label]++;
  }
  return out;
}

export interface DroppedDuplicate {
  dropped: string;
  keptAs: string;
  distance: number;
}

export interface SplitOptions {
  seed: number;
  fractions: Record<SplitName, number>;
  /** Frames named `<sequence>_<number>` are grouped in blocks of this many consecutive numbers. */
  frameBlock: number;
  duplicateMaxDistance: number;
  nearDuplicateMaxDistance: number;
  /** Copies and look-alikes among field photos (absent in plans written before field photos). */
  field?: FieldRules;
}

export const DEFAULT_SPLIT_OPTIONS: SplitOptions = {
  seed: DEFAULT_SPLIT_SEED,
  fractions: { train: 0.7, validation: 0.15, test: 0.15 },
  frameBlock: DEFAULT_FRAME_BLOCK,
  duplicateMaxDistance: DUPLICATE_MAX_DISTANCE,
  nearDuplicateMaxDistance: NEAR_DUPLICATE_MAX_DISTANCE,
  field: DEFAULT_FIELD_RULES,
};

export interface SplitPlan {
  options: SplitOptions;
  train: SplitEntry[];
  validation: SplitEntry[];
  test: SplitEntry[];
  duplicates: DroppedDuplicate[];
  /** Same photo filed under both labels: all copies left out, listed here. */
  conflicts: string[][];
  /** Data sets of field photos: their copies are matched by the field rule (eval reads it). */
  fieldSources?: string[];
  /**
   * Photos that must stay out of training (e.g. the repository's test fixtures), and the
   * photos of the data folders that matched one of them: their whole groups went to test.
   */
  heldOut?: { photos: string[]; matched: string[] };
}

/** A photo that must never be trained or validated on, by its perceptual hash. */
export interface HeldOutPhoto {
  id: string;
  hash: string;
}

/** The copy rule: within duplicateMaxDistance bits, or for field photos the stricter field rule. */
export function isCopy(
  a: HashedPhoto,
  b: HashedPhoto,
  distance: number,
  maxDistance: number,
  field?: FieldRules,
): boolean {
  if (field && (isFieldPhoto(a) || isFieldPhoto(b))) {
    if (distance > field.copyMaxDistance) return false;
    return (
      !a.signature ||
      !b.signature ||
      greyDifference(a.signature.grey, b.signature.grey) <= field.copyMaxGreyDifference
    );
  }
  return distance <= maxDistance;
}

/** The look-alike rule that keeps two photos in one split group. */
export function isLookAlike(
  a: HashedPhoto,
  b: HashedPhoto,
  distance: number,
  options: Pick<SplitOptions, 'nearDuplicateMaxDistance' | 'field'>,
): boolean {
  const f = options.field;
  if (f && (isFieldPhoto(a) || isFieldPhoto(b)) && a.signature && b.signature) {
    const r = thumbnailCorrelation(a.signature.thumb, b.signature.thumb);
    return (
      (distance <= f.lookAlikeMaxDistance && r >= f.lookAlikeMinCorrelation) ||
      r >= f.lookAlikeSureCorrelation
    );
  }
  return distance <= options.nearDuplicateMaxDistance;
}

/** Hamming distances of all pairs, from hashes parsed once (n^2 / 2 pairs of a few thousand). */
function pairDistances(photos: readonly { hash: string }[]): (i: number, j: number) => number {
  const words = photos.map((p) => [
    parseInt(p.hash.slice(0, 8), 16),
    parseInt(p.hash.slice(8), 16),
  ]);
  const pop = (n: number) => {
    n = n - ((n >>> 1) & 0x55555555);
    n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
    return (((n + (n >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  };
  return (i, j) => pop((words[i][0] ^ words[j][0]) >>> 0) + pop((words[i][1] ^ words[j][1]) >>> 0);
}

/**
 * `d2_19_x0_y512.jpg`, `d2_19_0.jpg` and `d2_19.jpg` are crops of frame 19 of sequence d2.
 * Returns undefined for names without that pattern (`12.jpg`, `img-7.jpg`).
 */
export function videoFrameOf(file: string): { sequence: string; frame: number } | undefined {
  const base = path.posix.basename(file).replace(/\.[^.]+$/, '');
  const m = /^([A-Za-z]+\d*)_(\d+)(?:_|$)/.exec(base);
  return m ? { sequence: m[1], frame: Number(m[2]) } : undefined;
}

function unionFind(n: number) {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  return { find, union };
}

/** Which photos to keep: one per cluster of copies; a photo with boxes wins, then input order. */
export function dropDuplicates(
  photos: readonly HashedPhoto[],
  maxDistance: number,
  field?: FieldRules,
): { kept: HashedPhoto[]; duplicates: DroppedDuplicate[]; conflicts: string[][] } {
  const uf = unionFind(photos.length);
  const distance = new Map<string, number>();
  const between = pairDistances(photos);
  for (let i = 0; i < photos.length; i++) {
    for (let j = i + 1; j < photos.length; j++) {
      const d = between(i, j);
      if (isCopy(photos[i], photos[j], d, maxDistance, field)) {
        uf.union(i, j);
        distance.set(`${i},${j}`, d);
      }
    }
  }
  const clusters = new Map<number, number[]>();
  photos.forEach((_, i) => {
    const r = uf.find(i);
    clusters.set(r, [...(clusters.get(r) ?? []), i]);
  });
  const kept: HashedPhoto[] = [];
  const duplicates: DroppedDuplicate[] = [];
  const conflicts: string[][] = [];
  for (const members of clusters.values()) {
    if (members.length === 1) {
      kept.push(photos[members[0]]);
      continue;
    }
    if (new Set(members.map((i) => photos[i].label)).size > 1) {
      conflicts.push(members.map((i) => photoId(photos[i])));
      continue;
    }
    const keep = members.find((i) => photos[i].boxes?.length) ?? members[0];
    kept.push(photos[keep]);
    for (const i of members) {
      if (i === keep) continue;
      const [a, b] = i < keep ? [i, keep] : [keep, i];
      duplicates.push({
        dropped: photoId(photos[i]),
        keptAs: photoId(photos[keep]),
        distance: distance.get(`${a},${b}`) ?? hammingDistance(photos[a].hash, photos[b].hash),
      });
    }
  }
  const position = new Map(photos.map((p, i) => [p, i]));
  kept.sort((a, b) => position.get(a)! - position.get(b)!);
  return { kept, duplicates, conflicts };
}

/**
 * Group names: one per cluster of near-duplicates and look-alike field photos, and per block of
 * neighbouring video frames.
 */
export function splitGroups(
  photos: readonly HashedPhoto[],
  options: Pick<SplitOptions, 'frameBlock' | 'nearDuplicateMaxDistance' | 'field'>,
): string[] {
  const uf = unionFind(photos.length);
  const firstOfBlock = new Map<string, number>();
  photos.forEach((p, i) => {
    const f = videoFrameOf(p.file);
    if (!f) return;
    const block = `${p.source}:${f.sequence}:${Math.floor((f.frame - 1) / options.frameBlock)}`;
    const first = firstOfBlock.get(block);
    if (first === undefined) firstOfBlock.set(block, i);
    else uf.union(first, i);
  });
  const between = pairDistances(photos);
  for (let i = 0; i < photos.length; i++) {
    for (let j = i + 1; j < photos.length; j++) {
      if (isLookAlike(photos[i], photos[j], between(i, j), options)) uf.union(i, j);
    }
  }
  return photos.map((_, i) => photoId(photos[uf.find(i)]));
}

/**
 * Assigns groups to splits so that each (data set, label) stratum is divided as `fractions`
 * asks. Groups in `placed` go where it says (an earlier plan's placement, held-out photos);
 * then large groups first, each where its strata are furthest below target.
 */
export function stratifiedGroupSplit(
  photos: readonly HashedPhoto[],
  groups: readonly string[],
  options: Pick<SplitOptions, 'seed' | 'fractions'>,
  placed: ReadonlyMap<string, SplitName> = new Map(),
): Record<SplitName, SplitEntry[]> {
  const stratum = (p: HashedPhoto) => `${p.source}|${p.label}`;
  const totals = new Map<string, number>();
  for (const p of photos) totals.set(stratum(p), (totals.get(stratum(p)) ?? 0) + 1);
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => members.set(g, [...(members.get(g) ?? []), i]));

  const rng = seededRng(options.seed);
  const free = [...members.keys()].filter((g) => !placed.has(g)).sort();
  const order = [
    ...[...members.keys()].filter((g) => placed.has(g)).sort(),
    ...shuffled(free, rng).sort((a, b) => members.get(b)!.length - members.get(a)!.length),
  ];
  const fractionSum = SPLIT_NAMES.reduce((s, n) => s + options.fractions[n], 0);
  const filled: Record<SplitName, Map<string, number>> = {
    train: new Map(),
    validation: new Map(),
    test: new Map(),
  };
  const out: Record<SplitName, SplitEntry[]> = { train: [], validation: [], test: [] };
  for (const g of order) {
    const idx = members.get(g)!;
    const counts = new Map<string, number>();
    for (const i of idx) counts.set(stratum(photos[i]), (counts.get(stratum(photos[i])) ?? 0) + 1);
    let best: SplitName = placed.get(g) ?? 'train';
    let bestScore = placed.has(g) ? Infinity : -Infinity;
    for (const s of placed.has(g) ? [] : SPLIT_NAMES) {
      const share = options.fractions[s] / fractionSum;
      if (share <= 0) continue;
      let score = 0;
      for (const [k, c] of counts) {
        const target = share * totals.get(k)!;
        score += (c * (target - (filled[s].get(k) ?? 0) - c / 2)) / totals.get(k)!;
      }
      if (score > bestScore + 1e-12) {
        bestScore = score;
        best = s;
      }
    }
    for (const [k, c] of counts) filled[best].set(k, (filled[best].get(k) ?? 0) + c);
    for (const i of idx) {
      const p = photos[i];
      out[best].push({
        id: photoId(p),
        source: p.source,
        file: p.file,
        label: p.label,
        hash: p.hash,
        group: g,
      });
    }
  }
  for (const s of SPLIT_NAMES)
    out[s].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  return out;
}

/**
 * Keeps the split of photos that an earlier plan already placed (by name, or by perceptual hash
 * for a copy under another name), so two models can be compared on the same held-out photos.
 * A group goes where its first placed member went; groups with no placed member are split as
 * usual. Returns the assignment of the placed groups and the photos left to split.
 */
export function inheritSplit(
  photos: readonly HashedPhoto[],
  groups: readonly string[],
  previous: Pick<SplitPlan, SplitName | 'options'>,
  field?: FieldRules,
): { placed: Map<string, SplitName>; rest: number[] } {
  const byId = new Map<string, SplitName>();
  const hashes: { hash: string; split: SplitName }[] = [];
  for (const s of SPLIT_NAMES) {
    for (const e of previous[s]) {
      byId.set(e.id, s);
      hashes.push({ hash: e.hash, split: s });
    }
  }
  const placed = new Map<string, SplitName>();
  photos.forEach((p, i) => {
    if (placed.has(groups[i])) return;
    const maxDistance =
      field && isFieldPhoto(p) ? field.copyMaxDistance : previous.options.duplicateMaxDistance;
    const split =
      byId.get(photoId(p)) ??
      hashes.find((h) => hammingDistance(h.hash, p.hash) <= maxDistance)?.split;
    if (split) placed.set(groups[i], split);
  });
  const rest = photos.map((_, i) => i).filter((i) => !placed.has(groups[i]));
  return { placed, rest };
}

/** Hashes, de-duplicates, groups and splits the photos of several folders. */
export async function planSplit(
  folders: readonly PhotoFolder[],
  options: SplitOptions = DEFAULT_SPLIT_OPTIONS,
  previous?: Pick<SplitPlan, SplitName | 'options'>,
  /** Photos that must not be trained or validated on: their matches' groups go to test. */
  heldOut: readonly HeldOutPhoto[] = [],
): Promise<{ plan: SplitPlan; photos: Map<string, HashedPhoto> }> {
  const sources = new Set<string>();
  for (const f of folders) {
    if (sources.has(f.source)) {
      throw new ToolError(
        'bad-argument',
        `Two data folders are both named ${f.source}: give each data set a folder of its own name.`,
      );
    }
    sources.add(f.source);
  }
  const records = folders.flatMap((f) => f.photos);
  const signatures = await photoSignatures(records.map((r) => r.path));
  const hashed: HashedPhoto[] = records.map((r, i) => ({
    ...r,
    hash: signatures[i].hash,
    ...(isFieldPhoto(r) ? { signature: signatures[i] } : {}),
  }));
  const { kept, duplicates, conflicts } = dropDuplicates(
    hashed,
    options.duplicateMaxDistance,
    options.field,
  );
  const labels = new Set(kept.map((p) => p.label));
  if (labels.size < 2) {
    throw new ToolError(
      'single-class',
      `Training needs photos of both classes, but the data folders hold only ${[...labels][0]} ` +
        `photos. Add a folder with normal/ (good roads) and potholes/.`,
    );
  }
  const groups = splitGroups(kept, options);
  const placed = previous
    ? inheritSplit(kept, groups, previous, options.field).placed
    : new Map<string, SplitName>();
  // A held-out photo may match a copy that was dropped: its kept twin's group goes to test too.
  const keptAs = new Map(duplicates.map((d) => [d.dropped, d.keptAs]));
  const groupOf = new Map(kept.map((p, i) => [photoId(p), groups[i]]));
  const matched = new Set<string>();
  for (const h of heldOut) {
    for (const p of hashed) {
      if (hammingDistance(h.hash, p.hash) > options.duplicateMaxDistance) continue;
      const id = keptAs.get(photoId(p)) ?? photoId(p);
      const group = groupOf.get(id);
      if (group === undefined) continue;
      matched.add(photoId(p));
      placed.set(group, 'test');
    }
  }
  const split = stratifiedGroupSplit(kept, groups, options, placed);
  const fieldSources = [...new Set(kept.filter(isFieldPhoto).map((p) => p.source))];
  // The field rules are written only when field photos were split: a split of web and close-up
  // photos stays the same file it was before field photos existed.
  const { field: _field, ...withoutField } = options;
  return {
    plan: {
      options: fieldSources.length ? options : withoutField,
      ...split,
      duplicates,
      conflicts,
      ...(fieldSources.length ? { fieldSources } : {}),
      ...(heldOut.length
        ? { heldOut: { photos: heldOut.map((h) => h.id), matched: [...matched].sort() } }
        : {}),
    },
    photos: new Map(kept.map((p) => [photoId(p), p])),
  };
}
