/**
 * The split a model was trained with (split.json beside model.json), and the check that keeps
 * evaluation off photos the model has seen: a photo is "seen" when it is a training or
 * validation photo, or a copy of one (perceptual hash within the duplicate distance; for field
 * photos, whose neighbours in a survey are alike but not copies, the stricter field distance),
 * so a copy under another name or in another folder is caught too.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ToolError } from '../lib/tool-error';
import { FIELD_COPY_MAX_DISTANCE, hammingDistance } from '../data/perceptual-hash';
import type { SplitEntry, SplitName, SplitPlan } from '../data/split';

export const SPLIT_FILE = 'split.json';

export function readSplitFile(modelDir: string): SplitPlan | undefined {
  const file = path.join(modelDir, SPLIT_FILE);
  if (!existsSync(file)) return undefined;
  return readSplitPlan(file);
}

/** Reads a split.json file (a model folder's, or one given to reuse its placement). */
export function readSplitPlan(file: string): SplitPlan {
  if (!existsSync(file)) {
    throw new ToolError('missing-folder', `The split file ${file} does not exist.`);
  }
  try {
    const plan = JSON.parse(readFileSync(file, 'utf8')) as SplitPlan;
    if (!Array.isArray(plan.train) || !Array.isArray(plan.validation) || !plan.options) {
      throw new Error('train, validation or options missing');
    }
    return plan;
  } catch (e) {
    throw new ToolError(
      'bad-model-folder',
      `${file} is damaged, so it cannot tell which photos the model was trained on. Restore it ` +
        `from the model's original folder.`,
      e instanceof Error ? e.message : String(e),
    );
  }
}

/** The photo being looked up: its hash, and its id and kind when known. */
export interface PhotoKey {
  hash: string;
  id?: string;
  /** A field photo (rdd2022 layout): copies of it are matched by the field distance. */
  field?: boolean;
}

export class SeenPhotos {
  private readonly entries: SplitEntry[];
  private readonly ids: Map<string, SplitEntry>;
  private readonly fieldSources: Set<string>;
  private readonly fieldDistance: number;

  constructor(
    plan: SplitPlan,
    splits: readonly SplitName[] = ['train', 'validation'],
    private readonly maxDistance = plan.options.duplicateMaxDistance,
  ) {
    this.entries = splits.flatMap((s) => plan[s]);
    this.ids = new Map(this.entries.map((e) => [e.id, e]));
    this.fieldSources = new Set(plan.fieldSources ?? []);
    this.fieldDistance = plan.options.field?.copyMaxDistance ?? FIELD_COPY_MAX_DISTANCE;
  }

  /** The photo of those splits that this photo is, or is a copy of, if any. */
  match(key: string | PhotoKey): SplitEntry | undefined {
    const k = typeof key === 'string' ? { hash: key } : key;
    const byId = k.id === undefined ? undefined : this.ids.get(k.id);
    if (byId) return byId;
    for (const e of this.entries) {
      const limit =
        k.field || this.fieldSources.has(e.source) ? this.fieldDistance : this.maxDistance;
      if (hammingDistance(k.hash, e.hash) <= limit) return e;
    }
    return undefined;
  }
}
