/**
 * The region audit's summary: over a folder of photos, where did the heatmaps put their energy
 * (centre, top, bottom, edges), against the share of the image each region covers? A model that
 * reads the sky, road signs or the verge instead of the road surface shows up as a number here,
 * as the seed's vegetation shortcut would have. Plain TypeScript: the page sums what the worker
 * measured per photo.
 */
import type { RegionEnergy, RegionShares } from '../../../explain/metrics/energy';

export const AUDIT_REGIONS: (keyof RegionShares)[] = ['centre', 'top', 'bottom', 'edges'];

export interface AuditRow {
  name: string;
  /** The model's top class for the photo and its probability. */
  label: string | null;
  probability: number | null;
  /** Null when the photo could not be analysed. */
  regions: RegionEnergy | null;
  error: string | null;
}

export interface RegionSummary {
  /** Mean share of heatmap energy, over photos with a non-empty map. */
  energy: RegionShares;
  /** Mean share of the image's area. */
  area: RegionShares;
  /** energy / area: above 1, the model looks there more than a flat map would. */
  ratio: RegionShares;
  photos: number;
}

export interface AuditSummary {
  chosen: number;
  /** Photos with a map that has energy. */
  measured: number;
  emptyMaps: number;
  failed: number;
  all: RegionSummary | null;
  /** The same by the model's top class (e.g. "normal" photos looking at the top band). */
  byLabel: { label: string; summary: RegionSummary }[];
  /** The region the heatmaps favour most above its area, when one stands out. */
  favoured: { region: keyof RegionShares; ratio: number } | null;
  /** One sentence for the model builder. */
  sentence: string;
}

function zero(): RegionShares {
  return { centre: 0, top: 0, bottom: 0, edges: 0 };
}

function summarise(rows: readonly AuditRow[]): RegionSummary | null {
  const measured = rows.filter((r) => r.regions && !r.regions.empty);
  if (measured.length === 0) return null;
  const energy = zero();
  const area = zero();
  for (const r of measured) {
    for (const k of AUDIT_REGIONS) {
      energy[k] += r.regions!.energy[k] / measured.length;
      area[k] += r.regions!.area[k] / measured.length;
    }
  }
  const ratio = zero();
  for (const k of AUDIT_REGIONS) ratio[k] = area[k] > 0 ? energy[k] / area[k] : 0;
  return { energy, area, ratio, photos: measured.length };
}

const pct = (v: number) => `${Math.round(v * 100)}%`;

/** A ratio above this is worth a sentence (a third more than the region's area). */
const FAVOURED_RATIO = 1.33;

export function summariseAudit(rows: readonly AuditRow[]): AuditSummary {
  const failed = rows.filter((r) => r.error !== null).length;
  const emptyMaps = rows.filter((r) => r.regions?.empty).length;
  const all = summarise(rows);
  const labels = [...new Set(rows.map((r) => r.label).filter((l): l is string => l !== null))];
  const byLabel = labels
    .map((label) => ({ label, summary: summarise(rows.filter((r) => r.label === label)) }))
    .filter((x): x is { label: string; summary: RegionSummary } => x.summary !== null);
  let favoured: AuditSummary['favoured'] = null;
  if (all) {
    const best = AUDIT_REGIONS.reduce((a, b) => (all.ratio[b] > all.ratio[a] ? b : a));
    if (all.ratio[best] >= FAVOURED_RATIO) favoured = { region: best, ratio: all.ratio[best] };
  }
  let sentence: string;
  if (!all) {
    const firstError = rows.find((r) => r.error)?.error;
    sentence =
      rows.length === 0
        ? 'No photos were chosen.'
        : failed === rows.length
          ? `None of the ${rows.length} photos could be analysed: ${firstError}`
          : 'No heatmap had any energy, so nothing can be said about where the model looks.';
  } else if (favoured && favoured.region !== 'centre') {
    sentence =
      `Over ${all.photos} photo${all.photos === 1 ? '' : 's'}, ${pct(all.energy[favoured.region])} of ` +
      `the heatmap energy lies in the ${favoured.region === 'edges' ? 'side edges' : `${favoured.region} band`}, ` +
      `which covers ${pct(all.area[favoured.region])} of the image: check whether the model reads ` +
      `the scene (sky, signs, verge) rather than the road.`;
  } else {
    sentence =
      `Over ${all.photos} photo${all.photos === 1 ? '' : 's'}, ${pct(all.energy.centre)} of the ` +
      `heatmap energy lies in the centre, which covers ${pct(all.area.centre)} of the image.`;
  }
  return {
    chosen: rows.length,
    measured: all?.photos ?? 0,
    emptyMaps,
    failed,
    all,
    byLabel,
    favoured,
    sentence,
  };
}

/** Photo files among what a folder or a multiple selection gave, by type or extension. */
export function isPhotoFile(file: { name: string; type: string }): boolean {
  return (
    /^image\//.test(file.type) || /\.(jpe?g|png|webp|gif|bmp|avif|heic|heif)$/i.test(file.name)
  );
}
