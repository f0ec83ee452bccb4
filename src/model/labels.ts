/**
 * The model's probabilities with their class names, the same way for a softmax over N classes,
 * a single sigmoid unit (labels [negative, positive]) and graph models whose output 0 is
 * "background" (labelOffset 1).
 */
import type { ModelManifest } from './manifest';

export interface ClassProbability {
  label: string;
  probability: number;
  /** The class index that explain targets (classLogit / classProbability) take. */
  classIndex: number;
}

export function labelledProbabilities(
  probabilities: ArrayLike<number>,
  manifest: Pick<ModelManifest, 'labels' | 'labelOffset'>,
): ClassProbability[] {
  if (probabilities.length === 1 && manifest.labels.length === 2) {
    const p = probabilities[0];
    return [
      { label: manifest.labels[0], probability: 1 - p, classIndex: 0 },
      { label: manifest.labels[1], probability: p, classIndex: 1 },
    ];
  }
  const out: ClassProbability[] = [];
  for (let i = manifest.labelOffset; i < probabilities.length; i++) {
    out.push({
      label: manifest.labels[i - manifest.labelOffset] ?? `class ${i}`,
      probability: probabilities[i],
      classIndex: i,
    });
  }
  return out;
}

/** The k most probable classes, most probable first. */
export function topClasses(
  probabilities: ArrayLike<number>,
  manifest: Pick<ModelManifest, 'labels' | 'labelOffset'>,
  k = 5,
): ClassProbability[] {
  return labelledProbabilities(probabilities, manifest)
    .sort((a, b) => b.probability - a.probability)
    .slice(0, k);
}
