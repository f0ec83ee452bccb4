/**
 * From photo folders to a train / validation / test split that cannot leak:
 * 1. perceptual-hash every photo and drop copies of the same photo (exact or resized),
 * 2. put near-duplicates, crops of one video frame and neighbouring frames in one group,
 * 3. assign whole groups to the splits, stratified by (data set, label), with a fixed seed.
 * The plan is plain JSON so the trainer writes it beside the model and eval reads it back.
 */
import path from 'node:path';
import { ToolError } from '../lib/tool-error';
import {
  DUPLICATE_MAX_DISTANCE,
  NEAR_DUPLICATE_MAX_DISTANCE,
  hammingDistance,
  perceptualHashes,
} from './perceptual-hash';
import { photoId, type PhotoFolder, type PhotoLabel, type PhotoRecord } from './photo-folder';
import { seededRng, shuffled } from './rng';
import { DEFAULT_FRAME_BLOCK, DEFAULT_SPLIT_SEED } from './split-options';

export type SplitName = 'train' | 'validation' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

export interface HashedPhoto extends PhotoRecord {
  /** 64-bit perceptual hash, 16 hex digits. */
  hash: string;
}

export interface SplitEntry {
  id: string;
  source: string;
  file: string;
  label: PhotoLabel;
  hash: string;
  /** Photos with the same group always land in the same split. */
  group: string;
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
}

export const DEFAULT_SPLIT_OPTIONS: SplitOptions = {
  seed: DEFAULT_SPLIT_SEED,
  fractions: { train: 0.7, validation: 0.15, test: 0.15 },
  frameBlock: DEFAULT_FRAME_BLOCK,
  duplicateMaxDistance: DUPLICATE_MAX_DISTANCE,
  nearDuplicateMaxDistance: NEAR_DUPLICATE_MAX_DISTANCE,
};

export interface SplitPlan {
  options: SplitOptions;
  train: SplitEntry[];
  validation: SplitEntry[];
  test: SplitEntry[];
  duplicates: DroppedDuplicate[];
  /** Same photo filed under both labels: all copies left out, listed here. */
  conflicts: string[][];
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
): { kept: HashedPhoto[]; duplicates: DroppedDuplicate[]; conflicts: string[][] } {
  const uf = unionFind(photos.length);
  const distance = new Map<string, number>();
  for (let i = 0; i < photos.length; i++) {
    for (let j = i + 1; j < photos.length; j++) {
      const d = hammingDistance(photos[i].hash, photos[j].hash);
      if (d <= maxDistance) {
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

/** Group names: one per near-duplicate cluster and per block of neighbouring video frames. */
export function splitGroups(
  photos: readonly HashedPhoto[],
  options: Pick<SplitOptions, 'frameBlock' | 'nearDuplicateMaxDistance'>,
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
  for (let i = 0; i < photos.length; i++) {
    for (let j = i + 1; j < photos.length; j++) {
      if (hammingDistance(photos[i].hash, photos[j].hash) <= options.nearDuplicateMaxDistance) {
        uf.union(i, j);
      }
    }
  }
  return photos.map((_, i) => photoId(photos[uf.find(i)]));
}

/**
 * Assigns groups to splits so that each (data set, label) stratum is divided as `fractions`
 * asks. Large groups go first; each group goes where its strata are furthest below target.
 */
export function stratifiedGroupSplit(
  photos: readonly HashedPhoto[],
  groups: readonly string[],
  options: Pick<SplitOptions, 'seed' | 'fractions'>,
): Record<SplitName, SplitEntry[]> {
  const stratum = (p: HashedPhoto) => `${p.source}|${p.label}`;
  const totals = new Map<string, number>();
  for (const p of photos) totals.set(stratum(p), (totals.get(stratum(p)) ?? 0) + 1);
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => members.set(g, [...(members.get(g) ?? []), i]));

  const rng = seededRng(options.seed);
  const order = shuffled([...members.keys()].sort(), rng).sort(
    (a, b) => members.get(b)!.length - members.get(a)!.length,
  );
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
    let best: SplitName = 'train';
    let bestScore = -Infinity;
    for (const s of SPLIT_NAMES) {
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

/** Hashes, de-duplicates, groups and splits the photos of several folders. */
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
    const split =
      byId.get(photoId(p)) ??
      hashes.find((h) => hammingDistance(h.hash, p.hash) <= previous.options.duplicateMaxDistance)
        ?.split;
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
  const hashes = await perceptualHashes(records.map((r) => r.path));
  const hashed: HashedPhoto[] = records.map((r, i) => ({ ...r, hash: hashes[i] }));
  const { kept, duplicates, conflicts } = dropDuplicates(hashed, options.duplicateMaxDistance);
  const labels = new Set(kept.map((p) => p.label));
  if (labels.size < 2) {
    throw new ToolError(
      'single-class',
      `Training needs photos of both classes, but the data folders hold only ${[...labels][0]} ` +
        `photos. Add a folder with normal/ (good roads) and potholes/.`,
    );
  }
  const groups = splitGroups(kept, options);
  let split: Record<SplitName, SplitEntry[]>;
  if (previous) {
    const { placed, rest } = inheritSplit(kept, groups, previous);
    split = stratifiedGroupSplit(
      rest.map((i) => kept[i]),
      rest.map((i) => groups[i]),
      options,
    );
    kept.forEach((p, i) => {
      const s = placed.get(groups[i]);
      if (s) {
        split[s].push({
          id: photoId(p),
          source: p.source,
          file: p.file,
          label: p.label,
          hash: p.hash,
          group: groups[i],
        });
      }
    });
    for (const s of SPLIT_NAMES) {
      split[s].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    }
  } else {
    split = stratifiedGroupSplit(kept, groups, options);
  }
  return {
    plan: { options, ...split, duplicates, conflicts },
    photos: new Map(kept.map((p) => [photoId(p), p])),
  };
}
