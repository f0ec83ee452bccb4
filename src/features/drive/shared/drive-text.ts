/** What the Drive page says, as plain text from plain data (Node tests read it). */
import type { FrameFinding } from '../../../model/frame-finding';
import type { RunSummary } from './run-summary';

export function verdictText(finding: FrameFinding | null): string {
  if (!finding) return 'Waiting for the first frame…';
  if (!finding.damage)
    return finding.lowConfidence ? 'Road looks good (not sure)' : 'Road looks good';
  const types = finding.found
    .map((t) => `${t.type} ${Math.round(t.probability * 100)}%`)
    .join(', ');
  return `Damage: ${types}${finding.lowConfidence ? ' (not sure)' : ''}`;
}

export function distanceText(metres: number): string {
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(2)} km`;
}

export function summaryLines(summary: RunSummary): string[] {
  const lines = [
    `${distanceText(summary.distanceKm * 1000)} in ${Math.round(summary.durationS / 60)} min; ` +
      `${summary.framesAnalysed} frames analysed; ${summary.surveys} ` +
      `damage${summary.surveys === 1 ? '' : 's'} recorded.`,
  ];
  for (const rate of summary.byType) {
    lines.push(
      rate.perKm === null
        ? `${rate.type}: ${rate.count} (too short a run for a rate per km)`
        : `${rate.type}: ${rate.count} (${rate.perKm.toFixed(1)} per km)`,
    );
  }
  return lines;
}
