/**
 * The split a model was trained with (split.json beside model.json), and the check that keeps
 * evaluation off photos the model has seen: a photo is "seen" when its perceptual hash is
 * within the duplicate distance of a training or validation photo, so a copy under another
 * name or in another folder is caught too.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ToolError } from '../lib/tool-error';
import { hammingDistance } from '../data/perceptual-hash';
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

export class SeenPhotos {
  private readonly entries: SplitEntry[];

  constructor(
    plan: SplitPlan,
    splits: readonly SplitName[] = ['train', 'validation'],
    private readonly maxDistance = plan.options.duplicateMaxDistance,
  ) {
    this.entries = splits.flatMap((s) => plan[s]);
  }

  /** The photo of those splits that this hash matches, if any. */
  match(hash: string): SplitEntry | undefined {
    for (const e of this.entries) {
      if (hammingDistance(hash, e.hash) <= this.maxDistance) return e;
    }
    return undefined;
  }
}
