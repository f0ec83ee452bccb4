/**
 * Is a fix good enough to place a survey? The Geolocation API reports `accuracy` as the radius
 * (m) of 68% confidence; a fix worse than the limit is flagged so the engineer can wait for a
 * better one or keep it. A position from a photo's EXIF has no accuracy: flagged as unknown,
 * because nothing says it is good.
 */

export const DEFAULT_ACCURACY_LIMIT_M = 25;

export type FixQuality = 'good' | 'poor' | 'unknown';

export interface FixCheck {
  quality: FixQuality;
  /** True when the engineer should be told (poor or unknown). */
  flagged: boolean;
  accuracyM: number | null;
  limitM: number;
}

export function checkFix(
  accuracyM: number | null | undefined,
  limitM = DEFAULT_ACCURACY_LIMIT_M,
): FixCheck {
  if (!(limitM > 0)) throw new RangeError(`The accuracy limit must be above 0 m (got ${limitM}).`);
  if (accuracyM === null || accuracyM === undefined || !Number.isFinite(accuracyM))
    return { quality: 'unknown', flagged: true, accuracyM: null, limitM };
  const quality = accuracyM <= limitM ? 'good' : 'poor';
  return { quality, flagged: quality !== 'good', accuracyM, limitM };
}

/** "±12 m" / "±40 m, worse than 25 m" / "accuracy unknown": the words shown with a fix. */
export function fixText(check: FixCheck): string {
  if (check.quality === 'unknown') return 'accuracy unknown';
  const metres = `±${Math.round(check.accuracyM!)} m`;
  return check.quality === 'good' ? metres : `${metres}, worse than ${check.limitM} m`;
}
