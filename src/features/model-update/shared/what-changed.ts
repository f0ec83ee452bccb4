/**
 * "Model 2.1.0 installed: what changed", from what `model publish` stores: the release's notes,
 * the manifest's damage types (compared with the labels of the model running before) and the
 * evaluation figures the manifest must carry to be published. Pure.
 */
export interface ManifestFacts {
  name?: unknown;
  labels?: unknown;
  metrics?: { report?: Record<string, unknown>; evaluatedOn?: unknown };
}

const FIGURES: [key: string, words: string][] = [
  ['accuracy', 'accuracy'],
  ['pothole_recall', 'potholes found'],
  ['normal_specificity', 'good roads recognised'],
  ['pointing_game', 'heatmaps on the damage'],
];

function percent(value: number): string {
  return `${Math.round(value * 100)} %`;
}

function labelsOf(manifest: ManifestFacts | null): string[] {
  return Array.isArray(manifest?.labels)
    ? manifest.labels.filter((l): l is string => typeof l === 'string')
    : [];
}

/** Lines for the engineer, most important first; `before`: the labels of the model replaced. */
export function whatChanged(
  manifest: ManifestFacts,
  notes: string,
  before: { labels: readonly string[]; version: string } | null,
): string[] {
  const lines: string[] = [];
  if (notes.trim()) lines.push(notes.trim());
  const labels = labelsOf(manifest);
  if (before) {
    const added = labels.filter((l) => !before.labels.includes(l));
    const gone = before.labels.filter((l) => !labels.includes(l));
    if (added.length) lines.push(`Now also finds: ${added.join(', ')}.`);
    if (gone.length) lines.push(`No longer finds: ${gone.join(', ')}.`);
    if (!added.length && !gone.length) {
      lines.push(`Finds the same types as model ${before.version}.`);
    }
  }
  const report = manifest.metrics?.report ?? {};
  const figures = FIGURES.flatMap(([key, words]) =>
    typeof report[key] === 'number' ? [`${words} ${percent(report[key])}`] : [],
  );
  if (figures.length) {
    const n = typeof report.n === 'number' ? ` on ${report.n} photos it was not trained on` : '';
    lines.push(`Measured${n}: ${figures.join(', ')}.`);
  }
  if (!lines.length) lines.push('No notes were published with this model.');
  return lines;
}
