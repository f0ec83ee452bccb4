/**
 * A road-damage model's answer in words, for the survey page, the detail page and the list:
 * the headline ("Pothole, crack" / "Good road" / "Not sure" / "Not a road"), one line per type,
 * and the per-type heatmap choices (found types first). Pure: Node tests read it.
 */
import type { PhotoQuality, QualityProblem } from '../../image/photo-quality';
import { DAMAGE_TYPES, isDamageTypeName } from '../../model/damage-types';
import type { SurveyDamage } from '../../store/survey-record';

export const NOT_ROAD_TEXT = "This doesn't look like a road surface";

/** What the app calls a type ("alligator-crack" -> "Alligator crack", unknown ones too). */
export function typeTitle(type: string): string {
  if (isDamageTypeName(type)) return DAMAGE_TYPES[type].title;
  return type.charAt(0).toUpperCase() + type.slice(1).replace(/-/g, ' ');
}

/** A subtype (longitudinal crack...) is listed under its main type, never in the headline. */
function isSubtype(type: string): boolean {
  return isDamageTypeName(type) && !!DAMAGE_TYPES[type].parent;
}

const pct = (p: number) => `${Math.round(p * 100)}%`;

export interface DamageHeadline {
  /** 'damage' | 'not-sure' | 'good-road' | 'not-a-road': the badge's colour. */
  outcome: SurveyDamage['outcome'];
  title: string;
  detail: string;
}

type DamageFacts = Pick<SurveyDamage, 'outcome' | 'probabilities' | 'found' | 'notSure'>;

function mainTypes(d: DamageFacts): [string, number][] {
  return Object.entries(d.probabilities)
    .filter(([t]) => !isSubtype(t))
    .sort((a, b) => b[1] - a[1]);
}

export function damageHeadline(d: DamageFacts): DamageHeadline {
  const found = d.found.map((t) => `${typeTitle(t)} ${pct(d.probabilities[t] ?? 0)}`);
  switch (d.outcome) {
    case 'not-a-road':
      return { outcome: d.outcome, title: 'Not a road', detail: `${NOT_ROAD_TEXT}.` };
    case 'damage':
      return {
        outcome: d.outcome,
        title: d.found.map(typeTitle).join(', '),
        detail: `Found: ${found.join(', ')}.`,
      };
    case 'not-sure': {
      const unsure = d.notSure
        .filter((t) => !isSubtype(t))
        .map((t) => `${typeTitle(t).toLowerCase()} ${pct(d.probabilities[t] ?? 0)}`);
      return {
        outcome: d.outcome,
        title: 'Not sure',
        detail: `Maybe ${unsure.join(', ') || 'damage'}: take another photo, closer.`,
      };
    }
    default: {
      const [top] = mainTypes(d);
      return {
        outcome: d.outcome,
        title: 'Good road',
        detail: top
          ? `No damage found (highest: ${typeTitle(top[0]).toLowerCase()} ${pct(top[1])}).`
          : 'No damage found.',
      };
    }
  }
}

/** One line per type, in the model's order: "Pothole 87% (found)". */
export function typeLines(d: DamageFacts): { type: string; text: string; found: boolean }[] {
  return Object.entries(d.probabilities).map(([type, p]) => {
    const found = d.found.includes(type);
    const state = found ? 'found' : d.notSure.includes(type) ? 'not sure' : 'not found';
    return { type, text: `${typeTitle(type)} ${pct(p)} (${state})`, found };
  });
}

export interface HeatmapChoice {
  type: string;
  /** "Pothole 87%": the toggle's text. */
  label: string;
  found: boolean;
}

/** The per-type heatmap toggles over the photo, in the order given (found types first). */
export function heatmapChoices(
  heatmaps: readonly { type: string; probability: number; found: boolean }[],
): HeatmapChoice[] {
  return heatmaps.map((h) => ({
    type: h.type,
    label: `${typeTitle(h.type)} ${pct(h.probability)}`,
    found: h.found,
  }));
}

const QUALITY_HINTS: Record<QualityProblem, string> = {
  'too-dark':
    'This photo is too dark to judge: use the flash or wait for more light, then take it again.',
  'too-blurred':
    'This photo is too blurred to judge: hold the phone still (or stop the motorbike) and take it again.',
};

/** The hint shown before the verdict, or '' when the photo is fine (or was not measured). */
export function qualityHint(quality: PhotoQuality | null | undefined): string {
  return quality ? quality.problems.map((p) => QUALITY_HINTS[p]).join(' ') : '';
}
