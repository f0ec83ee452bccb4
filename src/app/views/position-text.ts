/** A survey's position in words: where it was taken and how sure, or why there is none. */
import type { NoPositionReason, SurveyRecord } from '../../store/survey-record';

export function describeNoPosition(reason: NoPositionReason): string {
  switch (reason) {
    case 'denied':
      return 'No position: location permission was refused.';
    case 'unsupported':
      return 'No position: this browser has no location service.';
    case 'timeout':
      return 'No position: no GPS fix yet.';
    default:
      return 'No position: the GPS could not find one.';
  }
}

type Located = Pick<SurveyRecord, 'position' | 'noPositionReason'>;

/** The detail view's line: "52.520008, 13.404954 (±12 m, GPS)", "… (from the photo)". */
export function positionText(record: Located): string {
  const p = record.position;
  if (!p) return describeNoPosition(record.noPositionReason ?? 'unavailable');
  const how = p.accuracyM !== null ? ` (±${Math.round(p.accuracyM)} m, GPS)` : ' (from the photo)';
  return `${p.lat.toFixed(6)}, ${p.lon.toFixed(6)}${how}`;
}

/** The part of "Saved (…)." that says the position: "position ±12 m", "no position: …". */
export function savedPositionText(record: Located): string {
  const p = record.position;
  const text = p
    ? `position ±${p.accuracyM !== null ? Math.round(p.accuracyM) + ' m' : '? m (from the photo)'}`
    : describeNoPosition(record.noPositionReason ?? 'unavailable').replace(/\.$/, '');
  return text.charAt(0).toLowerCase() + text.slice(1);
}
