/**
 * The data and split summaries of a road-damage model's training record: what each folder
 * holds (with origin and licence, and per damage type for field photos), how the split was made
 * (copies, look-alike groups, held-out photos) and what landed where.
 */
import { DAMAGE_TYPE_NAMES } from '../../src/model/damage-types';
import type { DataSummary, SplitSummary } from '../../src/model/training-records';
import { typeLabel } from '../data/damage-labels';
import { sourceInfo } from '../data/sources';
import { countsBySource, DEFAULT_FIELD_RULES, isFieldPhoto, SPLIT_NAMES } from '../data/split';
import { SPLIT_FILE } from '../eval/split-file';
import type { DamageData } from './damage-data';

export function dataSummaries(data: DamageData, folderArgs: readonly string[]): DataSummary[] {
  return data.folders.map((f, i) => {
    const field = f.photos.some(isFieldPhoto);
    return {
      source: f.source,
      folder: folderArgs[i],
      photos: f.photos.length,
      normal: f.photos.filter((p) => p.label === 'normal').length,
      pothole: f.photos.filter((p) => p.label === 'pothole').length,
      ignoredFiles: f.ignored.length,
      ...sourceInfo(f.source),
      ...(field
        ? {
            types: Object.fromEntries(
              DAMAGE_TYPE_NAMES.map((t) => [
                t,
                f.photos.filter((p) => typeLabel(p, t).present === 1).length,
              ]),
            ),
          }
        : {}),
    };
  });
}

export function splitSummary(
  data: DamageData,
  args: { splitFrom?: string; holdOut: readonly string[] },
): SplitSummary {
  const { plan, options } = data;
  const fieldSources = new Set(plan.fieldSources ?? []);
  const groups = new Map<string, number>();
  for (const s of SPLIT_NAMES) {
    for (const e of plan[s]) {
      if (fieldSources.has(e.source)) groups.set(e.group, (groups.get(e.group) ?? 0) + 1);
    }
  }
  const field = options.field ?? DEFAULT_FIELD_RULES;
  return {
    file: SPLIT_FILE,
    ...(args.splitFrom ? { inheritedFrom: args.splitFrom } : {}),
    seed: options.seed,
    fractions: options.fractions,
    frameBlock: options.frameBlock,
    duplicateMaxDistance: options.duplicateMaxDistance,
    nearDuplicateMaxDistance: options.nearDuplicateMaxDistance,
    duplicatesDropped: plan.duplicates.length,
    conflictsDropped: plan.conflicts.flat().length,
    counts: Object.fromEntries(SPLIT_NAMES.map((s) => [s, countsBySource(plan[s])])),
    ...(groups.size
      ? { field: { ...field, groups: groups.size, largestGroup: Math.max(...groups.values()) } }
      : {}),
    ...(plan.heldOut
      ? {
          heldOut: {
            folders: [...args.holdOut],
            photos: plan.heldOut.photos.length,
            matched: plan.heldOut.matched.length,
          },
        }
      : {}),
  };
}
